from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coope.core.models import House
from coope.people.models import Household, Link, Person, QuotientSource, ReceptionVisit


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PersonForm(forms.ModelForm):
    # Querysets of tenant models are set per request: a class-level one would query unscoped.
    home_house = forms.ModelChoiceField(
        label=_("maison de rattachement"), queryset=House.objects.none(), required=False
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

    def clean_birth_date(self):
        birth_date = self.cleaned_data.get("birth_date")
        if birth_date and birth_date > timezone.localdate():
            raise forms.ValidationError(_("Date de naissance impossible : elle est dans le futur."))
        if birth_date and birth_date.year < 1900:
            raise forms.ValidationError(_("Date de naissance impossible : vérifiez l'année."))
        return birth_date

    def __init__(self, *args, show_sensitive: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_house"].queryset = House.objects.all()
        if not show_sensitive:
            del self.fields["notes"]


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["name", "address", "postcode", "city"]


class AddMemberForm(forms.Form):
    person = forms.ModelChoiceField(queryset=Person.objects.none(), widget=forms.HiddenInput)
    link = forms.ChoiceField(label=_("Lien"), choices=Link.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(anonymised_at__isnull=True)


class QuotientForm(forms.Form):
    value = forms.IntegerField(label=_("Quotient familial (€)"), min_value=0, max_value=100000)
    valid_from = forms.DateField(
        label=_("Valable à partir du"), widget=DateInput(), initial=timezone.localdate
    )
    source = forms.ChoiceField(label=_("Justificatif"), choices=QuotientSource.choices)


class VisitForm(forms.ModelForm):
    house = forms.ModelChoiceField(label=_("maison"), queryset=House.objects.none())

    class Meta:
        model = ReceptionVisit
        fields = ["house", "date", "reason", "comment"]
        widgets = {"date": DateInput()}

    def __init__(self, *args, houses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = houses
        self.fields["house"].empty_label = None
