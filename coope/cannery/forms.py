"""Forms of the cannery's phone screens. Querysets are set per request (they are scoped)."""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coope.activities.models import Session
from coope.cannery.models import Acquisition, Collection, Location, Producer, Quality, Recipe, Tour
from coope.lib.bounds import Bounded


class Precision(TypedDict):
    min_value: Decimal
    max_value: Decimal
    max_digits: int
    decimal_places: int


# A collection, or what a batch takes from it: the van carries a few tonnes at most.
KILOS = Precision(
    min_value=Decimal("0.001"), max_value=Decimal(10_000), max_digits=9, decimal_places=3
)


class Quantity(forms.DecimalField):
    """A decimal typed on a phone: « 12,5 » as well as « 12.5 »."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        return super().to_python(
            value.replace(",", ".").replace(" ", "") if isinstance(value, str) else value
        )

    def widget_attrs(self, widget):
        return {}


def grams(kilos: Decimal | None) -> int:
    return int((kilos or 0) * 1000)


def cents(euros: Decimal | None) -> int:
    return int((euros or 0) * 100)


class CollectionForm(Bounded, forms.Form):
    producer: forms.ModelChoiceField[Producer] = forms.ModelChoiceField(
        Producer.objects.none(), label=_("Producteur")
    )
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    produce = forms.CharField(label=_("Produit"), max_length=100)
    variety = forms.CharField(label=_("Variété"), max_length=100, required=False)
    weight_kilos = Quantity(label=_("Poids (kg)"), **KILOS)
    acquisition = forms.ChoiceField(
        label=_("Don ou achat"),
        choices=Acquisition.choices,
        widget=forms.RadioSelect,
        initial=Acquisition.GIVEN,
    )
    price_euros = Quantity(label=_("Prix payé (€)"), required=False, min_value=0, decimal_places=2)
    quality = forms.ChoiceField(
        label=_("Qualité"),
        choices=Quality.choices,
        widget=forms.RadioSelect,
        initial=Quality.SURPLUS,
    )
    session: forms.ModelChoiceField[Session] = forms.ModelChoiceField(
        Session.objects.none(), label=_("Pendant l'atelier"), required=False
    )
    tour: forms.ModelChoiceField[Tour] = forms.ModelChoiceField(
        Tour.objects.none(), label=_("Tournée"), required=False
    )

    def __init__(self, *args, workshops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["producer"].queryset = Producer.objects.all()
        self.fields["session"].queryset = workshops
        self.fields["tour"].queryset = Tour.objects.all()
        self.fields["date"].initial = timezone.localdate()


class BatchForm(Bounded, forms.Form):
    """A batch with up to INPUT_ROWS collections used and its sterilisation, in one screen."""

    INPUT_ROWS = 3

    session: forms.ModelChoiceField[Session] = forms.ModelChoiceField(
        Session.objects.none(), label=_("Atelier")
    )
    recipe: forms.ModelChoiceField[Recipe] = forms.ModelChoiceField(
        Recipe.objects.none(), label=_("Recette")
    )
    soup_litres = Quantity(label=_("Soupe (litres)"), required=False, min_value=0, decimal_places=2)
    duration_minutes = forms.IntegerField(
        label=_("Stérilisation : durée (minutes)"), min_value=1, required=False
    )
    temperature_celsius = forms.IntegerField(
        label=_("Stérilisation : température (°C)"), min_value=1, required=False
    )
    operator = forms.CharField(
        label=_("Stérilisation : opérateur·rice"), max_length=200, required=False
    )
    closure_checked = forms.BooleanField(label=_("Fermeture des bocaux vérifiée"), required=False)
    ph = Quantity(label=_("pH mesuré (si mesuré)"), required=False, max_digits=3, decimal_places=1)

    def __init__(self, *args, workshops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = workshops
        self.fields["recipe"].queryset = Recipe.objects.all()
        collections = Collection.objects.filter(remaining_grams__gt=0).select_related("producer")
        self.sizes = sorted(
            {
                int(size)
                for sizes in Recipe.objects.values_list("jar_sizes_ml", flat=True)
                for size in sizes
            }
        )
        for size in self.sizes:
            self.fields[f"jars_{size}"] = forms.IntegerField(
                label=_("Bocaux de %(s)s ml") % {"s": size}, min_value=0, required=False
            )
        for row in range(1, self.INPUT_ROWS + 1):
            self.fields[f"collection_{row}"] = forms.ModelChoiceField(
                collections, label=_("Collecte utilisée n° %(n)s") % {"n": row}, required=row == 1
            )
            self.fields[f"kilos_{row}"] = Quantity(
                label=_("Poids utilisé n° %(n)s (kg)") % {"n": row}, required=row == 1, **KILOS
            )
        self.order_fields(
            [
                "session",
                "recipe",
                *[
                    f
                    for row in range(1, self.INPUT_ROWS + 1)
                    for f in (f"collection_{row}", f"kilos_{row}")
                ],
                *[f"jars_{size}" for size in self.sizes],
                "soup_litres",
            ]
        )

    def inputs(self):
        data = self.cleaned_data
        return [
            (data[f"collection_{row}"], grams(data[f"kilos_{row}"]))
            for row in range(1, self.INPUT_ROWS + 1)
            if data.get(f"collection_{row}") and data.get(f"kilos_{row}")
        ]

    def jars_by_size(self) -> dict[int, int]:
        return {size: self.cleaned_data.get(f"jars_{size}") or 0 for size in self.sizes}

    def sterilisation(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("duration_minutes") and not data.get("temperature_celsius"):
            return None
        return {
            "duration_minutes": data.get("duration_minutes") or 0,
            "temperature_celsius": data.get("temperature_celsius") or 0,
            "operator": data.get("operator", ""),
            "closure_checked": data.get("closure_checked", False),
            "ph": data.get("ph"),
        }


class SterilisationForm(Bounded, forms.Form):
    duration_minutes = forms.IntegerField(label=_("Durée (minutes)"), min_value=1)
    temperature_celsius = forms.IntegerField(label=_("Température (°C)"), min_value=1)
    operator = forms.CharField(label=_("Opérateur·rice"), max_length=200)
    closure_checked = forms.BooleanField(label=_("Fermeture des bocaux vérifiée"), required=False)
    ph = Quantity(label=_("pH mesuré (si mesuré)"), required=False, max_digits=3, decimal_places=1)


class MovementForm(Bounded, forms.Form):
    """One form for every way jars leave or move; the view reads the fields its action needs."""

    ACTIONS = [
        ("sell_euros", _("Vente en euros")),
        ("sell_time", _("Vente en monnaie-temps")),
        ("give", _("Don sur place")),
        ("return", _("Part du producteur")),
        ("move", _("Déplacement")),
        ("lose", _("Perte, casse")),
    ]

    jars = forms.IntegerField(label=_("Nombre de bocaux"), min_value=1)
    location: forms.ModelChoiceField[Location] = forms.ModelChoiceField(
        Location.objects.none(), label=_("Depuis")
    )
    to_location: forms.ModelChoiceField[Location] = forms.ModelChoiceField(
        Location.objects.none(), label=_("Vers"), required=False
    )
    price_euros = Quantity(label=_("Prix total (€)"), required=False, min_value=0, decimal_places=2)
    buyer = forms.CharField(label=_("Acheteur·se"), max_length=200, required=False)
    session: forms.ModelChoiceField[Session] = forms.ModelChoiceField(
        Session.objects.none(), label=_("Pendant l'atelier"), required=False
    )
    payer = forms.CharField(
        label=_("Qui paie (nom ou n° de carte)"), max_length=200, required=False
    )
    payer_id = forms.IntegerField(
        widget=forms.HiddenInput, required=False
    )  # chosen among namesakes
    minutes = forms.IntegerField(label=_("Prix (minutes de TIC-TAC)"), min_value=1, required=False)
    producer: forms.ModelChoiceField[Producer] = forms.ModelChoiceField(
        Producer.objects.none(), label=_("Producteur"), required=False
    )
    note = forms.CharField(label=_("Précision"), max_length=200, required=False)
    idempotency_key = forms.CharField(
        widget=forms.HiddenInput,
        required=False,
        max_length=100,
        error_messages={
            "max_length": _(
                "La clé d'unicité de la vente est invalide : rechargez la page avant de recommencer."
            )
        },
    )

    FIELDS = {
        "sell_euros": ("jars", "location", "price_euros", "buyer"),
        "sell_time": ("jars", "location", "payer", "payer_id", "minutes", "idempotency_key"),
        "give": ("jars", "location", "session"),
        "return": ("jars", "location", "producer"),
        "move": ("jars", "location", "to_location"),
        "lose": ("jars", "location", "note"),
    }

    def __init__(self, *args, lot, action, workshops, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in self.FIELDS[action]:
                del self.fields[name]
        for name in {"price_euros", "payer", "minutes", "producer", "to_location"} & set(
            self.fields
        ):
            self.fields[name].required = True
        holding = Location.objects.filter(stock_levels__lot=lot, stock_levels__jars__gt=0)
        self.fields["location"].queryset = holding
        if len(holding) == 1:  # the usual case at a workshop: every jar is still in the van
            self.fields["location"].initial = holding[0].pk
        if "session" in self.fields:
            self.fields["session"].queryset = workshops
            self.fields["session"].initial = lot.batch.session_id
        if "to_location" in self.fields:
            self.fields["to_location"].queryset = Location.objects.all()
        if "producer" in self.fields:
            self.fields["producer"].queryset = Producer.objects.filter(
                collections__inputs__batch__lots=lot
            ).distinct()


class RecallForm(Bounded, forms.Form):
    reason = forms.CharField(label=_("Motif du rappel"), widget=forms.Textarea(attrs={"rows": 3}))
