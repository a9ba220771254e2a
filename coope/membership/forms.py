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
