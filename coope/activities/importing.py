"""Importing past attendance from a spreadsheet (see docs/imports.md, « Présences »).

One row per person present at a session. The rules are the foundation's (coope/people/importing.py):
every bad row reported with its row, column and reason, nothing half-written. The writes go through
coope/activities/services.py: `schedule_sessions` for a session that is not in Coopé yet,
`register` for a person who was registered (« sans inscription : non »), `record_attendance`.

`ActivityRows` finds the person, the activity and the session a row speaks of; the volunteer
hours import (coope/volunteering/importing.py) uses it too.

Registration: this module adds its importer to `coope.people.importing.KINDS` when it is loaded,
then loads coope/volunteering/importing.py, which adds its own; the bottom of
coope/people/importing.py loads this module. Registering from here, rather than listing the
classes in that module, keeps the three modules importable in any order (they import each other).
"""

import datetime
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.activities import services
from coope.activities.models import Activity, Attendance, Session
from coope.lib.spreadsheets import Cell
from coope.lib.text import normalize
from coope.membership.models import Membership
from coope.people.importing import (
    KIND_ALIASES,
    KINDS,
    Column,
    Importer,
    Problems,
    _person_columns,
    as_text,
    choices_table,
    parse_choice,
    parse_date,
    take_cell,
    words_of,
)
from coope.people.models import Person

# When a row names a session that is not in Coopé, has no time, and the activity has no other
# session to copy its time from, the row is refused; with a start and no end, it lasts this long.
DEFAULT_SESSION_LENGTH = datetime.timedelta(hours=2)

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

_TIME = re.compile(r"^(\d{1,2})\s*(?:[h:.]\s*(\d{2})?\s*(?::\d{2})?|h)?$")


def parse_time(value: Cell) -> datetime.time | None:
    """'14:30', '14 h 30', '14h', '14', '14:30:00' or a date-and-time cell -> 14:30."""
    if isinstance(value, datetime.datetime):
        return value.time().replace(second=0, microsecond=0)
    text = as_text(value).lower()
    if not text:
        return None
    match = _TIME.match(text)
    if match and int(match.group(1)) < 24 and int(match.group(2) or 0) < 60:
        return datetime.time(int(match.group(1)), int(match.group(2) or 0))
    raise ValueError(
        _("« %(v)s » n'est pas une heure : écrivez-la 14:30 ou 14 h 30.") % {"v": as_text(value)}
    )


def person_columns() -> tuple[Column, ...]:
    """First and last name, and birth date or card number to tell two namesakes apart."""
    return (
        *_person_columns(required=True),
        Column("carte", aliases=("numero_de_carte", "n_de_carte", "numero_carte", "no_de_carte")),
    )


def activity_columns(*, required: bool) -> tuple[Column, ...]:
    return (
        Column("activite", required=required, aliases=("titre", "atelier", "intitule", "activity")),
        Column("maison", aliases=("maison_de_quartier", "lieu")),
        Column("heure", aliases=("heure_de_debut", "debut", "horaire", "heure_debut")),
    )


