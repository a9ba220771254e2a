"""The Django admin, kept for directors: scoped to their cooperation and audited."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from coope.core import audit
from coope.core.models import (
    Agreement,
    Association,
    AuditEntry,
    Cooperation,
    House,
    ProjectGroup,
    StaffRole,
    User,
)
from coope.core.permissions import Role


class TenantFormsetMixin:
    """Inline rows take the cooperation of the object they belong to."""

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            instance.cooperation_id = form.instance.cooperation_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


class CooperationAdmin(TenantFormsetMixin, admin.ModelAdmin):
    """Base for tenant models: the cooperation is set from the signed-in director, and
    every change to an audited model is written to the audit log."""

    audited = True
    exclude = ("cooperation",)

    def has_module_permission(self, request):
        return request.user.is_superuser or request.user.has_coope_perm("admin.access")

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def save_model(self, request, obj, form, change):
        if getattr(obj, "cooperation_id", None) is None and request.cooperation is not None:
            obj.cooperation = request.cooperation
        before = {name: form.initial.get(name) for name in form.changed_data} if change else {}
        super().save_model(request, obj, form, change)
        if self.audited:
            changes = {
                name: [
                    audit._jsonable(before.get(name)),
                    audit._jsonable(form.cleaned_data.get(name)),
                ]
                for name in form.changed_data
            }
            audit.record(
                actor=request.user,
                action="admin_change" if change else "admin_create",
                instance=obj,
                changes=changes,
            )

    def delete_model(self, request, obj):
        if self.audited:
            audit.record(
                actor=request.user, action="admin_delete", instance=obj, changes=audit.snapshot(obj)
            )
        super().delete_model(request, obj)


@admin.register(Cooperation)
class CooperationModelAdmin(CooperationAdmin):
    exclude = ()
    list_display = ("name", "slug", "card_prefix")
    audited = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.cooperation is not None:
            queryset = queryset.filter(pk=request.cooperation.pk)
        return queryset

    def has_add_permission(self, request):
        return request.user.is_superuser and request.cooperation is None

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Association)
class AssociationAdmin(CooperationAdmin):
    list_display = ("name", "address")
    audited = False


class AgreementInline(admin.TabularInline):
    model = Agreement
    exclude = ("cooperation",)
    extra = 0


@admin.register(House)
class HouseAdmin(CooperationAdmin):
    list_display = ("name", "association", "city", "priority_area", "colour")
    inlines = [AgreementInline]
    audited = False


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    exclude = ("cooperation",)
    extra = 1


@admin.register(User)
class CoopeUserAdmin(TenantFormsetMixin, UserAdmin):
    inlines = [StaffRoleInline]
    list_display = ("username", "first_name", "last_name", "email", "is_active")
    raw_id_fields = ("person",)
    # Directors manage their cooperation's accounts: roles per association, and for an inhabitant
    # the person whose TIC-TAC account they see. Django's superuser, staff and group switches are
    # for the platform's operators only.
    director_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personne"), {"fields": ("first_name", "last_name", "email", "person")}),
        (_("Accès"), {"fields": ("is_active", "last_login", "date_joined")}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            fieldsets = super().get_fieldsets(request, obj)
            if obj is not None:
                fieldsets = (*fieldsets, (_("Habitant·e"), {"fields": ("person",)}))
            return fieldsets
        return self.director_fieldsets

    def get_readonly_fields(self, request, obj=None):
        return () if request.user.is_superuser else ("last_login", "date_joined")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.cooperation is not None:
            queryset = queryset.filter(cooperation=request.cooperation)
        return queryset

    def has_module_permission(self, request):
        return request.user.is_superuser or request.user.has_coope_perm("admin.access")

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def save_model(self, request, obj, form, change):
        if obj.cooperation_id is None and request.cooperation is not None:
            obj.cooperation = request.cooperation
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """The Django admin opens to directors: its staff flag follows the director role."""
        super().save_related(request, form, formsets, change)
        user = form.instance
        staff = user.is_superuser or user.staff_roles.filter(role=Role.DIRECTOR).exists()
        if user.is_staff != staff:
            user.is_staff = staff
            user.save(update_fields=["is_staff"])


class ReadOnlyAdmin(CooperationAdmin):
    """Rows written by the services only (the audit log, a ledger): the admin shows them."""

    audited = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "model", "object_id", "object_repr")
    list_filter = ("action", "model")
    search_fields = ("object_repr", "object_id")


@admin.register(ProjectGroup)
class ProjectGroupAdmin(CooperationAdmin):
    list_display = ("name", "slug")
    audited = False
