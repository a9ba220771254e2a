"""TIC-TAC in the admin: rules and category limits are edited by directors (each change logged
with its reason); the ledger is read-only and nothing in it can be deleted."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from coope.core.admin import CooperationAdmin, ReadOnlyAdmin, may_administer
from coope.timebank.models import (
    Account,
    Category,
    CategoryLimit,
    Entry,
    Exchange,
    Listing,
    TimebankRules,
    Transfer,
)


class ReasonForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Pourquoi ce changement ?"),
        max_length=300,
        help_text=_("Gardé au journal des modifications avec votre nom et la date."),
    )


class ReasonAdmin(CooperationAdmin):
    """Every change is logged with who, when and why."""

    form = ReasonForm

    def audit_extra(self, request, form) -> dict:
        return {"reason": form.cleaned_data["reason"]}

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TimebankRules)
class TimebankRulesAdmin(ReasonAdmin):
    list_display = (
        "__str__",
        "start_credit_minutes",
        "membership_fee_minutes",
        "reversal_delay_days",
        "confirmation_delay_days",
        "warning_margin_minutes",
    )


class CategoryLimitForm(ReasonForm):
    """One limit per category of account in a cooperation: a duplicate is refused in the form (the
    cooperation is not a field of it, so the database constraint alone would give an error page)."""

    cooperation = None  # set by CategoryLimitAdmin.get_form from the request

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.cooperation_id is None and self.cooperation is not None:
            self.instance.cooperation = (
                self.cooperation
            )  # CategoryLimit.clean counts this cooperation's accounts

    def clean(self):
        cleaned = super().clean()
        kind, cooperation_id = cleaned.get("kind"), self.instance.cooperation_id
        if (
            kind
            and cooperation_id is not None
            and CategoryLimit.objects.filter(cooperation_id=cooperation_id, kind=kind)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error(
                "kind",
                _(
                    "Cette catégorie de compte a déjà ses limites : modifiez-les dans la "
                    "liste plutôt que d'en ajouter de nouvelles."
                ),
            )
        return cleaned


@admin.register(CategoryLimit)
class CategoryLimitAdmin(ReasonAdmin):
    form = CategoryLimitForm
    list_display = ("kind", "min_balance_minutes", "max_balance_minutes")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"cooperation": getattr(request, "cooperation", None)})


@admin.register(Category)
class CategoryAdmin(CooperationAdmin):
    list_display = ("name",)


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ("account", "amount_minutes")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*AccountAdmin.name_joins_of("account"))

    def has_view_permission(self, request, obj=None):
        """Directors read a transfer's entries as they read the transfer."""
        return may_administer(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("pk", "created_at", "kind", "amount_minutes", "memo", "created_by")
    list_select_related = ("created_by",)
    list_filter = ("kind",)
    search_fields = ("memo", "idempotency_key")
    inlines = [EntryInline]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "kind", "association", "balance_minutes", "closed_at")
    list_select_related = ("person", "association")
    name_joins = ("person", "association")

    @classmethod
    def name_joins_of(cls, field: str) -> list[str]:
        """The joins a field pointing at an account needs to show the account's name."""
        return [field, *(f"{field}__{join}" for join in cls.name_joins)]

    list_filter = ("kind", "association")
    search_fields = ("person__search_name",)


@admin.register(Exchange)
class ExchangeAdmin(ReadOnlyAdmin):
    list_display = ("performed_on", "provider", "receiver", "category", "minutes", "status")
    list_select_related = (
        *AccountAdmin.name_joins_of("provider"),
        *AccountAdmin.name_joins_of("receiver"),
        "category",
    )
    list_filter = ("status", "category")


@admin.register(Listing)
class ListingAdmin(CooperationAdmin):
    list_display = ("kind", "category", "description", "account", "active")
    list_select_related = ("category", *AccountAdmin.name_joins_of("account"))
    list_filter = ("kind", "category", "active")

    def has_delete_permission(self, request, obj=None):
        return False
