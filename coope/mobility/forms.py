"""Forms of the mobility pages: they validate, the services write."""

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coope.core.models import House
from coope.lib.bounds import Bounded
from coope.mobility.models import (
    DocumentKind,
    GroupPurchase,
    Level,
    MaintenanceRule,
    Payment,
    PaymentMethod,
    Remainder,
    RidePurpose,
    Unit,
    UnitKind,
    UnitState,
)
from coope.people.forms import DateInput
from coope.people.models import Person

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


# -- the staff's screens: the fleet, the group purchase, rides, the cycling school ----------------


def day_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label, widget=DateInput(), input_formats=["%Y-%m-%d", "%d/%m/%Y"], **kwargs
    )


def euros_field(label, **kwargs) -> forms.DecimalField:
    """Euros typed the French way (« 1 399,99 »), read exactly, to the cent."""
    return forms.DecimalField(
        label=label, min_value=Decimal(0), decimal_places=2, localize=True, **kwargs
    )


def cents(euros: Decimal) -> int:
    return int(euros * 100)


def people():
    return Person.objects.filter(anonymised_at__isnull=True).order_by("last_name", "first_name")


class UnitForm(Bounded, forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=UnitKind.choices)
    name = forms.CharField(label=_("Nom"), max_length=100)
    house: "forms.ModelChoiceField[House]" = forms.ModelChoiceField(
        label=_("Maison"), queryset=House.objects.none()
    )
    in_service_on = day_field(_("En service depuis le"), initial=timezone.localdate)
    odometer_km = forms.IntegerField(label=_("Compteur (km)"), min_value=0, initial=0)
    battery_cycles = forms.IntegerField(label=_("Cycles de batterie"), min_value=0, initial=0)

    def __init__(self, *args, cooperation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = House.objects.filter(cooperation=cooperation)  # type: ignore[attr-defined,unused-ignore]


class DocumentForm(Bounded, forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    date = day_field(_("Date"))
    reference = forms.CharField(
        label=_("Référence (n° de contrat, de facture)"), max_length=300, required=False
    )


class RuleForm(Bounded, forms.Form):
    label = forms.CharField(label=_("Entretien"), max_length=200, required=False)
    every_km = forms.IntegerField(label=_("Tous les … km"), min_value=1, required=False)
    every_months = forms.IntegerField(
        label=_("Tous les … mois"), min_value=1, max_value=120, required=False
    )
    after_each_loan = forms.BooleanField(label=_("Après chaque prêt"), required=False)


class PurchaseForm(Bounded, forms.Form):
    name = forms.CharField(label=_("Achat groupé"), max_length=200)
    supplier = forms.CharField(label=_("Fournisseur"), max_length=200)
    ordered_on = day_field(_("Commandé le"), initial=timezone.localdate)


class PlanForm(Bounded, forms.Form):
    purchase: "forms.ModelChoiceField[GroupPurchase]" = forms.ModelChoiceField(
        label=_("Achat groupé"), queryset=GroupPurchase.objects.none()
    )
    buyer: "forms.ModelChoiceField[Person]" = forms.ModelChoiceField(
        label=_("Acheteur·se"), queryset=Person.objects.none()
    )
    signed_on = day_field(_("Signé le"), initial=timezone.localdate)
    price_euros = euros_field(_("Prix (€)"))
    deposit_euros = euros_field(_("Acompte (€)"), initial=0)
    instalments = forms.IntegerField(label=_("Nombre de mensualités"), min_value=1, max_value=60)
    first_due_on = day_field(_("Première mensualité le"))
    remainder_on = forms.ChoiceField(
        label=_("Les centimes restants vont sur"), choices=Remainder.choices
    )

    def __init__(self, *args, cooperation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purchase"].queryset = GroupPurchase.objects.filter(cooperation=cooperation)  # type: ignore[attr-defined,unused-ignore]
        self.fields["buyer"].queryset = people()  # type: ignore[attr-defined,unused-ignore]


class PlanPaymentForm(Bounded, forms.Form):
    paid_on = day_field(_("Payé le"), initial=timezone.localdate)
    amount_euros = euros_field(_("Montant (€)"))
    method = forms.ChoiceField(label=_("Moyen"), choices=PaymentMethod.choices)


class InvoiceForm(Bounded, forms.Form):
    invoice_number = forms.CharField(label=_("N° de facture"), max_length=50)
    total_euros = euros_field(_("Total de la facture (€)"))


class RideForm(Bounded, forms.Form):
    purpose = forms.ChoiceField(label=_("Motif"), choices=RidePurpose.choices)
    date = day_field(_("Date"), initial=timezone.localdate)
    house: "forms.ModelChoiceField[House]" = forms.ModelChoiceField(
        label=_("Maison"), queryset=House.objects.none()
    )
    requested_by: "forms.ModelChoiceField[Person]" = forms.ModelChoiceField(
        label=_("Demandé par"), queryset=Person.objects.none()
    )
    passengers: "forms.ModelMultipleChoiceField[Person]" = forms.ModelMultipleChoiceField(
        label=_("Passager·es"), queryset=Person.objects.none(), required=False
    )
    unit: "forms.ModelChoiceField[Unit]" = forms.ModelChoiceField(
        label=_("Rosalie"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("— conducteur·rice bénévole —"),
    )
    driver: "forms.ModelChoiceField[Person]" = forms.ModelChoiceField(
        label=_("Conducteur·rice ou pilote de la rosalie"),
        queryset=Person.objects.none(),
        required=False,
    )
    payment = forms.ChoiceField(
        label=_("Paiement"),
        choices=[(Payment.FREE, Payment.FREE.label), (Payment.HOURS, Payment.HOURS.label)],
        widget=forms.RadioSelect,
        initial=Payment.FREE,
    )
    price_hours = forms.IntegerField(
        label=_("Prix : heures"), min_value=0, max_value=24, initial=0, required=False
    )
    price_minutes = forms.IntegerField(
        label=_("Prix : minutes"), min_value=0, max_value=59, initial=0, required=False
    )
    note = forms.CharField(label=_("Remarque"), max_length=300, required=False)

    def __init__(self, *args, cooperation=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("requested_by", "passengers", "driver"):
            self.fields[name].queryset = people()  # type: ignore[attr-defined,unused-ignore]
        self.fields["house"].queryset = House.objects.filter(cooperation=cooperation)  # type: ignore[attr-defined,unused-ignore]
        self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined,unused-ignore]
            cooperation=cooperation, kind=UnitKind.ROSALIE, retired_on__isnull=True
        )

    def price(self) -> int:
        data = self.cleaned_data
        return (data.get("price_hours") or 0) * 60 + (data.get("price_minutes") or 0)


class RideDoneForm(Bounded, forms.Form):
    """How long the ride took: the driver's volunteer hours."""

    hours = forms.IntegerField(label=_("Heures"), min_value=0, max_value=24, initial=0)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=0, max_value=59, initial=0)

    def total_minutes(self) -> int:
        return self.cleaned_data["hours"] * 60 + self.cleaned_data["minutes"]


class ProgressForm(Bounded, forms.Form):
    learner: "forms.ModelChoiceField[Person]" = forms.ModelChoiceField(
        label=_("Apprenant·e"), queryset=Person.objects.none()
    )
    noted_on = day_field(_("Le"), initial=timezone.localdate)
    level = forms.ChoiceField(label=_("Niveau"), choices=Level.choices)
    note = forms.CharField(label=_("Remarque"), max_length=300, required=False)

    def __init__(self, *args, cycle=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["learner"].queryset = (  # type: ignore[attr-defined,unused-ignore]
            people()
            .filter(
                Q(registrations__session__activity=cycle) | Q(attendances__session__activity=cycle)
            )
            .distinct()
        )
