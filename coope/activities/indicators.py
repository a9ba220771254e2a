"""Key figures of activities: sessions, attendance, headcounts, users, circulation.

A session belongs to a house (where it is held, else its activity's house) and to a programme
(its activity's). Participants are counted by their home house during the period.
"""

import datetime

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coope.activities.models import Activity, Attendance, Headcount, Session
from coope.core.models import House
from coope.lib.indicators import (
    Breakdown,
    Distinct,
    Rows,
    Scope,
    Share,
    Total,
    Unit,
    indicator,
)
from coope.people.history import home_house_during
from coope.people.indicators import known_people
from coope.people.models import Person

ALL = {"association", "house", "programme"}
SESSION_FIELDS = ("activity", "starts_at", "house", "commune")
ATTENDANCE_FIELDS = ("person", "session", "walk_in")
HEADCOUNT_FIELDS = ("session", "age_band", "count")


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def sessions_in(scope: Scope) -> QuerySet[Session]:
    """Sessions that start in the period (local days), as a range the starts_at index serves."""
    period = scope.period
    queryset = Session.objects.filter(
        cooperation=scope.cooperation,
        cancelled=False,
        starts_at__gte=_local_midnight(period.start),
        starts_at__lt=_local_midnight(period.end + datetime.timedelta(days=1)),
    )
    if scope.house is not None:
        queryset = queryset.filter(
            Q(house=scope.house) | Q(house__isnull=True, activity__house=scope.house)
        )
    if scope.association is not None:
        queryset = queryset.filter(
            Q(house__association=scope.association)
            | Q(house__isnull=True, activity__house__association=scope.association)
        )
    if scope.programme is not None:
        queryset = queryset.filter(activity__programme=scope.programme)
    return queryset


def attendances_in(scope: Scope) -> QuerySet[Attendance]:
    return Attendance.objects.filter(session__in=sessions_in(scope))


@indicator(
    "activities.sessions",
    _("Séances"),
    unit=Unit.SESSIONS,
    measure=Rows(),
    dimensions=ALL,
    public_fields=SESSION_FIELDS,
)
def sessions(scope: Scope) -> QuerySet[Session]:
    return sessions_in(scope).select_related("activity", "house")


@indicator(
    "activities.attendances",
    _("Présences nominatives"),
    unit=Unit.ATTENDANCES,
    measure=Rows(),
    dimensions=ALL,
    public_fields=ATTENDANCE_FIELDS,
)
def attendances(scope: Scope) -> QuerySet[Attendance]:
    return attendances_in(scope).select_related("person", "session__activity")


@indicator(
    "activities.named_participants",
    _("Participants nommés (distincts)"),
    unit=Unit.PERSONS,
    measure=Distinct("person"),
    dimensions=ALL,
    public_fields=ATTENDANCE_FIELDS,
)
def named_participants(scope: Scope) -> QuerySet[Attendance]:
    return attendances_in(scope).select_related("person", "session__activity")


@indicator(
    "activities.headcount_participants",
    _("Participants comptés sans nom"),
    unit=Unit.PERSONS,
    measure=Total("count"),
    dimensions=ALL,
    public_fields=HEADCOUNT_FIELDS,
)
def headcount_participants(scope: Scope) -> QuerySet[Headcount]:
    return Headcount.objects.filter(session__in=sessions_in(scope)).select_related(
        "session__activity"
    )


@indicator(
    "activities.events_published",
    _("Évènements publiés dans l'agenda"),
    unit=Unit.EVENTS,
    measure=Rows(),
    dimensions=ALL,
    public_fields=SESSION_FIELDS,
)
def events_published(scope: Scope) -> QuerySet[Session]:
    return sessions(scope).filter(public=True)


@indicator(
    "activities.communes",
    _("Communes où des séances ont eu lieu"),
    unit=Unit.COMMUNES,
    measure=Distinct("commune"),
    dimensions=ALL,
    public_fields=SESSION_FIELDS,
)
def communes(scope: Scope) -> QuerySet[Session]:
    return sessions(scope).exclude(commune="")


def located_attendances(scope: Scope) -> QuerySet[Attendance]:
    """Attendances at a session held in a house, by people with a home house in the period."""
    return (
        attendances_in(scope)
        .filter(session__house__isnull=False)
        .annotate(home_house=home_house_during(scope.period, "person"))
        .filter(home_house__isnull=False)
        .select_related("person", "session__activity")
    )


@indicator(
    "activities.circulation_percent",
    _("Participants venus dans une autre maison que la leur"),
    unit=Unit.PERCENT,
    measure=Share(part=~Q(session__house=F("home_house")), field="person"),
    dimensions=ALL,
    public_fields=ATTENDANCE_FIELDS,
)
def circulation_percent(scope: Scope) -> QuerySet[Attendance]:
    """Among named participants with a home house who attended a session held at a house, the
    share who attended at least once in a house other than their own."""
    return located_attendances(scope)


def _mix_labels(scope: Scope, codes: list[str]) -> dict[str, str]:
    """ "Activité (maison de l'activité) ← maison d'origine" for "activity id/house id"."""
    pairs = [code.split("/") for code in codes]
    activities = {
        str(a.pk): a
        for a in Activity.objects.filter(pk__in={int(a) for a, _h in pairs}).select_related("house")
    }
    houses = {str(h.pk): h.name for h in House.objects.filter(pk__in={int(h) for _a, h in pairs})}
    labels = {}
    for code, (activity_id, house_id) in zip(codes, pairs, strict=True):
        activity = activities[activity_id]
        where = activity.house.name if activity.house else _("toute la coopération")
        labels[code] = f"{activity.title} ({where}) ← {houses[house_id]}"
    return labels


@indicator(
    "activities.house_mix",
    _("Maison d'origine des participants, par activité"),
    unit=Unit.PERSONS,
    measure=Distinct("person"),
    dimensions=ALL,
    breakdown=Breakdown(("session__activity", "home_house"), labels=_mix_labels),
    public_fields=ATTENDANCE_FIELDS,
)
def house_mix(scope: Scope) -> QuerySet[Attendance]:
    """For each activity, the distinct named participants by home house."""
    return (
        attendances_in(scope)
        .annotate(home_house=home_house_during(scope.period, "person"))
        .filter(home_house__isnull=False)
        .select_related("person", "session__activity")
    )


@indicator(
    "people.users",
    _("Usagers (personnes distinctes ayant utilisé un service)"),
    unit=Unit.PERSONS,
    measure=Rows(),
    dimensions={"association", "house"},
)
def users(scope: Scope) -> QuerySet[Person]:
    """Attended a session, visited a front desk, or held a membership in the period."""
    attended = attendances_in(scope).values("person")
    return (
        known_people(scope) | Person.objects.filter(cooperation=scope.cooperation, pk__in=attended)
    ).select_related("home_house")
