"""Importing past attendance from a spreadsheet (see docs/imports.md, « Présences »).

One row per person present at a session. The rules are the framework's (coope/imports/):
every bad row reported with its row, column and reason, nothing half-written. The writes go
through coope/activities/services.py: `schedule_sessions` for a session that is not in Coopé
yet, `register` for a person who was registered (« sans inscription : non »),
`record_attendance`. The importer is declared in coope/activities/apps.py (`import_kinds`).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.activities import services
from coope.activities.lookups import ActivityRows, activity_columns
from coope.activities.models import Attendance
from coope.imports import (
    Column,
    Importer,
    Problems,
    as_text,
    check_past,
    choices_table,
    parse_choice,
    parse_date,
    parse_time,
    person_columns,
    take_cell,
)

YES_NO = choices_table(
    [],
    {
        "oui": "yes",
        "o": "yes",
        "x": "yes",
        "vrai": "yes",
        "1": "yes",
        "yes": "yes",
        "non": "no",
        "n": "no",
        "faux": "no",
        "0": "no",
        "no": "no",
    },
)


class AttendanceImporter(Importer):
    """One row per person present at a session; the session is found, or created."""

    kind = "attendance"
    other_names = ("presences",)
    label = gettext_lazy("Présences aux activités")
    columns = (
        Column("date", required=True, aliases=("date_de_la_seance", "jour", "date_seance")),
        *activity_columns(required=True),
        Column("heure_fin", aliases=("heure_de_fin", "fin")),
        *person_columns(),
        Column(
            "sans_inscription",
            aliases=("venu_sans_inscription", "venue_sans_inscription", "walk_in", "spontane"),
        ),
    )
    count_labels = {
        "attendances": gettext_lazy("présences enregistrées"),
        "sessions": gettext_lazy("séances créées"),
        "already": gettext_lazy("présences déjà dans Coopé"),
        "doubles": gettext_lazy("lignes en double dans le fichier (comptées une fois)"),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rows = ActivityRows(self)
        self.seen: dict[tuple[int, int], int] = {}  # (session, person) -> first row

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []
        rows = self.rows
        day = take_cell(values, "date", parse_date, problems)
        if day is None and not any(key == "date" for key, _message in problems):
            problems.append(("date", _("La date de la séance manque.")))
        check_past(day, "date", problems)
        start = take_cell(values, "heure", parse_time, problems)
        end = take_cell(values, "heure_fin", parse_time, problems)
        walk_in = take_cell(
            values,
            "sans_inscription",
            lambda v: parse_choice(v, YES_NO, _("oui ou non")),
            problems,
        )
        house = rows.house(values, problems)
        if not as_text(values.get("activite")):
            problems.append(("activite", _("Le titre de l'activité manque.")))
        activity = rows.activity(values, house, problems)
        person = rows.person(values, problems)
        if activity is not None and not rows.may(
            "activities.attendance", rows.association_of(activity, house)
        ):
            problems.append(
                (
                    "activite",
                    _(
                        "Vous ne pouvez pas enregistrer de présences à « %(t)s » : ce n'est pas "
                        "une activité de votre association."
                    )
                    % {"t": activity},
                )
            )
        if problems:
            raise Problems(problems)
        session, created = rows.session(
            activity, day, start, problems, house=house, end=end, create=True
        )
        if problems:
            raise Problems(problems)
        key = (session.pk, person.pk)
        if key in self.seen:
            self.counts["doubles"] += 1
            return
        already = Attendance.objects.filter(session=session, person=person).exists()
        if not already:
            if walk_in == "no":
                services.register(actor=self.actor, session=session, person=person)
            services.record_attendance(actor=self.actor, session=session, person=person)
        # Counted only once every write of the row went through.
        self.seen[key] = number
        self.counts["sessions"] += created
        self.counts["already" if already else "attendances"] += 1
