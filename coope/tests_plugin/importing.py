"""The trial programme's import kind: visits, one per row (person and date)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.imports import (
    Column,
    Importer,
    Problems,
    parse_date,
    person_columns,
    person_of_row,
    take_cell,
)
from coope.tests_plugin.services import record_trial_visit


class TrialVisitImporter(Importer):
    kind = "trial_visits"
    other_names = ("passages_essai",)
    label = gettext_lazy("Passages d'essai")
    columns = (*person_columns(), Column("date", required=True, aliases=("jour",)))
    count_labels = {"created": gettext_lazy("passages d'essai enregistrés")}

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []
        person = person_of_row(self, values, problems)
        day = take_cell(values, "date", parse_date, problems)
        if day is None and not any(key == "date" for key, _message in problems):
            problems.append(("date", _("La date manque.")))
        if problems:
            raise Problems(problems)
        record_trial_visit(actor=self.actor, cooperation=self.cooperation, person=person, date=day)
        self.counts["created"] += 1
