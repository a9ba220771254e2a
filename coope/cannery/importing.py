"""Importing the coordinator's weighing spreadsheet: one row per collection (docs/imports.md,
« Collectes de la conserverie »).

The rules are the framework's (coope/imports/): every bad row reported with its
row, column and reason, nothing half-written. Writes go through coope/cannery/services.py. A
producer not yet in Coopé is created when the row gives its commune (so that a typo in a known
farm's name is reported rather than creating a second farm).

The importer is declared in coope/cannery/apps.py (`import_kinds`) and found by discovery.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.cannery import services
from coope.cannery.models import Acquisition, Producer, Quality, Tour
from coope.imports import (
    Column,
    Importer,
    Problems,
    as_text,
    choices_table,
    parse_choice,
    parse_date,
    parse_euros,
    take_cell,
    words_of,
)

ACQUISITIONS = choices_table(
    Acquisition.choices,
    {"donne": "given", "gratuit": "given", "achete": "bought", "paye": "bought"},
)
QUALITIES = choices_table(
    Quality.choices,
    {
        "surplus": "surplus",
        "excedent": "surplus",
        "declasse": "downgraded",
        "declassee": "downgraded",
        "abime": "downgraded",
        "moche": "downgraded",
    },
)
YES_NO = choices_table(
    [],
    {
        "oui": "yes",
        "o": "yes",
        "x": "yes",
        "bio": "yes",
        "1": "yes",
        "non": "no",
        "n": "no",
        "0": "no",
    },
)


def parse_kilos(value) -> int | None:
    """'12,5', '12.5 kg', '800 g' -> grams."""
    text = as_text(value).lower().replace(" ", "").replace(",", ".")
    if not text:
        return None
    unit = Decimal(1)
    if text.endswith("kg"):
        text = text[:-2]
    elif re.fullmatch(r"[\d.]+g", text):
        text, unit = text[:-1], Decimal("0.001")
    try:
        kilos = Decimal(text) * unit
    except InvalidOperation:
        kilos = None
    if kilos is None or kilos <= 0:
        raise ValueError(
            _("« %(v)s » n'est pas un poids : écrivez des kilos, ex. 12,5.") % {"v": as_text(value)}
        )
    return int(kilos * 1000)


class CollectionImporter(Importer):
    kind = "collections"
    other_names = ("collectes",)
    label = gettext_lazy("Collectes de la conserverie (pesées)")
    columns = (
        Column("date", required=True, aliases=("date_collecte", "jour")),
        Column("producteur", required=True, aliases=("ferme", "producteur_ferme", "fournisseur")),
        Column("commune", aliases=("commune_producteur", "village", "lieu")),
        Column("produit", required=True, aliases=("legume", "fruit", "produits")),
        Column("variete", aliases=("variétés",)),
        Column("poids_kg", required=True, aliases=("poids", "kg", "poids_en_kg", "pesee")),
        Column("don_achat", aliases=("don_ou_achat", "acquisition", "origine")),
        Column("prix", aliases=("prix_eur", "montant", "prix_paye")),
        Column("qualite", aliases=("qualité", "etat")),
        Column("tournee", aliases=("tournée",)),
        Column("bio", aliases=("agriculture_biologique",)),
    )
    field_columns = {
        "producer": "producteur",
        "date": "date",
        "produce": "produit",
        "weight_grams": "poids_kg",
        "price_cents": "prix",
        "name": "producteur",
    }
    count_labels = {
        "collections": gettext_lazy("collectes enregistrées"),
        "producers": gettext_lazy("producteurs créés"),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._producers = {
            words_of(p.name): p for p in Producer.objects.filter(cooperation=self.cooperation)
        }
        self._tours = {
            words_of(t.name): t for t in Tour.objects.filter(cooperation=self.cooperation)
        }

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []

        def take(key, parse):
            return take_cell(values, key, parse, problems)

        if not self.can("cannery.record"):
            raise Problems(
                [("", _("Vous ne pouvez pas enregistrer de collectes de la conserverie."))]
            )
        day = take("date", parse_date)
        if day is None and not [k for k, _m in problems if k == "date"]:
            problems.append(("date", _("La date de la collecte manque.")))
        grams = take("poids_kg", parse_kilos)
        if grams is None and not [k for k, _m in problems if k == "poids_kg"]:
            problems.append(("poids_kg", _("Le poids manque.")))
        produce = as_text(values.get("produit"))
        if not produce:
            problems.append(("produit", _("Le produit manque (ex. tomates).")))
        acquisition = (
            take("don_achat", lambda v: parse_choice(v, ACQUISITIONS, _("don ou achat"))) or "given"
        )
        price = take("prix", parse_euros) or 0
        if price and acquisition == "given":
            problems.append(
                (
                    "prix",
                    _(
                        "Un don n'a pas de prix : écrivez « achat » dans don_achat, ou videz le prix."
                    ),
                )
            )
        quality = (
            take("qualite", lambda v: parse_choice(v, QUALITIES, _("surplus ou déclassé")))
            or "surplus"
        )
        organic = take("bio", lambda v: parse_choice(v, YES_NO, _("oui ou non"))) == "yes"
        tour = None
        tour_name = as_text(values.get("tournee"))
        if tour_name:
            tour = self._tours.get(words_of(tour_name))
            if tour is None:
                problems.append(
                    (
                        "tournee",
                        _("Tournée « %(t)s » inconnue : connues : %(k)s.")
                        % {
                            "t": tour_name,
                            "k": ", ".join(t.name for t in self._tours.values()) or _("aucune"),
                        },
                    )
                )
        name, commune = as_text(values.get("producteur")), as_text(values.get("commune"))
        producer = self._producers.get(words_of(name)) if name else None
        if not name:
            problems.append(("producteur", _("Le producteur manque.")))
        elif producer is None and not commune:
            problems.append(
                (
                    "producteur",
                    _(
                        "Producteur « %(p)s » inconnu dans Coopé : vérifiez l'orthographe, ou "
                        "remplissez la colonne commune pour le créer."
                    )
                    % {"p": name},
                )
            )
        if problems:
            raise Problems(problems)
        created = producer is None
        if created:
            producer = services.create_producer(
                actor=self.actor,
                cooperation=self.cooperation,
                name=name,
                commune=commune,
                organic=organic,
            )
        services.record_collection(
            actor=self.actor,
            producer=producer,
            date=day,
            produce=produce,
            variety=as_text(values.get("variete")),
            weight_grams=grams,
            acquisition=acquisition,
            price_cents=price,
            quality=quality,
            tour=tour,
        )
        # Remembered only once every write of the row went through (a refused row is rolled back).
        if created:
            self._producers[words_of(name)] = producer
            self.counts["producers"] += 1
        self.counts["collections"] += 1
