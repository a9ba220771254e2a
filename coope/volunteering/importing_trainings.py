"""Importing the trainings volunteers followed (docs/imports.md, « Formations »).

One row per person and training. The rules are the framework's (coope/imports/); the writes go
through `coope.volunteering.services.record_training`. A row that matches a training of Coopé
(same person, title and date) with the same content is « déjà présente »; with another
programme or project group it is reported, and nothing is overwritten. The importer is declared
in coope/volunteering/apps.py (`import_kinds`).
"""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.core.import_rows import (
    ProjectGroups,
    check_day,
    described_person_columns,
    differences,
    find_programme,
)
from coope.imports import (
    Column,
    Importer,
    Problems,
    as_text,
    parse_date,
    person_of_row,
    take_cell,
    words_of,
)
from coope.volunteering.models import Training
from coope.volunteering.services import record_training


class TrainingImporter(Importer):
    kind = "trainings"
    other_names = ("formations",)
    label = gettext_lazy("Formations suivies")
    depends_on = ("people",)
    columns = (
        *described_person_columns(),
        Column(
            "formation",
            required=True,
            aliases=("titre", "intitule", "titre_de_la_formation"),
            help=gettext_lazy("Intitulé de la formation (200 caractères au plus)."),
            example="Formation à l'animation",
        ),
        Column(
            "date",
            required=True,
            aliases=("date_de_la_formation", "jour", "le"),
            help=gettext_lazy("Date de la formation, JJ/MM/AAAA, passée."),
            example="15/03/2018",
        ),
        Column(
            "programme",
            aliases=("code_programme",),
            help=gettext_lazy(
                "Programme qui a formé la personne, par son code ou son nom (ses chiffres la "
                "comptent) ; vide : aucun."
            ),
            example="cannery",
        ),
        Column(
            "groupe_projet",
            aliases=("groupe",),
            help=gettext_lazy("Groupe projet qui a organisé la formation (nom) ; vide : aucun."),
            example="Alimentation",
        ),
    )
    field_columns = {"title": "formation", "date": "date", "programme": "programme"}
    count_labels = {"trainings": gettext_lazy("formations enregistrées")}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.find_group = ProjectGroups(self.cooperation)

    def check_columns(self, keys):
        if not self.can("volunteering.record"):
            return [
                _(
                    "Vous n'avez pas le droit d'enregistrer des formations (rôles Direction et "
                    "Coordination) : demandez à l'une d'elles d'importer ce fichier."
                )
            ]
        return []

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []
        person = person_of_row(self, values, problems)
        title = " ".join(as_text(values.get("formation")).split())
        if not title:
            problems.append(("formation", _("L'intitulé de la formation manque.")))
        day: datetime.date | None = take_cell(values, "date", parse_date, problems)
        if day is None and not any(key == "date" for key, _m in problems):
            problems.append(("date", _("La date de la formation manque.")))
        check_day(day, "date", problems)
        programme = take_cell(values, "programme", find_programme, problems)
        group = take_cell(values, "groupe_projet", self.find_group, problems)
        if problems:
            raise Problems(problems)
        same = [
            training
            for training in Training.objects.filter(person=person, date=day)
            if words_of(training.title) == words_of(title)
        ]
        if same:
            found = differences(
                _("La formation « %(t)s » de %(p)s") % {"t": title, "p": person},
                [
                    ("programme", _("le programme"), same[0].programme, programme),
                    ("groupe_projet", _("le groupe projet"), same[0].project_group, group),
                ],
            )
            if found:
                raise Problems(found)
            self.already_present()
            return
        record_training(
            actor=self.actor,
            person=person,
            title=title,
            date=day,
            programme=programme or "",
            project_group=group,
        )
        self.counts["trainings"] += 1