class ActivityRows:
    """The person, activity and session of a row. Problems are appended as (column, message)."""

    def __init__(self, importer: Importer):
        self.importer = importer
        self._activities: dict[str, list[Activity]] | None = None
        self._allowed: dict[tuple[str, int | None], bool] = {}

    def may(self, permission: str, association_id: int | None) -> bool:
        if (permission, association_id) not in self._allowed:
            self._allowed[permission, association_id] = self.importer.can(
                permission, association_id
            )
        return self._allowed[permission, association_id]

    # the person

    def person(self, values, problems) -> Person | None:
        first, last = as_text(values.get("prenom")), as_text(values.get("nom"))
        birth = take_cell(values, "date_naissance", parse_date, problems)
        card = as_text(values.get("carte")).upper().replace(" ", "")
        if not first or not last:
            problems.append(
                ("prenom" if not first else "nom", _("Le prénom et le nom sont obligatoires."))
            )
            return None
        if card:
            return self._person_by_card(card, first, last, problems)
        if any(key == "date_naissance" for key, _message in problems):
            return None
        try:
            return self.importer.find_person(first, last, birth)
        except ValueError as error:
            problems.append(("nom", str(error)))
            return None

    def _person_by_card(self, card: str, first: str, last: str, problems) -> Person | None:
        membership = (
            Membership.objects.filter(card_number=card)
            .select_related("person", "household")
            .first()
        )
        if membership is None:
            problems.append(
                (
                    "carte",
                    _(
                        "Carte %(c)s inconnue dans Coopé : vérifiez le numéro, ou videz la colonne "
                        "carte pour retrouver la personne par son nom."
                    )
                    % {"c": card},
                )
            )
            return None
        name = normalize(f"{first} {last}")
        if membership.person_id is not None:
            people = [membership.person] if membership.person.search_name == name else []
        else:
            people = list(
                Person.objects.filter(
                    household_links__household=membership.household_id, search_name=name
                )
            )
        if len(people) != 1:
            problems.append(
                (
                    "carte",
                    _(
                        "La carte %(c)s est celle de %(h)s, pas de « %(n)s » : corrigez l'un des deux."
                    )
                    % {"c": card, "h": membership.holder, "n": f"{first} {last}"},
                )
            )
            return None
        return people[0]

    # the activity

    def activities(self) -> dict[str, list[Activity]]:
        if self._activities is None:
            self._activities = {}
            activities = Activity.objects.filter(cooperation=self.importer.cooperation)
            for activity in activities.select_related("house", "project_group").order_by("pk"):
                self._activities.setdefault(words_of(activity.title), []).append(activity)
        return self._activities

    def house(self, values, problems):
        return take_cell(values, "maison", self.importer.find_house, problems)

    def activity(self, values, house, problems) -> Activity | None:
        """By title; the house tells apart activities of the same title in several houses. An
        activity of the whole cooperation is found whatever the house (its session's place)."""
        title = as_text(values.get("activite"))
        if not title:
            return None
        candidates = self.activities().get(words_of(title), [])
        if not candidates:
            problems.append(
                (
                    "activite",
                    _(
                        "Activité « %(t)s » inconnue dans Coopé : vérifiez son titre, ou créez-la "
                        "d'abord (page Activités)."
                    )
                    % {"t": title},
                )
            )
            return None
        if house is not None:
            found = [a for a in candidates if a.house_id == house.pk] or [
                a for a in candidates if a.house_id is None
            ]
        else:
            found = [a for a in candidates if a.house_id is None] or candidates
        if len(found) == 1:
            return found[0]
        where = ", ".join(
            str(a.house) if a.house_id else _("toute la coopération") for a in candidates
        )
        if not found:
            problems.append(
                (
                    "maison",
                    _(
                        "« %(t)s » n'est pas une activité de %(h)s : elle existe à %(w)s. "
                        "Corrigez la colonne maison."
                    )
                    % {"t": title, "h": house, "w": where},
                )
            )
        else:
            problems.append(
                (
                    "maison",
                    _(
                        "Plusieurs activités s'appellent « %(t)s » (%(w)s) : indiquez la maison "
                        "dans la colonne maison."
                    )
                    % {"t": title, "w": where},
                )
            )
        return None

    def association_of(self, activity: Activity, house) -> int | None:
        """The association whose rights apply: the activity's house, else the session's house."""
        place = activity.house or house
        return place.association_id if place is not None else None

    # the session

    def session(
        self,
        activity: Activity,
        day: datetime.date,
        start: datetime.time | None,
        problems,
        *,
        house=None,
        end: datetime.time | None = None,
        create: bool = False,
    ) -> tuple[Session | None, bool]:
        """The session of `activity` on `day` (at `start` when given); with `create`, a missing
        one is scheduled. Returns (session, created)."""
        on_day = list(
            Session.objects.filter(activity=activity, starts_at__date=day, cancelled=False)
        )
        if start is not None:
            on_day = [s for s in on_day if timezone.localtime(s.starts_at).time() == start]
        if len(on_day) == 1:
            return on_day[0], False
        when = f"{day:%d/%m/%Y}" + (f" {start:%H:%M}" if start else "")
        if on_day:
            times = ", ".join(f"{timezone.localtime(s.starts_at):%H:%M}" for s in on_day)
            problems.append(
                (
                    "heure",
                    _(
                        "« %(t)s » a plusieurs séances le %(d)s (%(h)s) : indiquez l'heure de début "
                        "dans la colonne heure."
                    )
                    % {"t": activity, "d": when, "h": times},
                )
            )
            return None, False
        if not create:
            problems.append(
                (
                    "activite",
                    _(
                        "Aucune séance de « %(t)s » le %(d)s dans Coopé : vérifiez la date et "
                        "l'heure, ou importez d'abord les présences de cette séance."
                    )
                    % {"t": activity, "d": when},
                )
            )
            return None, False
        if not self.may("activities.manage", self.association_of(activity, house)):
            problems.append(
                (
                    "activite",
                    _(
                        "La séance de « %(t)s » du %(d)s n'est pas dans Coopé et vous ne pouvez pas "
                        "créer de séances pour cette activité : demandez à la coordination de la "
                        "créer, puis importez de nouveau."
                    )
                    % {"t": activity, "d": when},
                )
            )
            return None, False
        usual = Session.objects.filter(activity=activity).order_by("-starts_at").first()
        if start is None and usual is None:
            problems.append(
                (
                    "heure",
                    _(
                        "La séance de « %(t)s » du %(d)s n'est pas dans Coopé : indiquez son heure "
                        "de début (colonne heure) pour qu'elle soit créée."
                    )
                    % {"t": activity, "d": when},
                )
            )
            return None, False
        length = DEFAULT_SESSION_LENGTH if usual is None else usual.ends_at - usual.starts_at
        if start is None:
            start = timezone.localtime(usual.starts_at).time()
        starts_at = timezone.make_aware(datetime.datetime.combine(day, start))
        if end is not None:
            length = timezone.make_aware(datetime.datetime.combine(day, end)) - starts_at
            if length <= datetime.timedelta(0):
                problems.append(
                    ("heure_fin", _("L'heure de fin doit être après l'heure de début."))
                )
                return None, False
        [created] = services.schedule_sessions(
            actor=self.importer.actor,
            activity=activity,
            first_start=starts_at,
            duration=length,
            house=house if activity.house_id is None else None,
        )
        return created, True


def check_past(day: datetime.date | None, key: str, problems) -> None:
    if day is not None and day > timezone.localdate():
        problems.append(
            (
                key,
                _("Le %(d)s est dans le futur : on n'importe que le passé.")
                % {"d": f"{day:%d/%m/%Y}"},
            )
        )


class AttendanceImporter(Importer):
    """One row per person present at a session; the session is found, or created."""

    kind = "attendance"
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


KINDS[AttendanceImporter.kind] = AttendanceImporter
KIND_ALIASES["presences"] = AttendanceImporter.kind

import coope.volunteering.importing  # noqa: E402,F401  (registers the volunteer hours import)
