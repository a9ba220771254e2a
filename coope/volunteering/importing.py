"""Importing past volunteer hours from a spreadsheet (see docs/imports.md, « Heures de bénévolat »).

One row per person and date: the time given, activity or governance volunteering (kept apart, as
SENACS asks), the programme (project group) and, optionally, the session it was given at. The
rules are the framework's (coope/imports/); the writes go through
`coope.volunteering.services.record_volunteer_hours`.

Re-importing is safe. A row's record is the person's hours of that date, kind, programme and
session (« une ligne par personne et par date »): the same time (and comment) already in Coopé,
or on an earlier row of the file, is « déjà présente » and counted once; another time is
reported, never added to the first nor written over it.

The importer is declared in coope/volunteering/apps.py (`import_kinds`) and found by discovery.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.activities.lookups import ActivityRows, activity_columns
from coope.core.models import ProjectGroup
from coope.imports import (
    Column,
    Importer,
    Problems,
    as_text,
    check_past,
    choices_table,
    explained,
    note_written,
    parse_choice,
    parse_date,
    parse_time,
    person_columns,
    take_cell,
    words_of,
)
from coope.lib.spreadsheets import Cell
from coope.volunteering.models import VolunteerHours, VolunteeringKind
from coope.volunteering.services import record_volunteer_hours

MAX_MINUTES_A_DAY = 24 * 60

VOLUNTEERING_KINDS = choices_table(
    VolunteeringKind.choices,
    {
        "activite": VolunteeringKind.ACTIVITY,
        "d activite": VolunteeringKind.ACTIVITY,
        "animation": VolunteeringKind.ACTIVITY,
        "benevolat d activite": VolunteeringKind.ACTIVITY,
        "gouvernance": VolunteeringKind.GOVERNANCE,
        "de gouvernance": VolunteeringKind.GOVERNANCE,
        "benevolat de gouvernance": VolunteeringKind.GOVERNANCE,
        "ca": VolunteeringKind.GOVERNANCE,
        "conseil d administration": VolunteeringKind.GOVERNANCE,
        "bureau": VolunteeringKind.GOVERNANCE,
        "groupe projet": VolunteeringKind.GOVERNANCE,
        "groupes projets": VolunteeringKind.GOVERNANCE,
    },
)

_HOURS_MINUTES = re.compile(
    r"^(\d{1,2})\s*(?:h|heures?|:)\s*(?:(\d{1,2})\s*(?:min|mn|minutes?)?)?(?::\d{2})?$"
)
_MINUTES = re.compile(r"^(\d{1,4})\s*(?:min|mn|minutes?)$")
_DECIMAL_HOURS = re.compile(r"^(\d{1,2}(?:[.,]\d+)?)\s*(?:h|heures?)?$")


def parse_minutes(value: Cell) -> int | None:
    """'1h30', '1 h 30', '1:30', '1,5', '1.5 h', '90 min', '2' (hours) -> minutes."""
    text = as_text(value).lower()
    if not text:
        return None
    minutes = None
    if match := _HOURS_MINUTES.match(text):
        if int(match.group(2) or 0) < 60:
            minutes = int(match.group(1)) * 60 + int(match.group(2) or 0)
    elif match := _MINUTES.match(text):
        minutes = int(match.group(1))
    elif match := _DECIMAL_HOURS.match(text):
        try:
            minutes = int((Decimal(match.group(1).replace(",", ".")) * 60).to_integral_value())
        except InvalidOperation:
            minutes = None
    if minutes is None:
        raise ValueError(
            _("« %(v)s » n'est pas une durée : écrivez 1h30, 1,5 (heures) ou 90 min.")
            % {"v": as_text(value)}
        )
    if not 0 < minutes <= MAX_MINUTES_A_DAY:
        raise ValueError(
            _("« %(v)s » : une journée de bénévolat dure plus de 0 et au plus 24 heures.")
            % {"v": as_text(value)}
        )
    return minutes


class VolunteerHoursImporter(Importer):
    kind = "volunteer_hours"
    other_names = ("heures_benevolat", "benevolat")
    label = gettext_lazy("Heures de bénévolat")
    depends_on = ("people", "houses", "activities", "sessions")
    permission = "volunteering.record"
    columns = explained(
        (
            *person_columns(),
            Column("date", required=True, aliases=("jour", "date_du_benevolat")),
            Column(
                "heures",
                required=True,
                aliases=("duree", "temps", "nombre_d_heures", "heures_de_benevolat", "nb_heures"),
            ),
            Column("type", required=True, aliases=("type_de_benevolat", "benevolat", "nature")),
            Column("programme", aliases=("groupe_projet", "projet", "programme_groupe_projet")),
            *activity_columns(required=False),
            Column("precision", aliases=("commentaire", "remarque", "detail")),
        ),
        {
            "date": (
                gettext_lazy("Date du bénévolat, JJ/MM/AAAA (le passé seulement)."),
                "20/03/2018",
            ),
            "heures": (
                gettext_lazy(
                    "Durée : 1h30, 1,5 (heures) ou 90 min ; plus de 0 et au plus 24 heures. Une "
                    "ligne par personne et par date."
                ),
                "1h30",
            ),
            "type": (
                gettext_lazy("activité (animation) ou gouvernance (CA, bureau, groupe projet)."),
                "gouvernance",
            ),
            "programme": (
                gettext_lazy("Groupe projet, par son nom ; vide = celui de l'activité."),
                "Alimentation",
            ),
            "activite": (
                gettext_lazy(
                    "Titre de l'activité, pour relier les heures à sa séance de ce jour (qui doit "
                    "être dans Coopé)."
                ),
                "Atelier cuisine",
            ),
            "maison": (
                gettext_lazy(
                    "Maison de l'activité, quand plusieurs maisons ont une activité de ce titre."
                ),
                "Les Tilleuls",
            ),
            "heure": (
                gettext_lazy("Heure de début de la séance, quand il y en a plusieurs ce jour-là."),
                "14:00",
            ),
            "precision": (
                gettext_lazy("Ce qui a été fait, 200 caractères au plus."),
                "montage des stands",
            ),
        },
    )
    field_columns = {
        "duration_minutes": "heures",
        "date": "date",
        "kind": "type",
        "comment": "precision",
    }
    count_labels = {
        "entries": gettext_lazy("heures de bénévolat enregistrées (lignes)"),
        "minutes": gettext_lazy("minutes de bénévolat enregistrées"),
        "doubles": gettext_lazy("lignes en double dans le fichier (comptées une fois)"),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rows = ActivityRows(self)
        self._groups: dict[str, ProjectGroup] | None = None
        # (person, date, kind, programme, session) -> (row, (minutes, comment)) of this file
        self.seen: dict[tuple, tuple[int, tuple[int, str]]] = {}

    def check_columns(self, keys):
        if not self.can("volunteering.record"):
            return [
                _(
                    "Vous n'avez pas le droit d'enregistrer des heures de bénévolat (rôles "
                    "Direction et Coordination) : demandez à l'une d'elles d'importer ce fichier."
                )
            ]
        return []

    def find_group(self, value: Cell) -> ProjectGroup | None:
        text = as_text(value)
        if not text:
            return None
        if self._groups is None:
            self._groups = {}
            for known_group in ProjectGroup.objects.filter(cooperation=self.cooperation):
                self._groups[words_of(known_group.slug)] = known_group
                self._groups[words_of(known_group.name)] = known_group
        group = self._groups.get(words_of(text))
        if group is None:
            known = sorted({g.name for g in self._groups.values()})
            raise ValueError(
                _("Programme « %(v)s » inconnu. Programmes (groupes projets) connus : %(known)s.")
                % {"v": text, "known": ", ".join(known) or _("aucun")}
            )
        return group

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []
        rows = self.rows
        person = rows.person(values, problems)
        day = take_cell(values, "date", parse_date, problems)
        if day is None and not any(key == "date" for key, _message in problems):
            problems.append(("date", _("La date manque.")))
        check_past(day, "date", problems)
        minutes = take_cell(values, "heures", parse_minutes, problems)
        if minutes is None and not as_text(values.get("heures")):
            problems.append(("heures", _("Le nombre d'heures manque.")))
        kind = take_cell(
            values,
            "type",
            lambda v: parse_choice(v, VOLUNTEERING_KINDS, _("activité ou gouvernance")),
            problems,
        )
        if kind is None and not as_text(values.get("type")):
            problems.append(
                (
                    "type",
                    _("Le type manque : activité, ou gouvernance (CA, bureau, groupe projet)."),
                )
            )
        group = take_cell(values, "programme", self.find_group, problems)
        house = rows.house(values, problems)
        start = take_cell(values, "heure", parse_time, problems)
        activity = rows.activity(values, house, problems)
        session = None
        if activity is not None and day is not None:
            session, _created = rows.session(activity, day, start, problems, house=house)
        if problems:
            raise Problems(problems)
        group = group or (activity.project_group if activity is not None else None)
        comment = as_text(values.get("precision"))[:200]
        key = (person.pk, day, kind, getattr(group, "pk", None), getattr(session, "pk", None))
        if key in self.seen:
            earlier_row, earlier = self.seen[key]
            if earlier != (minutes, comment):
                raise Problems(
                    [
                        (
                            "heures",
                            _(
                                "La ligne %(n)s donne déjà les heures de %(p)s ce jour-là, pour ce "
                                "type et ce programme, avec une autre durée ou précision : "
                                "réunissez-les sur une ligne."
                            )
                            % {"n": earlier_row, "p": person},
                        )
                    ]
                )
            self.counts["doubles"] += 1
            self.already_present()
            return
        known = list(
            VolunteerHours.objects.filter(
                person=person, date=day, kind=kind, project_group=group, session=session
            )
        )
        same = [h for h in known if h.duration_minutes == minutes]
        if known:
            pairs = [("precision", (same or known)[0].comment, comment)]
            if not same:
                durations = ", ".join(_duration(h.duration_minutes) for h in known)
                pairs.insert(0, ("heures", durations, _duration(minutes)))
            problems = self.differences(
                _("Le bénévolat de %(p)s du %(d)s") % {"p": person, "d": f"{day:%d/%m/%Y}"},
                pairs,
            )
            if problems:
                raise Problems(problems)
            self.already_present()
        else:
            written = record_volunteer_hours(
                actor=self.actor,
                people=[person],
                date=day,
                duration_minutes=minutes,
                kind=kind,
                project_group=group,
                session=session,
                comment=comment,
            )
            note_written(*written)  # bulk-created: no signal tells the import's audit
        # Counted only once every write of the row went through.
        self.seen[key] = (number, (minutes, comment))
        if not known:
            self.counts["entries"] += 1
            self.counts["minutes"] += minutes


def _duration(minutes: int) -> str:
    """90 -> « 1 h 30 », 120 -> « 2 h »."""
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"
