"""Forms of the mobility pages: they validate, the services write."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from coope.lib.bounds import Bounded
from coope.mobility.models import MaintenanceRule, Unit, UnitState

CHECKLIST = (
    ("freins", _("Freins")),
    ("eclairage", _("Éclairage")),
    ("pneus", _("Pneus gonflés")),
    ("batterie", _("Batterie chargée")),
    ("antivol", _("Antivol et clé")),
)
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def when_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_FORMAT, "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


class BookingForm(Bounded, forms.Form):
    unit: "forms.ModelChoiceField[Unit]" = forms.ModelChoiceField(
        label=_("Véhicule"), queryset=Unit.objects.none()
    )
    starts_at = when_field(_("Début"))
    ends_at = when_field(_("Fin"))

    def __init__(self, *args, cooperation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined,unused-ignore]
            cooperation=cooperation, state=UnitState.AVAILABLE, retired_on__isnull=True
        ).select_related("house")


class ChecklistForm(Bounded, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in CHECKLIST:
            self.fields[f"ok_{code}"] = forms.BooleanField(label=label, required=False)

    def checklist(self) -> dict:
        return {code: self.cleaned_data.get(f"ok_{code}", False) for code, _label in CHECKLIST}


class CheckOutForm(ChecklistForm):
    deposit_euros = forms.DecimalField(
        label=_("Caution reçue (€)"),
        min_value=Decimal(0),
        decimal_places=2,
        initial=0,
        localize=True,
    )

    def deposit_cents(self) -> int:
        return int(self.cleaned_data["deposit_euros"] * 100)


class CheckInForm(ChecklistForm):
    km_in = forms.IntegerField(label=_("Compteur au retour (km)"), min_value=0)
    battery_cycles = forms.IntegerField(label=_("Cycles de batterie"), min_value=0, required=False)
    damage = forms.CharField(
        label=_("Dégâts (vide : aucun)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MaintenanceForm(Bounded, forms.Form):
    rule: "forms.ModelChoiceField[MaintenanceRule]" = forms.ModelChoiceField(
        label=_("Règle d'entretien"),
        queryset=MaintenanceRule.objects.none(),
        required=False,
        empty_label=_("— réparation hors règle —"),
    )
    odometer_km = forms.IntegerField(label=_("Compteur (km)"), min_value=0)
    note = forms.CharField(label=_("Ce qui a été fait"), max_length=500, required=False)
    cost_euros = forms.DecimalField(
        label=_("Coût (€)"), min_value=Decimal(0), decimal_places=2, initial=0, localize=True
    )

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].queryset = MaintenanceRule.objects.filter(unit=unit)  # type: ignore[attr-defined,unused-ignore]
