"""Forms of TIC-TAC pages: they only validate; the services write."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coope.lib.bounds import Bounded
from coope.timebank.models import Account, AccountKind, Category, ListingKind

# One exchange, or a paper cheque for one: 1000 h at most (1e9 h is a typing mistake); what a
# member may really give or owe is the account's limits' business, with their own messages.
MAX_SERVICE_MINUTES = 1000 * 60


class HoursField(forms.CharField):
    """Hours as people write them: 1, 1,5, 1h30, 1:30, 0h45 → whole minutes."""

    default_error_messages = {"invalid": _("Écrivez une durée comme 1 h 30, 1,5 ou 45 min.")}

    def to_python(self, value):
        text = (super().to_python(value) or "").strip().lower().replace(" ", "")
        if not text:
            return None
        try:
            if text.endswith("min"):
                minutes = int(text[:-3])
            elif "h" in text or ":" in text:
                hours, _sep, rest = text.replace(":", "h").partition("h")
                minutes = int(hours or 0) * 60 + int(rest or 0)
            else:
                minutes = round(float(text.replace(",", ".")) * 60)
        except (ValueError, OverflowError) as error:  # « nan », « inf », « 1e999 »
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error
        if minutes <= 0:
            raise forms.ValidationError(
                _("La durée doit être plus grande que zéro."), code="invalid"
            )
        if minutes > MAX_SERVICE_MINUTES:
            raise forms.ValidationError(
                _(
                    "Plus de %(h)s heures pour un échange, c'est sans doute une faute de frappe : "
                    "vérifiez la durée (1 h 30, 2, 0,5)."
                ),
                code="invalid",
                params={"h": MAX_SERVICE_MINUTES // 60},
            )
        return minutes


def member_accounts():
    return (
        Account.objects.filter(kind=AccountKind.MEMBER, closed_at__isnull=True)
        .select_related("person")
        .order_by("person__last_name", "person__first_name")
    )


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.person.last_name.upper()} {obj.person.first_name}"


class _ServiceForm(Bounded, forms.Form):
    category: forms.ModelChoiceField[Category] = forms.ModelChoiceField(
        label=_("Catégorie"), queryset=Category.objects.none()
    )
    description = forms.CharField(label=_("Description du service"), max_length=300)
    duration = HoursField(label=_("Durée (heures)"), help_text=_("ex. 1 h 30, 2 ou 0,5"))
    performed_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.all()
        self.fields["performed_on"].initial = timezone.localdate()


class AccountsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.person.last_name.upper()} {obj.person.first_name}"


class PersonPickerMixin:
    """Forms whose people are chosen by a search (name or card number), never from a list of
    every member: `person_fields` are rendered by timebank/_person_picker.html, which asks
    `search_url_name` for matches; `chosen(name)` gives back the accounts already picked."""

    person_fields: tuple[str, ...] = ()
    search_url_name = ""

    def chosen(self, name: str) -> list[Account]:
        if not self.is_bound:  # type: ignore[attr-defined]
            return []
        values = [v for v in self.data.getlist(self.add_prefix(name)) if v.isdigit()]  # type: ignore[attr-defined]
        queryset = self.fields[name].queryset  # type: ignore[attr-defined]
        return list(queryset.filter(pk__in=values)) if values else []


class ExchangeForm(PersonPickerMixin, _ServiceForm):
    """The provider records a service given: a payment request to each receiver (several for a
    group exchange, e.g. a workshop: each receiver pays the duration)."""

    receivers = AccountsChoiceField(
        label=_("Qui a reçu le service ?"),
        queryset=Account.objects.none(),
        help_text=_("Plusieurs personnes pour un atelier collectif."),
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("Cherchez et cochez la personne qui a reçu le service.")},
    )
    field_order = ["receivers"]
    person_fields = ("receivers",)
    search_url_name = "timebank:member_search"

    def __init__(self, *args, exclude_account=None, **kwargs):
        super().__init__(*args, **kwargs)
        accounts = member_accounts()
        if exclude_account is not None:
            accounts = accounts.exclude(pk=exclude_account.pk)
        self.fields["receivers"].queryset = accounts


class ChequeForm(PersonPickerMixin, _ServiceForm):
    """A paper time cheque, signed by both people, entered by staff."""

    cheque_number = forms.CharField(label=_("Numéro du chèque"), max_length=40)
    provider = AccountChoiceField(
        label=_("Qui a rendu le service ?"),
        queryset=Account.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"required": _("Cherchez et choisissez qui a rendu le service.")},
    )
    receiver = AccountChoiceField(
        label=_("Qui l'a reçu ?"),
        queryset=Account.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"required": _("Cherchez et choisissez qui a reçu le service.")},
    )
    field_order = ["cheque_number", "provider", "receiver"]
    person_fields = ("provider", "receiver")
    search_url_name = "timebank:staff_search"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = self.fields["receiver"].queryset = member_accounts()
        self.fields["key"].required = False


class ListingForm(Bounded, forms.Form):
    kind = forms.ChoiceField(
        label=_("J'offre ou je demande ?"), choices=ListingKind.choices, widget=forms.RadioSelect
    )
    category: forms.ModelChoiceField[Category] = forms.ModelChoiceField(
        label=_("Catégorie"), queryset=Category.objects.none()
    )
    description = forms.CharField(label=_("Description"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.all()


class ReverseForm(Bounded, forms.Form):
    reason = forms.CharField(label=_("Motif (montré aux deux personnes)"), max_length=300)


class LimitsForm(Bounded, forms.Form):
    min_hours = forms.IntegerField(
        label=_("Solde minimum (heures, vide : celui de la catégorie)"), required=False
    )
    max_hours = forms.IntegerField(
        label=_("Solde maximum (heures, vide : celui de la catégorie)"), required=False
    )
    reason = forms.CharField(label=_("Pourquoi ?"), max_length=300)
