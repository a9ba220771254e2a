"""What a spreadsheet row of an activity speaks of: the activity (by title, and house) and
its session (by date and start time), scheduled when it is missing and the user may.

Used by the attendance import (coope/activities/importing.py) and by the volunteer hours import
(coope/volunteering/importing.py): a look-up of the activities app, not an importer.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from coope.activities import services
from coope.activities.models import Activity, Session
from coope.imports import Column, Importer, as_text, person_of_row, take_cell, words_of
from coope.people.models import Person

# When a row names a session that is not in Coopé, has no time, and the activity has no other
# session to copy its time from, the row is refused; with a start and no end, it lasts this long.
DEFAULT_SESSION_LENGTH = datetime.timedelta(hours=2)


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
        return person_of_row(self.importer, values, problems)

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
        if start is None:
            if usual is None:
                problems.append(
                    (
                        "heure",
                        _(
                            "La séance de « %(t)s » du %(d)s n'est pas dans Coopé : indiquez son "
                            "heure de début (colonne heure) pour qu'elle soit créée."
                        )
                        % {"t": activity, "d": when},
                    )
                )
                return None, False
            start = timezone.localtime(usual.starts_at).time()
        length = DEFAULT_SESSION_LENGTH if usual is None else usual.ends_at - usual.starts_at
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
