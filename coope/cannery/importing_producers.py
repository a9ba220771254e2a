"""Importing the cannery's producers: the farms that give or sell produce (docs/imports.md,
« Producteurs de la conserverie »).

One row per producer, found by its name (accents, case and punctuation ignored). The rules are
the framework's (coope/imports/); the writes go through
`coope.cannery.services.create_producer`. The same row again is « déjà présente »; a producer of
Coopé whose row says another commune, contact, phone or organic label is reported, and nothing is
overwritten. The importer is declared in coope/cannery/apps.py (`import_kinds`).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.cannery import services
from coope.cannery.models import Producer
from coope.core.import_rows import differences, parse_yes_no, text_of
from coope.imports import Column, Importer, Problems, take_cell, words_of

ORGANIC = {"bio": "yes", "ab": "yes", "agriculture biologique": "yes", "conventionnel": "no"}


class ProducerImporter(Importer):
    kind = "producers"
    other_names = ("producteurs", "fermes")
    label = gettext_lazy("Producteurs de la conserverie")
    columns = (
        Column(
            "producteur",
            required=True,
            aliases=("ferme", "nom", "nom_de_la_ferme", "fournisseur"),
            help=gettext_lazy("Nom de la ferme, tel qu'il sera écrit sur les pesées."),
            example="Ferme des Chirouzes",
        ),
        Column(
            "commune",
            required=True,
            aliases=("village", "ville", "commune_producteur"),
            help=gettext_lazy("Commune de la ferme (les tournées et la carte la placent)."),
            example="Triors",
        ),
        Column(
            "contact",
            aliases=("personne_contact", "interlocuteur"),
            help=gettext_lazy("Personne à joindre à la ferme ; vide : aucune."),
            example="Jeanne Roux",
        ),
        Column(
            "telephone",
            aliases=("tel", "téléphone", "portable"),
            help=gettext_lazy("Téléphone de la ferme ; vide : aucun."),
            example="04 75 00 00 00",
        ),
        Column(
            "bio",
            aliases=("agriculture_biologique", "ab", "label_bio"),
            help=gettext_lazy("oui : en agriculture biologique ; non ; vide : non."),
            example="oui",
        ),
    )
    field_columns = {"name": "producteur", "commune": "commune", "contact": "contact"}
    count_labels = {"producers": gettext_lazy("producteurs créés")}

    def check_columns(self, keys):
        if not self.can("cannery.record"):
            return [
                _(
                    "Vous n'avez pas le droit d'enregistrer pour la conserverie (rôles Direction, "
                    "Coordination et Bénévole) : demandez à l'une d'elles d'importer ce fichier."
                )
            ]
        return []

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []
        name = text_of(values, "producteur", 200, problems)
        if not name:
            problems.append(("producteur", _("Le nom du producteur manque.")))
        commune = text_of(values, "commune", 100, problems)
        if not commune:
            problems.append(("commune", _("La commune de la ferme manque.")))
        contact = text_of(values, "contact", 200, problems)
        phone = text_of(values, "telephone", 30, problems)
        organic = take_cell(values, "bio", lambda v: parse_yes_no(v, ORGANIC), problems)
        if problems:
            raise Problems(problems)
        same = [
            p
            for p in Producer.objects.filter(cooperation=self.cooperation)
            if words_of(p.name) == words_of(name)
        ]
        if same:
            found = differences(
                _("Le producteur « %(p)s »") % {"p": same[0]},
                [
                    (
                        "commune",
                        _("la commune"),
                        same[0].commune,
                        None if words_of(commune) == words_of(same[0].commune) else commune,
                    ),
                    ("contact", _("le contact"), same[0].contact, contact or None),
                    ("telephone", _("le téléphone"), same[0].phone, phone or None),
                    ("bio", _("« bio »"), same[0].organic, organic),
                ],
            )
            if found:
                raise Problems(found)
            self.already_present()
            return
        services.create_producer(
            actor=self.actor,
            cooperation=self.cooperation,
            name=name,
            commune=commune,
            contact=contact,
            phone=phone,
            organic=bool(organic),
        )
        self.counts["producers"] += 1
