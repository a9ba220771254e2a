"""Importing the coordinator's weighing spreadsheet: one row per collection (docs/imports.md,
« Collectes de la conserverie »).

The rules are the framework's (coope/imports/): every bad row reported with its
row, column and reason, nothing half-written. Writes go through coope/cannery/services.py. A
producer not yet in Coopé is created when the row gives its commune (so that a typo in a known
farm's name is reported rather than creating a second farm).

Re-importing is safe: a collection of the same producer, date, produce, variety and weight is
« déjà présente »; the same producer, date and produce (and variety, when both say one) with
another weight, price, quality or tour is reported, never doubled nor written over. The same
collection twice in one file is reported too: two weighings of a day are added on one row.

The importer is declared in coope/cannery/apps.py (`import_kinds`) and found by discovery.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.cannery import services
from coope.cannery.models import Acquisition, Collection, Producer, Quality, Tour
from coope.imports import (
    YES_NO,
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
from coope.lib.bounds import french_number

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
ORGANIC = {**YES_NO, "bio": "yes"}  # « bio » in the organic column says yes


# What one producer's collection may weigh: the van takes a few tonnes at most.
MAX_COLLECTION_KILOS = 10_000


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
    if kilos is None or not kilos.is_finite() or kilos <= 0:  # « NaN », « inf »: no weight
        raise ValueError(
            _("« %(v)s » n'est pas un poids : écrivez des kilos, ex. 12,5.") % {"v": as_text(value)}
        )
    if kilos > MAX_COLLECTION_KILOS:
        raise ValueError(
            _("%(v)s kg : une collecte pèse au plus %(max)s kg, vérifiez le poids.")
            % {"v": as_text(value), "max": french_number(MAX_COLLECTION_KILOS)}
        )
    return int(kilos * 1000)


class CollectionImporter(Importer):
    kind = "collections"
    other_names = ("collectes",)
    label = gettext_lazy("Collectes de la conserverie (pesées)")
    depends_on = ("producers",)
    permission = "cannery.record"
    columns = (
        Column(
            "date",
            required=True,
            aliases=("date_collecte", "jour"),
            help=gettext_lazy("Date de la collecte, JJ/MM/AAAA."),
            example="12/07/2018",
        ),
        Column(
            "producteur",
            required=True,
            aliases=("ferme", "producteur_ferme", "fournisseur"),
            help=gettext_lazy("Nom de la ferme, tel qu'il est dans Coopé."),
            example="Ferme des Chirouzes",
        ),
        Column(
            "commune",
            aliases=("commune_producteur", "village", "lieu"),
            help=gettext_lazy(
                "Commune de la ferme : obligatoire pour un producteur nouveau, qui est alors créé."
            ),
            example="Triors",
        ),
        Column(
            "produit",
            required=True,
            aliases=("legume", "fruit", "produits"),
            help=gettext_lazy("Ce qui a été collecté."),
            example="abricots",
        ),
        Column(
            "variete",
            aliases=("variétés",),
            help=gettext_lazy("Variété du produit."),
            example="Bergeron",
        ),
        Column(
            "poids_kg",
            required=True,
            aliases=("poids", "kg", "poids_en_kg", "pesee"),
            help=gettext_lazy("Poids en kilos (12,5) ; en grammes avec l'unité (800 g)."),
            example="12,5",
        ),
        Column(
            "don_achat",
            aliases=("don_ou_achat", "acquisition", "origine"),
            help=gettext_lazy("don ou achat ; vide = don."),
            example="achat",
        ),
        Column(
            "prix",
            aliases=("prix_eur", "montant", "prix_paye"),
            help=gettext_lazy("Prix payé en euros, pour un achat seulement."),
            example="10,50",
        ),
        Column(
            "qualite",
            aliases=("qualité", "etat"),
            help=gettext_lazy("surplus ou déclassé (abîmé) ; vide = surplus."),
            example="déclassé",
        ),
        Column(
            "tournee",
            aliases=("tournée",),
            help=gettext_lazy("Nom d'une tournée déjà dans Coopé."),
            example="Été 2018",
        ),
        Column(
            "bio",
            aliases=("agriculture_biologique",),
            help=gettext_lazy("oui ou non : la ferme est en bio (pour un producteur nouveau)."),
            example="oui",
        ),
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
        # (producer, date, produce, variety, grams) -> row of this file that recorded it
        self.rows_of: dict[tuple, int] = {}

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
        organic = take("bio", lambda v: parse_choice(v, ORGANIC, _("oui ou non"))) == "yes"
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
        given = {
            "variety": as_text(values.get("variete")),
            "weight_grams": grams,
            "acquisition": acquisition,
            "price_cents": price,
            "quality": quality,
            "tour": tour,
        }
        key = (words_of(name), day, words_of(produce), words_of(given["variety"]), grams)

        def said(column: str) -> bool:
            return bool(as_text(values.get(column)))

        if key in self.rows_of:
            raise Problems(
                [
                    (
                        "poids_kg",
                        _(
                            "Même collecte que la ligne %(n)s de ce fichier : deux pesées du même "
                            "jour s'additionnent sur une ligne ; sinon, retirez celle-ci."
                        )
                        % {"n": self.rows_of[key]},
                    )
                ]
            )
        if producer is not None:
            problems = self.differences(
                producer,
                [
                    ("commune", producer.commune, commune),
                    ("bio", _yes_no(producer.organic), _yes_no(organic) if said("bio") else ""),
                ],
            )
            present, differ = self.compare(producer, day, produce, given, said)
            if problems or differ:
                raise Problems(problems + differ)
            if present:
                self.already_present()
                self.rows_of[key] = number
                return
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
            actor=self.actor, producer=producer, date=day, produce=produce, **given
        )
        # Remembered only once every write of the row went through (a refused row is rolled back).
        self.rows_of[key] = number
        if created:
            self._producers[words_of(name)] = producer
            self.counts["producers"] += 1
        self.counts["collections"] += 1

    def compare(
        self, producer: Producer, day, produce: str, given: dict, said
    ) -> tuple[bool, list[tuple[str, str]]]:
        """The row's collection against the producer's of that day: (already present, what
        differs from the collection it matches). `said(column)` is False for an empty cell,
        which says nothing."""
        variety = words_of(given["variety"])
        matching = [
            c
            for c in Collection.objects.filter(producer=producer, date=day).select_related("tour")
            if words_of(c.produce) == words_of(produce)
            and (not variety or not c.variety or words_of(c.variety) == variety)
        ]
        if not matching:
            return False, []
        same = [c for c in matching if c.weight_grams == given["weight_grams"]]
        found = (same or matching)[0]
        record = _("La collecte de %(p)s du %(d)s (%(f)s)") % {
            "p": found.produce,
            "d": f"{day:%d/%m/%Y}",
            "f": producer,
        }
        if not same:
            weights = ", ".join(_kilos(c.weight_grams) for c in matching)
            return False, self.differences(
                record, [("poids_kg", weights, _kilos(given["weight_grams"]))]
            )
        problems = self.differences(
            record,
            [
                ("variete", found.variety, given["variety"]),
                (
                    "don_achat",
                    found.get_acquisition_display(),
                    Acquisition(given["acquisition"]).label if said("don_achat") else "",
                ),
                (
                    "prix",
                    _euros(found.price_cents),
                    _euros(given["price_cents"]) if said("prix") else "",
                ),
                (
                    "qualite",
                    found.get_quality_display(),
                    Quality(given["quality"]).label if said("qualite") else "",
                ),
                ("tournee", found.tour, given["tour"]),
            ],
        )
        return not problems, problems


def _kilos(grams: int) -> str:
    """12500 -> « 12,5 kg »."""
    text = str((Decimal(grams) / 1000).quantize(Decimal("0.001"))).rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')} kg"


def _euros(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d} €"


def _yes_no(value: bool) -> str:
    return _("oui") if value else _("non")
