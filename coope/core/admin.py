"""The Django admin, kept for directors: scoped to their cooperation and audited."""

from typing import ClassVar

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import router, transaction
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


def may_administer(request) -> bool:
    """Directors of the cooperation, and the platform's superusers. A visitor who is not signed in
    (the login page lists the apps too) may not."""
    user = request.user
    if not (user.is_active and user.is_authenticated):
        return False
    return user.is_superuser or user.has_coope_perm("admin.access")


class DirectorAdmin(admin.ModelAdmin):
    """Base of every tenant model's admin: open to directors; the cooperation is not a field, it
    is the signed-in director's, and the form checks the unique constraints that include it (a
    name already used in the cooperation is a form error, not an error page)."""

    exclude: ClassVar[tuple[str, ...]] = ("cooperation",)

    def has_module_permission(self, request):
        return may_administer(request)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return tenant_form(form, getattr(request, "cooperation", None))

    def save_model(self, request, obj, form, change):
        if getattr(obj, "cooperation_id", None) is None and request.cooperation is not None:
            obj.cooperation = request.cooperation
        super().save_model(request, obj, form, change)


def tenant_form(form_class, cooperation):
    """The admin's form, with the instance in the director's cooperation before validation, so
    that unique constraints on (cooperation, ...) are checked by the form."""

    class TenantForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            has_cooperation = any(f.name == "cooperation" for f in self.instance._meta.fields)
            if has_cooperation and self.instance.cooperation_id is None and cooperation is not None:
                self.instance.cooperation = cooperation

        def _get_validation_exclusions(self):
            exclude = super()._get_validation_exclusions()
            if getattr(self.instance, "cooperation_id", None) is not None:
                exclude.discard("cooperation")
            return exclude

        def validate_constraints(self):
            try:
                self.instance.validate_constraints(exclude=self._get_validation_exclusions())
            except ValidationError as error:
                self._update_errors(_on_the_field(error, self))

    TenantForm.__name__ = form_class.__name__
    return TenantForm


def _on_the_field(error: ValidationError, form) -> ValidationError:
    """A value already used in the cooperation: said on the field that holds it, in words."""
    if not hasattr(error, "error_dict"):
        return error
    errors: dict[str, list[ValidationError]] = {}
    for field, items in error.error_dict.items():
        for item in items:
            check = (item.params or {}).get("unique_check", ())
            others = [name for name in check if name != "cooperation"]
            if item.code == "unique_together" and "cooperation" in check and len(others) == 1:
                field = others[0] if others[0] in form.fields else field
                item = ValidationError(
                    _(
                        "« %(value)s » est déjà utilisé dans la coopération : choisissez-en un autre."
                    ),
                    code="unique",
                    params={"value": form.cleaned_data.get(others[0], "")},
                )
            errors.setdefault(field, []).append(item)
    return ValidationError(errors)


class AuditedAdminMixin:
    """Every write the admin makes is in the audit log, with who, when and the values before and
    after: additions and changes (`save_model`), deletions of one row or of a selection (with the
    rows they cascade to), and the rows of inlines. Used by every admin of a tenant model."""

    def audit_extra(self, request, form) -> dict:
        """More to keep with the entry of a change (the reason asked by some forms)."""
        return {}

    def _before(self, obj) -> dict:
        if obj.pk is None:
            return {}
        stored = type(obj)._base_manager.filter(pk=obj.pk).first()
        return audit.snapshot(stored) if stored is not None else {}

    def save_model(self, request, obj, form, change):
        with transaction.atomic(using=router.db_for_write(type(obj))):
            before = self._before(obj) if change else {}
            super().save_model(request, obj, form, change)
            after = audit.snapshot(obj)
            audit.record(
                actor=request.user,
                action="admin_change" if change else "admin_create",
                instance=obj,
                changes={
                    **(audit.diff(before, after) if change else after),
                    **self.audit_extra(request, form),
                },
            )

    def delete_model(self, request, obj):
        with transaction.atomic(using=router.db_for_write(type(obj))):
            audit.record_deletion(actor=request.user, objects=obj, action="admin_delete")
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(queryset.model)):
            audit.record_deletion(actor=request.user, objects=queryset, action="admin_delete")
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        """Inline rows take the cooperation of the object they belong to, and are audited."""
        model = formset.model
        with transaction.atomic(using=router.db_for_write(model)):
            instances = formset.save(commit=False)
            stored = model._base_manager.in_bulk([o.pk for o in instances if o.pk is not None])
            for instance in instances:
                if hasattr(instance, "cooperation_id"):
                    instance.cooperation_id = form.instance.cooperation_id
                before = stored.get(instance.pk)
                instance.save()
                after = audit.snapshot(instance)
                audit.record(
                    actor=request.user,
                    action="admin_change" if before is not None else "admin_create",
                    instance=instance,
                    changes=audit.diff(audit.snapshot(before), after) if before else after,
                )
            if formset.deleted_objects:
                audit.record_deletion(
                    actor=request.user, objects=formset.deleted_objects, action="admin_delete"
                )
                for obj in formset.deleted_objects:
                    obj.delete()
            formset.save_m2m()


class CooperationAdmin(AuditedAdminMixin, DirectorAdmin):
    """The admin of a tenant model: directors only, in their cooperation, every write audited."""


@admin.register(Cooperation)
class CooperationModelAdmin(DirectorAdmin):
    """The cooperation itself (not a tenant row: the audit log is kept per cooperation)."""

    exclude = ()
    list_display = ("name", "slug", "card_prefix")

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


class AgreementInline(admin.TabularInline):
    model = Agreement
    exclude = ("cooperation",)
    extra = 0


@admin.register(House)
class HouseAdmin(CooperationAdmin):
    list_display = ("name", "association", "city", "priority_area", "colour")
    inlines = [AgreementInline]


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    exclude = ("cooperation",)
    extra = 1


@admin.register(User)
class CoopeUserAdmin(UserAdmin):
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
        return may_administer(request)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def save_model(self, request, obj, form, change):
        if obj.cooperation_id is None and request.cooperation is not None:
            obj.cooperation = request.cooperation
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        """Roles take the cooperation of the account."""
        for instance in formset.save(commit=False):
            instance.cooperation_id = form.instance.cooperation_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        """The Django admin opens to directors: its staff flag follows the director role."""
        super().save_related(request, form, formsets, change)
        user = form.instance
        staff = user.is_superuser or user.staff_roles.filter(role=Role.DIRECTOR).exists()
        if user.is_staff != staff:
            user.is_staff = staff
            user.save(update_fields=["is_staff"])


class ReadOnlyAdmin(DirectorAdmin):
    """Rows written by the services only (the audit log, a ledger): the admin shows them."""

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
