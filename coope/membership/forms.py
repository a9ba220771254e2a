from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coope.core.models import House
from coope.imports.cells import parse_euros
from coope.lib.bounds import MONEY_MAX_EUROS, Bounded, range_message
from coope.membership.models import MemberKind, MembershipPeriod, MembershipRules, PaymentMethod
from coope.membership.services import FeeRow
from coope.people.forms import DateInput


class TakeMembershipForm(Bounded, forms.Form):
    """Where the membership is taken, its period among those offered (see `services.offers`: in
    the last weeks of a period, the next one first), from which day, and how it is paid."""

    house: forms.ModelChoiceField[House] = forms.ModelChoiceField(
        label=_("Maison où l'adhésion est prise"), queryset=House.objects.none(), empty_label=None
    )
    period = forms.ChoiceField(label=_("Période"), widget=forms.RadioSelect)
    valid_from = forms.DateField(label=_("Valable à partir du"), widget=DateInput())
    payment_method = forms.ChoiceField(
        label=_("Paiement"),
        choices=PaymentMethod.choices,
        widget=forms.RadioSelect,
        initial=PaymentMethod.CASH,
    )

    def __init__(self, *args, houses, options, **kwargs):
        """`options`: (key, label, period) of each period that may be chosen, the period maybe
        not created yet (it is opened when the membership is taken)."""
        super().__init__(*args, **kwargs)
        house = self.fields["house"]
        house.queryset = houses
        # Listed from the houses the view has read, not read again to render the form.
        house.choices = [(house.prepare_value(h), house.label_from_instance(h)) for h in houses]
        self.fields["period"].choices = [(key, label) for key, label, _period in options]
        self.periods = {key: period for key, _label, period in options}

    def clean_period(self) -> MembershipPeriod:
        return self.periods[self.cleaned_data["period"]]


class CardCheckForm(Bounded, forms.Form):
    number = forms.CharField(label=_("Numéro de carte (scanner ou taper)"), max_length=30)


class RenewalFilterForm(Bounded, forms.Form):
    """The renewals list of one house (where the membership was taken), or of all."""

    maison: forms.ModelChoiceField[House] = forms.ModelChoiceField(
        label=_("Maison"),
        queryset=House.objects.none(),
        required=False,
        empty_label=_("Toutes les maisons"),
        error_messages={"invalid_choice": _("Cette maison n'existe pas : choisissez-en une.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["maison"].queryset = House.objects.order_by("name")


class RenewForm(Bounded, forms.Form):
    """Confirming a renewal: where it is taken, how it is paid and, in the last weeks of a
    period, which period (the next one is proposed first); the rest is computed."""

    house: forms.ModelChoiceField[House] = forms.ModelChoiceField(
        label=_("Maison où l'adhésion est prise"), queryset=House.objects.none(), empty_label=None
    )
    period = forms.ChoiceField(label=_("Période"), widget=forms.RadioSelect, required=False)
    payment_method = forms.ChoiceField(
        label=_("Paiement"),
        choices=PaymentMethod.choices,
        widget=forms.RadioSelect,
        initial=PaymentMethod.CASH,
    )

    def __init__(self, *args, houses, options=(), **kwargs):
        """`options`: (key, label) of the renewals to choose from; one alone is not asked."""
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = houses
        if len(options) > 1:
            self.fields["period"].choices = list(options)
            self.fields["period"].initial = options[0][0]
        else:
            del self.fields["period"]


MONTHS = [
    (number, name)
    for number, name in enumerate(
        (
            _("janvier"),
            _("février"),
            _("mars"),
            _("avril"),
            _("mai"),
            _("juin"),
            _("juillet"),
            _("août"),
            _("septembre"),
            _("octobre"),
            _("novembre"),
            _("décembre"),
        ),
        start=1,
    )
]


class RulesForm(Bounded, forms.ModelForm):
    """The cooperation's membership rules; the service saves them."""

    class Meta:
        model = MembershipRules
        fields = ["scheme", "start_month", "length_months", "offer_weeks"]
        widgets = {"scheme": forms.RadioSelect, "start_month": forms.Select(choices=MONTHS)}
        error_messages = {
            "start_month": {
                "min_value": _("Un mois va de 1 (janvier) à 12 (décembre)."),
                "max_value": _("Un mois va de 1 (janvier) à 12 (décembre)."),
            },
            "length_months": {
                "min_value": _("Une adhésion dure au moins un mois."),
                "max_value": _("Une adhésion dure au plus 36 mois."),
            },
            "offer_weeks": {
                "max_value": _("26 semaines au plus (six mois avant la fin de la période)."),
            },
        }


class PeriodForm(Bounded, forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=60)
    start = forms.DateField(label=_("Début"), widget=DateInput())
    end = forms.DateField(label=_("Fin"), widget=DateInput())


class FeeRowForm(Bounded, forms.Form):
    """One tier of a fee grid; a row left (or made) empty is no tier."""

    kind = forms.ChoiceField(
        label=_("Adhésion"), choices=[("", "—"), *MemberKind.choices], required=False
    )
    quotient_min = forms.IntegerField(
        label=_("QF à partir de (€)"), required=False, min_value=0, max_value=999_999
    )
    quotient_max = forms.IntegerField(
        label=_("QF jusqu'à (€)"), required=False, min_value=0, max_value=999_999
    )
    amount = forms.CharField(label=_("Montant (€)"), required=False, max_length=20)
    label = forms.CharField(label=_("Libellé"), required=False, max_length=100)

    def clean(self):
        data = super().clean()
        if self.errors or self.is_blank() or data.get("DELETE"):
            return data
        if not data.get("kind"):
            self.add_error("kind", _("Choisissez individuelle ou familiale."))
        try:
            data["amount_cents"] = parse_euros(data.get("amount", ""))
        except ValueError as error:
            self.add_error("amount", str(error))
        except ArithmeticError:  # « inf », « nan »: not an amount
            self.add_error("amount", _("Écrivez un montant en euros, ex. 12,50 (0 pour gratuit)."))
        else:
            if data["amount_cents"] is None:
                self.add_error("amount", _("Le montant manque (0 pour gratuit)."))
            elif not 0 <= data["amount_cents"] <= MONEY_MAX_EUROS * 100:
                self.add_error("amount", range_message(0, MONEY_MAX_EUROS))
        return data

    def is_blank(self) -> bool:
        fields = ("kind", "quotient_min", "quotient_max", "amount", "label")
        return all(self.cleaned_data.get(name) in (None, "") for name in fields)

    def row(self) -> FeeRow | None:
        data = self.cleaned_data
        if self.is_blank() or data.get("DELETE"):
            return None
        return FeeRow(
            kind=data["kind"],
            quotient_min=data["quotient_min"],
            quotient_max=data["quotient_max"],
            amount_cents=data["amount_cents"],
            label=data.get("label", ""),
        )


FeeGridFormSet = forms.formset_factory(FeeRowForm, extra=3, can_delete=True, max_num=60)
