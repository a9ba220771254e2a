"""The Django admin, kept for directors: scoped to their cooperation and audited."""

from typing import ClassVar

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.admin import UserAdmin
from django.db import router, transaction
from django.forms.models import BaseInlineFormSet
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from coope.core import audit, services
from coope.core.forms import tenant_form
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


def joined_choices(model_admin, db_field, request, kwargs: dict) -> dict:
    """The rows offered in a list of choices read with the joins their names need (the
    `name_joins` of their own admin): one query for the list, not one more per row."""
    related = model_admin.admin_site._registry.get(db_field.remote_field.model)
    joins = getattr(related, "name_joins", ())
    if joins and "queryset" not in kwargs:
        queryset = model_admin.get_field_queryset(None, db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.all()
        kwargs["queryset"] = queryset.select_related(*joins)
    return kwargs


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
    # The joins the name of a row (its __str__) needs, wherever the admin lists rows of this
    # model as choices: e.g. a session is named by its activity.
    name_joins: ClassVar[tuple[str, ...]] = ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = joined_choices(self, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_exclude(self, request, obj=None):
        """A platform administrator (who has no cooperation of their own) says which one."""
        if getattr(request, "cooperation", None) is None:
            return tuple(name for name in self.exclude or () if name != "cooperation")
        return self.exclude

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
            if not _of_a_cooperation(obj):  # a platform account: the log is per cooperation
                return
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


def _of_a_cooperation(obj) -> bool:
    return isinstance(obj, Cooperation) or getattr(obj, "cooperation_id", None) is not None


class ChoicesReadOnce(BaseChoiceIterator):
    """The choices of a list in an inline's rows, read when the first row shows them and kept
    for the others (Django copies the field into every row, and each copy reads them again)."""

    def __init__(self, field):
        self.read = field.iterator(field)
        self.rows: list | None = None

    def __iter__(self):
        if self.rows is None:
            self.rows = list(self.read)
        return iter(self.rows)

    def __len__(self) -> int:
        return len(list(iter(self)))

    def __copy__(self):
        return self  # every row's copy shares the one reading

    def __deepcopy__(self, memo):
        return self


class DirectorInline:
    """Rows shown inline (a house's CAF agreements, an account's roles): directors see and edit
    them as they do the row they belong to. Django's model permissions are for the platform's
    operators only, so without this a director who is not a superuser sees no inline at all."""

    def has_view_permission(self, request, obj=None):
        return may_administer(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = joined_choices(self, db_field, request, kwargs)
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        widget = getattr(formfield, "widget", None)
        if isinstance(widget, forms.Select) and not isinstance(widget, AutocompleteSelect):
            formfield.choices = ChoicesReadOnce(formfield)
        return formfield


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


class AgreementInline(DirectorInline, admin.TabularInline):
    model = Agreement
    exclude = ("cooperation",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("house")  # a row's name


@admin.register(House)
class HouseAdmin(CooperationAdmin):
    list_display = ("name", "association", "city", "priority_area", "colour")
    list_select_related = ("association",)
    inlines = [AgreementInline]


class StaffRoleFormSet(BaseInlineFormSet):
    """An account's roles are in associations of its own cooperation."""

    cooperation_id: int | None = None  # the signed-in director's, set by the inline

    def clean(self):
        super().clean()
        cooperation_id = self.instance.cooperation_id or self.cooperation_id
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            association = data.get("association")
            if association is None or data.get("DELETE"):
                continue
            if cooperation_id is None:
                form.add_error(
                    "association", _("Choisissez d'abord la coopération du compte, puis ses rôles.")
                )
            elif association.cooperation_id != cooperation_id:
                form.add_error(
                    "association", _("Cette association n'est pas de la coopération du compte.")
                )


class StaffRoleInline(DirectorInline, admin.TabularInline):
    model = StaffRole
    formset = StaffRoleFormSet
    exclude = ("cooperation",)
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "association")  # a row's name

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        cooperation = getattr(request, "cooperation", None)
        return type(
            formset.__name__,
            (formset,),
            {"cooperation_id": cooperation.pk if cooperation is not None else None},
        )


@admin.register(User)
class CoopeUserAdmin(AuditedAdminMixin, UserAdmin):
    inlines = [StaffRoleInline]
    list_display = ("username", "first_name", "last_name", "email", "is_active")
    raw_id_fields = ("person",)
    # Directors manage their cooperation's accounts: roles per association, and for an inhabitant
    # the person whose TIC-TAC account they see. Django's superuser, staff and group switches are
    # for the platform's operators only, who also say which cooperation an account belongs to
    # (a director's are in theirs).
    director_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personne"), {"fields": ("first_name", "last_name", "email", "person")}),
        (_("Accès"), {"fields": ("is_active", "last_login", "date_joined")}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            fieldsets = super().get_fieldsets(request, obj)
            if request.user.is_superuser:
                fields = ("cooperation",) if obj is None else ("cooperation", "person")
                fieldsets = (*fieldsets, (_("Coopération"), {"fields": fields}))
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

    def save_related(self, request, form, formsets, change):
        """The roles (audited, in the account's cooperation), then the staff flag that opens the
        Django admin, which follows the director role."""
        super().save_related(request, form, formsets, change)
        services.follow_director_role(actor=request.user, user=form.instance)


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
    list_select_related = ("actor",)
    list_filter = ("action", "model")
    search_fields = ("object_repr", "object_id")


@admin.register(ProjectGroup)
class ProjectGroupAdmin(CooperationAdmin):
    list_display = ("name", "slug")
