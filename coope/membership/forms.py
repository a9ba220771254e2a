from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coope.core.models import House
from coope.membership.models import MembershipPeriod, PaymentMethod
from coope.people.forms import DateInput


class TakeMembershipForm(forms.Form):
    house: forms.ModelChoiceField[House] = forms.ModelChoiceField(
        label=_("Maison où l'adhésion est prise"), queryset=House.objects.none(), empty_label=None
    )
    period: forms.ModelChoiceField[MembershipPeriod] = forms.ModelChoiceField(
        label=_("Période"), queryset=MembershipPeriod.objects.none(), empty_label=None
    )
    valid_from = forms.DateField(label=_("Valable à partir du"), widget=DateInput())
    payment_method = forms.ChoiceField(
        label=_("Paiement"),
        choices=PaymentMethod.choices,
        widget=forms.RadioSelect,
        initial=PaymentMethod.CASH,
    )

    def __init__(self, *args, houses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = houses
        # Current and future periods only: a membership is not taken for a past year.
        self.fields["period"].queryset = MembershipPeriod.objects.filter(
            end__gte=timezone.localdate()
        )


class CardCheckForm(forms.Form):
    number = forms.CharField(label=_("Numéro de carte (scanner ou taper)"), max_length=30)


class RenewalFilterForm(forms.Form):
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


class RenewForm(forms.Form):
    """Confirming a renewal: where it is taken and how it is paid; the rest is computed."""

    house: forms.ModelChoiceField[House] = forms.ModelChoiceField(
        label=_("Maison où l'adhésion est prise"), queryset=House.objects.none(), empty_label=None
    )
    payment_method = forms.ChoiceField(
        label=_("Paiement"),
        choices=PaymentMethod.choices,
        widget=forms.RadioSelect,
        initial=PaymentMethod.CASH,
    )

    def __init__(self, *args, houses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = houses
