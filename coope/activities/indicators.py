"""Key figures of activities: sessions, attendance, headcounts, users, circulation."""

import datetime

from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coope.activities.models import Attendance, Headcount, Session
from coope.lib.indicators import indicator
from coope.people.indicators import known_people
from coope.people.models import Person


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def sessions_in(cooperation, period, association=None, house=None):
    """Sessions that start in the period (local days), as a range the starts_at index serves."""
    queryset = Session.objects.filter(
        cooperation=cooperation,
        cancelled=False,
        starts_at__gte=_local_midnight(period.start),
        starts_at__lt=_local_midnight(period.end + datetime.timedelta(days=1)),
    )
    if house is not None:
        queryset = queryset.filter(Q(house=house) | Q(house__isnull=True, activity__house=house))
    if association is not None:
        queryset = queryset.filter(
            Q(house__association=association)
            | Q(house__isnull=True, activity__house__association=association)
        )
    return queryset


def attendances_in(cooperation, period, association=None, house=None):
    return Attendance.objects.filter(
        session__in=sessions_in(cooperation, period, association, house)
    )


def session_records(cooperation, period, *, association=None, house=None):
    return sessions_in(cooperation, period, association, house).select_related("activity", "house")


def attendance_records(cooperation, period, *, association=None, house=None):
    return attendances_in(cooperation, period, association, house).select_related(
        "person", "session__activity"
    )


def participant_records(cooperation, period, *, association=None, house=None):
    return Person.objects.filter(
        pk__in=attendances_in(cooperation, period, association, house).values("person")
    )


def headcount_records(cooperation, period, *, association=None, house=None):
    return Headcount.objects.filter(
        session__in=sessions_in(cooperation, period, association, house)
    ).select_related("session__activity")


def published_records(cooperation, period, *, association=None, house=None):
    return session_records(cooperation, period, association=association, house=house).filter(
        public=True
    )


def commune_records(cooperation, period, *, association=None, house=None):
    return session_records(cooperation, period, association=association, house=house).exclude(
        commune=""
    )


def located_participant_records(cooperation, period, *, association=None, house=None):
    located = attendances_in(cooperation, period, association, house).filter(
        session__house__isnull=False, person__home_house__isnull=False
    )
    return Person.objects.filter(pk__in=located.values("person")).select_related("home_house")


def mix_records(cooperation, period, *, association=None, house=None):
    return attendance_records(cooperation, period, association=association, house=house).filter(
        person__home_house__isnull=False
    )


def user_records(cooperation, period, *, association=None, house=None):
    attended = attendances_in(cooperation, period, association, house).values("person")
    return (
        known_people(cooperation, period, association, house)
        | Person.objects.filter(cooperation=cooperation, pk__in=attended)
    ).select_related("home_house")


@indicator("activities.sessions", _("Séances"), unit="séances", records=session_records)
def sessions(cooperation, period, *, association=None, house=None) -> int:
    return sessions_in(cooperation, period, association, house).count()


@indicator(
    "activities.attendances",
    _("Présences nominatives"),
    unit="présences",
    records=attendance_records,
)
def attendances(cooperation, period, *, association=None, house=None) -> int:
    return attendances_in(cooperation, period, association, house).count()


@indicator(
    "activities.named_participants",
    _("Participants nommés (distincts)"),
    unit="personnes",
    records=participant_records,
)
def named_participants(cooperation, period, *, association=None, house=None) -> int:
    return (
        attendances_in(cooperation, period, association, house).values("person").distinct().count()
    )


@indicator(
    "activities.headcount_participants",
    _("Participants comptés sans nom"),
    unit="personnes",
    records=headcount_records,
)
def headcount_participants(cooperation, period, *, association=None, house=None) -> int:
    total = Headcount.objects.filter(
        session__in=sessions_in(cooperation, period, association, house)
    ).aggregate(n=Sum("count"))["n"]
    return total or 0


@indicator(
    "activities.events_published",
    _("Évènements publiés dans l'agenda"),
    unit="évènements",
    records=published_records,
)
def events_published(cooperation, period, *, association=None, house=None) -> int:
    return sessions_in(cooperation, period, association, house).filter(public=True).count()


@indicator(
    "activities.communes",
    _("Communes où des séances ont eu lieu"),
    unit="communes",
    records=commune_records,
)
def communes(cooperation, period, *, association=None, house=None) -> int:
    return (
        sessions_in(cooperation, period, association, house)
        .exclude(commune="")
        .values("commune")
        .distinct()
        .count()
    )


@indicator(
    "activities.circulation_percent",
    _("Participants venus dans une autre maison que la leur"),
    unit="%",
    records=located_participant_records,
)
def circulation_percent(cooperation, period, *, association=None, house=None) -> float:
    """Among named participants with a home house who attended a session held at a house, the
    share who attended at least once in a house other than their own."""
    located = attendances_in(cooperation, period, association, house).filter(
        session__house__isnull=False, person__home_house__isnull=False
    )
    counts = located.aggregate(
        total=Count("person", distinct=True),
        elsewhere=Count("person", distinct=True, filter=~Q(session__house=F("person__home_house"))),
    )
    total, elsewhere = counts["total"], counts["elsewhere"]
    if not total:
        return 0.0
    return round(100 * elsewhere / total, 1)


@indicator(
    "activities.house_mix",
    _("Maison d'origine des participants, par activité"),
    unit="personnes",
    breakdown=True,
    records=mix_records,
)
def house_mix(cooperation, period, *, association=None, house=None) -> dict[str, int]:
    """For each activity, the distinct named participants by home house:
    {"Activité (maison de l'activité) ← maison d'origine": personnes}."""
    rows = (
        attendances_in(cooperation, period, association, house)
        .filter(person__home_house__isnull=False)
        .values(
            "session__activity__title", "session__activity__house__name", "person__home_house__name"
        )
        .annotate(n=Count("person", distinct=True))
        .order_by(
            "session__activity__title", "session__activity__house__name", "person__home_house__name"
        )
    )
    mix = {}
    for row in rows:
        where = row["session__activity__house__name"] or _("toute la coopération")
        mix[f"{row['session__activity__title']} ({where}) ← {row['person__home_house__name']}"] = (
            row["n"]
        )
    return mix


@indicator(
    "people.users",
    _("Usagers (personnes distinctes ayant utilisé un service)"),
    unit="personnes",
    records=user_records,
)
def users(cooperation, period, *, association=None, house=None) -> int:
    """Attended a session, visited a front desk, or held a membership in the period."""
    attended = attendances_in(cooperation, period, association, house).values("person")
    return (
        known_people(cooperation, period, association, house)
        | Person.objects.filter(cooperation=cooperation, pk__in=attended)
    ).count()
