"""Forms of the activity pages: they validate, the services write."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coope.activities.models import Activity, PriceKind
from coope.core.models import House, ProjectGroup
from coope.lib.bounds import DATE_MAX, Bounded, date_message
from coope.lib.periods import AGE_BANDS
from coope.people.models import Person
from coope.volunteering.models import VolunteeringKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SessionPlanForm(Bounded, forms.Form):
    """When and where: a first session, repeated every week as many times as asked."""

    date = forms.DateField(label=_("Date de la première séance"), widget=DATE)
    start = forms.TimeField(label=_("Heure de début"), widget=TIME)
    end = forms.TimeField(label=_("Heure de fin"), widget=TIME)
    weeks = forms.IntegerField(
        label=_("Nombre de semaines"),
        min_value=1,
        max_value=60,
        initial=1,
        help_text=_(
            "1 : une seule séance ; 10 : la même séance chaque semaine pendant 10 semaines."
        ),
    )
    place_house: forms.ModelChoiceField[House] = forms.ModelChoiceField(
        label=_("Lieu : une maison"),
        queryset=House.objects.none(),
        required=False,
        empty_label=_("— la maison de l'activité —"),
    )
    commune = forms.CharField(
        label=_("ou une commune (la conserverie va dans les villages)"),
        max_length=100,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place_house"].queryset = House.objects.all()

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("L'heure de fin doit être après l'heure de début."))
        if data.get("place_house") and data.get("commune"):
            self.add_error("commune", _("Choisissez une maison ou une commune, pas les deux."))
        if data.get("date") and data.get("weeks"):
            last = data["date"] + datetime.timedelta(weeks=data["weeks"] - 1)
            if last > DATE_MAX:
                self.add_error("weeks", date_message())
        return data

    def first_start(self) -> datetime.datetime:
        data = self.cleaned_data
        return timezone.make_aware(datetime.datetime.combine(data["date"], data["start"]))

    def duration(self) -> datetime.timedelta:
        data = self.cleaned_data
        return datetime.datetime.combine(data["date"], data["end"]) - datetime.datetime.combine(
            data["date"], data["start"]
        )


class ActivityForm(Bounded, forms.ModelForm):
    # Declared here: a scoped manager cannot be queried when the form class is built.
    house: forms.ModelChoiceField[House] = forms.ModelChoiceField(
        label=_("Maison"), queryset=House.objects.none(), required=False
    )
    project_group: forms.ModelChoiceField[ProjectGroup] = forms.ModelChoiceField(
        label=_("Programme (groupe projet)"), queryset=ProjectGroup.objects.none(), required=False
    )
    price_euros = forms.DecimalField(
        label=_("Prix (€)"),
        min_value=Decimal(0),
        max_digits=7,
        decimal_places=2,
        required=False,
        localize=True,
        help_text=_("Seulement pour un tarif en euros, ex. 2,50."),
    )

    class Meta:
        model = Activity
        fields = [
            "title",
            "kind",
            "house",
            "project_group",
            "theme",
            "audience",
            "description",
            "price_kind",
            "price_minutes",
            "capacity",
            "public",
            "regular",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, houses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = houses
        self.fields["house"].empty_label = _("— toute la coopération —")
        self.fields["project_group"].queryset = ProjectGroup.objects.all()
        self.fields["price_minutes"].required = False
        self.fields["price_minutes"].help_text = _(
            "Seulement pour un tarif en monnaie-temps : 60 = une heure."
        )

    def clean(self):
        data = super().clean()
        kind = data.get("price_kind")
        if kind == PriceKind.EUROS and not data.get("price_euros"):
            self.add_error(
                "price_euros", _("Indiquez le prix en euros, ou choisissez « Gratuit ».")
            )
        if kind == PriceKind.TIME and not data.get("price_minutes"):
            self.add_error(
                "price_minutes", _("Indiquez le prix en minutes, ou choisissez « Gratuit ».")
            )
        return data

    def activity_fields(self) -> dict:
        data = dict(self.cleaned_data)
        euros = data.pop("price_euros") or Decimal(0)
        data["price_cents"] = int(euros * 100) if data["price_kind"] == PriceKind.EUROS else 0
        if data["price_kind"] != PriceKind.TIME or not data["price_minutes"]:
            data["price_minutes"] = 0
        return data


class HeadcountForm(Bounded, forms.Form):
    """People counted without names; by age band when known, else in "tous âges"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["all"] = forms.IntegerField(
            label=_("Tous âges (âge non noté)"), min_value=0, required=False
        )
        for band, _low, _high in AGE_BANDS:
            self.fields[f"band_{band}"] = forms.IntegerField(
                label=_("%(band)s ans") % {"band": band}, min_value=0, required=False
            )

    def counts(self) -> dict[str, int]:
        data = self.cleaned_data
        counts = {"": data.get("all") or 0}
        counts.update({band: data.get(f"band_{band}") or 0 for band, _low, _high in AGE_BANDS})
        return counts


class WalkInForm(Bounded, forms.Form):
    """Someone not yet known, added on the spot."""

    first_name = forms.CharField(label=_("Prénom"), max_length=100)
    last_name = forms.CharField(label=_("Nom"), max_length=100)
    home_house: forms.ModelChoiceField[House] = forms.ModelChoiceField(
        label=_("Maison de rattachement"), queryset=House.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_house"].queryset = House.objects.all()


class VolunteerHoursForm(Bounded, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    hours = forms.IntegerField(label=_("Heures"), min_value=0, max_value=24, initial=0)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=0, max_value=59, initial=0)
    kind = forms.ChoiceField(
        label=_("Type de bénévolat"),
        choices=VolunteeringKind.choices,
        widget=forms.RadioSelect,
        initial=VolunteeringKind.ACTIVITY,
    )
    project_group: forms.ModelChoiceField[ProjectGroup] = forms.ModelChoiceField(
        label=_("Programme"), queryset=ProjectGroup.objects.none(), required=False
    )
    comment = forms.CharField(label=_("Précision"), max_length=200, required=False)
    people: forms.ModelMultipleChoiceField[Person] = forms.ModelMultipleChoiceField(
        label=_("Bénévoles"),
        queryset=Person.objects.none(),
        error_messages={"required": _("Cochez au moins un·e bénévole.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project_group"].queryset = ProjectGroup.objects.all()
        self.fields["people"].queryset = Person.objects.filter(anonymised_at__isnull=True)

    def clean(self):
        data = super().clean()
        if "hours" in data and "minutes" in data and not (data["hours"] or data["minutes"]):
            self.add_error("hours", _("Indiquez une durée : au moins une minute."))
        if "hours" in data and "minutes" in data and data["hours"] * 60 + data["minutes"] > 24 * 60:
            self.add_error("hours", _("Une journée compte 24 heures au plus : corrigez la durée."))
        return data

    def duration_minutes(self) -> int:
        return self.cleaned_data["hours"] * 60 + self.cleaned_data["minutes"]
