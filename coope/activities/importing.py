"""Importing past attendance from a spreadsheet (see docs/imports.md, « Présences »).

One row per person present at a session. The rules are the framework's (coope/imports/):
every bad row reported with its row, column and reason, nothing half-written. The writes go
through coope/activities/services.py: `schedule_sessions` for a session that is not in Coopé
yet, `register` for a person who was registered (« sans inscription : non »),
`record_attendance`. The importer is declared in coope/activities/apps.py (`import_kinds`).

Re-importing is safe: an attendance already in Coopé is « déjà présente » (and a row twice in
the file counts once); a row that says otherwise than Coopé (registered or not, the end of a
session already there) is reported and changes nothing.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.activities import services
from coope.activities.lookups import ActivityRows, activity_columns
from coope.activities.models import Attendance, Registration, RegistrationStatus
from coope.imports import (
    YES_NO,
    Column,
    Importer,
    Problems,
    as_text,
    check_past,
    explained,
    parse_choice,
    parse_date,
    parse_time,
    person_columns,
    take_cell,
)


class AttendanceImporter(Importer):
    """One row per person present at a session; the session is found, or created."""

    kind = "attendance"
    other_names = ("presences",)
    label = gettext_lazy("Présences aux activités")
    depends_on = ("people", "houses", "activities", "sessions", "registrations")
    columns = explained(
        (
            Column("date", required=True, aliases=("date_de_la_seance", "jour", "date_seance")),
            *activity_columns(required=True),
            Column("heure_fin", aliases=("heure_de_fin", "fin")),
            *person_columns(),
            Column(
                "sans_inscription",
                aliases=("venu_sans_inscription", "venue_sans_inscription", "walk_in", "spontane"),
            ),
        ),
        {
            "date": (
                gettext_lazy("Date de la séance, JJ/MM/AAAA (le passé seulement)."),
                "05/03/2018",
            ),
            "activite": (
                gettext_lazy("Titre de l'activité, tel qu'il est dans Coopé."),
                "Atelier cuisine",
            ),
            "maison": (
                gettext_lazy(
                    "Maison de l'activité (nom ou nom court), quand plusieurs maisons ont une "
                    "activité de ce titre ; pour une activité de toute la coopération, le lieu de "
                    "la séance."
                ),
                "Les Tilleuls",
            ),
            "heure": (
                gettext_lazy(
                    "Heure de début, 14:30 : dit laquelle des séances du jour, ou l'heure d'une "
                    "séance à créer."
                ),
                "14:00",
            ),
            "heure_fin": (
                gettext_lazy(
                    "Heure de fin, pour une séance à créer (sinon la durée de la dernière séance "
                    "de l'activité, ou 2 h)."
                ),
                "16:00",
            ),
            "sans_inscription": (
                gettext_lazy(
                    "oui : venu·e sans inscription ; non : inscrit·e (l'inscription est "
                    "enregistrée aussi) ; vide : d'après les inscriptions dans Coopé."
                ),
                "non",
            ),
        },
    )
    count_labels = {
        "attendances": gettext_lazy("présences enregistrées"),
        "sessions": gettext_lazy("séances créées"),
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
            self.already_present()
            return
        existing = Attendance.objects.filter(session=session, person=person).first()
        if existing is not None or not created:
            problems = self.compare(session, existing, end, walk_in)
            if problems:
                raise Problems(problems)
        if existing is None:
            if walk_in == "no":
                services.register(actor=self.actor, session=session, person=person)
            services.record_attendance(actor=self.actor, session=session, person=person)
        else:
            self.already_present()
        # Counted only once every write of the row went through.
        self.seen[key] = number
        self.counts["sessions"] += created
        self.counts["attendances"] += existing is None

    def compare(
        self,
        session,
        existing: Attendance | None,
        end: datetime.time | None,
        walk_in: str | None,
    ) -> list[tuple[str, str]]:
        """What the row says otherwise than Coopé: the end of a session already there, whether
        the person came registered."""
        session_record = _("La séance de « %(t)s » du %(d)s") % {
            "t": session.activity,
            "d": f"{timezone.localtime(session.starts_at):%d/%m/%Y %H:%M}",
        }
        problems = self.differences(
            session_record,
            [("heure_fin", f"{timezone.localtime(session.ends_at):%H:%M}", end and f"{end:%H:%M}")],
        )
        if existing is not None and walk_in is not None:
            registered = (
                not existing.walk_in
                or Registration.objects.filter(session=session, person_id=existing.person_id)
                .exclude(status=RegistrationStatus.CANCELLED)
                .exists()
            )
            problems += self.differences(
                _("La présence de %(p)s à cette séance") % {"p": existing.person},
                [
                    (
                        "sans_inscription",
                        _("non") if registered else _("oui"),
                        _("non") if walk_in == "no" else _("oui"),
                    )
                ],
            )
        return problems
