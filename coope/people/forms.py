from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coope.core.models import House
from coope.lib.bounds import Bounded
from coope.people.models import Household, Link, Person, QuotientSource, ReceptionVisit


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def not_in_the_future(day):
    if day and day > timezone.localdate():
        raise forms.ValidationError(
            _("Cette date est dans le futur : indiquez le jour où c'est arrivé.")
        )
    return day


class PersonForm(Bounded, forms.ModelForm):
    # Querysets of tenant models are set per request: a class-level one would query unscoped.
    home_house: forms.ModelChoiceField[House] = forms.ModelChoiceField(
        label=_("maison de rattachement"), queryset=House.objects.none(), required=False
    )
    home_house_since = forms.DateField(
        label=_("Rattaché·e à cette maison depuis le"),
        help_text=_("Si la maison de rattachement change (vide : aujourd'hui)."),
        widget=DateInput(),
        required=False,
        validators=[not_in_the_future],
    )
    confirm_not_duplicate = forms.BooleanField(
        label=_("Je confirme que c'est une autre personne"), required=False
    )

    class Meta:
        model = Person
        fields = [
            "first_name",
            "last_name",
            "birth_date",
            "sex",
            "phone",
            "email",
            "address",
            "postcode",
            "city",
            "neighbourhood",
            "home_house",
            "occupation",
            "notes",
        ]
        widgets = {"birth_date": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}

    field_order = [*Meta.fields[: Meta.fields.index("home_house") + 1], "home_house_since"]

    def clean_birth_date(self):
        birth_date = self.cleaned_data.get("birth_date")
        if birth_date and birth_date > timezone.localdate():
            raise forms.ValidationError(_("Date de naissance impossible : elle est dans le futur."))
        if birth_date and birth_date.year < 1900:
            raise forms.ValidationError(_("Date de naissance impossible : vérifiez l'année."))
        return birth_date

    def __init__(self, *args, show_sensitive: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        cast(
            "forms.ModelChoiceField[House]", self.fields["home_house"]
        ).queryset = House.objects.all()
        if self.instance.pk is None:
            # A new person has had their home house since always: no date to ask.
            del self.fields["home_house_since"]
        if not show_sensitive:
            del self.fields["notes"]


class HouseholdForm(Bounded, forms.ModelForm):
    class Meta:
        model = Household
        fields = ["name", "address", "postcode", "city"]


class AddMemberForm(Bounded, forms.Form):
    person: forms.ModelChoiceField[Person] = forms.ModelChoiceField(
        queryset=Person.objects.none(), widget=forms.HiddenInput
    )
    link = forms.ChoiceField(label=_("Lien"), choices=Link.choices)
    valid_from = forms.DateField(
        label=_("Dans le foyer depuis le"),
        widget=DateInput(),
        initial=timezone.localdate,
        validators=[not_in_the_future],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(anonymised_at__isnull=True)


class LeaveHouseholdForm(Bounded, forms.Form):
    valid_until = forms.DateField(
        label=_("A quitté le foyer le"),
        widget=DateInput(),
        initial=timezone.localdate,
        validators=[not_in_the_future],
    )


class QuotientForm(Bounded, forms.Form):
    value = forms.IntegerField(label=_("Quotient familial (€)"), min_value=0, max_value=100000)
    valid_from = forms.DateField(
        label=_("Valable à partir du"), widget=DateInput(), initial=timezone.localdate
    )
    source = forms.ChoiceField(label=_("Justificatif"), choices=QuotientSource.choices)


class VisitForm(Bounded, forms.ModelForm):
    house: forms.ModelChoiceField[House] = forms.ModelChoiceField(
        label=_("maison"), queryset=House.objects.none()
    )

    class Meta:
        model = ReceptionVisit
        fields = ["house", "date", "reason", "comment"]
        widgets = {"date": DateInput()}

    def __init__(self, *args, houses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = houses
        self.fields["house"].empty_label = None
