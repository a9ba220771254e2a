"""The demo's activities (`coope demo`, see the activities' declaration in apps.py): the 2018
year of the report, and a living present.

Bulk writes on purpose, as the rest of the demo: a data load, not front-desk work. Runs after
the programmes that hold sessions of their own (the cannery's workshops), so that the year has
its 352 published events and its 3500 usagers whatever those programmes recorded.

The present is relative to the day `coope demo` runs (`builder.today`): the same regular
activities go on in the current season, one weekly slot each, with past weeks' registrations and
attendance and registrations for the coming weeks, so the public agenda and its feeds, « Prochaine
séance », the roll call and this year's brochure show something on any date. It starts after
2018 and creates no person, so it moves no figure of the report.
"""

import datetime
import random

from django.utils import timezone

from coope.activities.models import Activity, Attendance, Registration, RegistrationStatus, Session
from coope.core.demo import data
from coope.lib.indicators import Scope
from coope.lib.periods import Period
from coope.people.indicators import known_people
from coope.people.models import Person
from coope.volunteering.models import VolunteerHours

YEAR_2018 = (
    datetime.datetime(2018, 1, 1, tzinfo=datetime.UTC),
    datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC),
)


def build(builder) -> None:
    """Regular activities in every house, board meetings, attendance and volunteer hours; then
    the same activities in the current season."""
    if builder.full:
        regular, boards = build_activities_2018(
            builder, members=builder.members, groups=builder.groups
        )
        build_present(builder, regular=regular, boards=boards)


def build_activities_2018(builder, *, members, groups) -> tuple[list[Activity], list[Activity]]:
    """2018 activities: 352 public sessions, private board meetings, attendance that brings
    the usagers to 3500, and the 80 board and project volunteers. Returns the regular
    activities and the boards."""
    spec, r, cooperation = builder.spec, builder.random, builder.cooperation
    activities = []
    for house in builder.houses:
        for title, kind, theme, group in data.REGULAR_ACTIVITIES:
            activities.append(
                Activity(
                    cooperation=cooperation,
                    house=house,
                    title=title,
                    kind=kind,
                    theme=theme,
                    project_group=groups[group],
                    capacity=15,
                    regular=True,
                )
            )
    boards = [
        Activity(
            cooperation=cooperation,
            house=house,
            title="Conseil d'administration",
            kind="meeting",
            public=False,
        )
        for house in builder.houses
    ]
    Activity.objects.bulk_create(activities + boards)
    # The events other programmes published in 2018 (the cannery's workshops) count too.
    published_elsewhere = Session.objects.filter(
        cooperation=cooperation,
        public=True,
        starts_at__gte=YEAR_2018[0],
        starts_at__lt=YEAR_2018[1],
    ).count()
    sessions = []
    # Each activity keeps one weekday and one time of day (local time, summer and winter alike),
    # every `weeks` weeks from the second Monday of January.
    count, zone = (
        spec["public_sessions_2018"] - published_elsewhere,
        timezone.get_current_timezone(),
    )
    weeks = max(1, 49 // -(-count // len(activities)))
    for index in range(count):
        turn, slot = divmod(index, len(activities))
        activity = activities[slot]
        day = datetime.date(2018, 1, 8) + datetime.timedelta(weeks=turn * weeks, days=slot % 5)
        start = datetime.datetime.combine(day, datetime.time(14 + slot % 3), tzinfo=zone)
        sessions.append(
            Session(
                cooperation=cooperation,
                activity=activity,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=2),
                house=activity.house,
            )
        )
    for board in boards:
        for month in range(1, 13, 2):
            start = datetime.datetime(2018, month, 20, 18, tzinfo=datetime.UTC)
            sessions.append(
                Session(
                    cooperation=cooperation,
                    activity=board,
                    starts_at=start,
                    ends_at=start + datetime.timedelta(hours=2),
                    house=board.house,
                    public=False,
                )
            )
    Session.objects.bulk_create(sessions)
    public = [s for s in sessions if s.public]

    # Participants: members, then new people until the year has its 3500 usagers.
    already = known_people(Scope(cooperation, Period.year(2018))).count()
    newcomers = [builder.new_person() for _ in range(spec["users_2018"] - already)]
    Person.objects.bulk_create(newcomers)
    attendances, seen = [], set()
    for person in r.sample(members, len(members) // 2) + newcomers:
        for session in r.sample(public, r.choice([1, 1, 2, 3])):
            if (session.pk, person.pk) not in seen:
                seen.add((session.pk, person.pk))
                attendances.append(
                    Attendance(cooperation=cooperation, session=session, person=person)
                )
    Attendance.objects.bulk_create(attendances)

    # Volunteers: 80 in boards and project groups, others in activities.
    adults = [p for p in members if p.birth_date.year <= 2000]
    governance = adults[: spec["governance_volunteers_2018"]]
    activity_volunteers = adults[
        spec["governance_volunteers_2018"] : spec["governance_volunteers_2018"] + 60
    ]
    hours = []
    for index, person in enumerate(governance):
        for month in range(1, 13, 3):
            hours.append(
                VolunteerHours(
                    cooperation=cooperation,
                    person=person,
                    kind="governance",
                    date=datetime.date(2018, month, 20),
                    duration_minutes=120,
                    project_group=list(groups.values())[index % len(groups)],
                )
            )
    for person in activity_volunteers:
        session = r.choice(public)
        hours.append(
            VolunteerHours(
                cooperation=cooperation,
                person=person,
                kind="activity",
                date=session.starts_at.date(),
                duration_minutes=180,
                session=session,
                project_group=session.activity.project_group,
            )
        )
    VolunteerHours.objects.bulk_create(hours)
    return activities, boards


# -- the living present ------------------------------------------------------------------------

# Each regular activity's weekly slot, by its place in data.REGULAR_ACTIVITIES: (weekday of the
# first house, start, duration). The houses take them on other days (one day later each).
WEEKLY_SLOTS = [
    (0, datetime.time(14), datetime.timedelta(hours=2)),  # Atelier textile
    (1, datetime.time(9, 30), datetime.timedelta(hours=2)),  # Atelier numérique
    (2, datetime.time(14), datetime.timedelta(hours=3)),  # Petit bricolage et réparation vélo
    (3, datetime.time(10), datetime.timedelta(hours=3)),  # Cuisine partagée
    (4, datetime.time(18, 30), datetime.timedelta(hours=2)),  # Apéro culture
]
PAST_WEEKS, COMING_WEEKS = 6, 12  # at least, whatever the day
REGISTRATION_WEEKS = 3  # the coming weeks that already have their registrations
FIRST_PRESENT_DAY = datetime.date(2019, 1, 7)  # a Monday after the report's years


def season(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The Monday the current season starts and its last day: September to June, taken wide
    enough to hold at least PAST_WEEKS weeks before `today` and COMING_WEEKS weeks after it
    (in summer, the season runs on)."""
    year = today.year if today.month >= 9 else today.year - 1
    september = datetime.date(year, 9, 1)
    start = min(
        september + datetime.timedelta(days=-september.weekday() % 7),  # its first Monday
        today - datetime.timedelta(days=today.weekday(), weeks=PAST_WEEKS),
    )
    end = max(datetime.date(year + 1, 6, 30), today + datetime.timedelta(weeks=COMING_WEEKS))
    return max(start, FIRST_PRESENT_DAY), end


def _christmas_break(day: datetime.date) -> bool:
    """The houses close from 20 December to 3 January: no weekly session on Christmas Day or
    New Year's Day."""
    return (day.month, day.day) >= (12, 20) or (day.month, day.day) <= (1, 3)


def build_present(builder, *, regular: list[Activity], boards: list[Activity]) -> None:
    """The current season of the regular activities, around `builder.today`."""
    r = random.Random(f"present-{builder.cooperation.slug}")  # the others' data stay as they are
    cooperation, zone = builder.cooperation, timezone.get_current_timezone()
    start, end = season(builder.today)
    now = timezone.now()
    houses = {house.pk: index for index, house in enumerate(builder.houses)}
    people = builder.current_members
    sessions: list[Session] = []
    regulars: dict[int, list] = {}  # activity pk -> the people who come every week
    for index, activity in enumerate(regular):
        weekday, at, duration = WEEKLY_SLOTS[index % len(WEEKLY_SLOTS)]
        weekday = (weekday + houses.get(activity.house_id, 0)) % 5
        day = start + datetime.timedelta(days=weekday)
        while day <= end:
            if _christmas_break(day):
                day += datetime.timedelta(weeks=1)
                continue
            starts_at = datetime.datetime.combine(day, at, tzinfo=zone)
            sessions.append(
                Session(
                    cooperation=cooperation,
                    activity=activity,
                    starts_at=starts_at,
                    ends_at=starts_at + duration,
                    house=activity.house,
                )
            )
            day += datetime.timedelta(weeks=1)
        regulars[activity.pk] = r.sample(people, min(len(people), r.randint(6, 12)))
    for board in boards:  # every month, on the third Thursday: private, staff only
        month = datetime.date(start.year, start.month, 1)
        while month <= end:
            thursday = month + datetime.timedelta(days=(3 - month.weekday()) % 7 + 14)
            starts_at = datetime.datetime.combine(thursday, datetime.time(18), tzinfo=zone)
            sessions.append(
                Session(
                    cooperation=cooperation,
                    activity=board,
                    starts_at=starts_at,
                    ends_at=starts_at + datetime.timedelta(hours=2),
                    house=board.house,
                    public=False,
                )
            )
            month = (month + datetime.timedelta(days=32)).replace(day=1)
    Session.objects.bulk_create(sessions)

    # Past weeks: the regulars registered, most of them came, and a few walk-ins.
    # Coming weeks: the regulars are registered for the next REGISTRATION_WEEKS weeks.
    registrations: list[Registration] = []
    attendances: list[Attendance] = []
    registered_until = now + datetime.timedelta(weeks=REGISTRATION_WEEKS)
    for session in sessions:
        if session.activity_id not in regulars or session.starts_at > registered_until:
            continue
        group = regulars[session.activity_id]
        registrations.extend(
            Registration(
                cooperation=cooperation,
                session=session,
                person=person,
                status=RegistrationStatus.CONFIRMED,
            )
            for person in group
        )
        if session.starts_at >= now:
            continue
        came = [person for person in group if r.random() < 0.8]
        walk_ins = [p for p in r.sample(people, 2) if p not in group][: r.randint(0, 2)]
        attendances.extend(
            Attendance(cooperation=cooperation, session=session, person=person) for person in came
        )
        attendances.extend(
            Attendance(cooperation=cooperation, session=session, person=person, walk_in=True)
            for person in walk_ins
        )
    Registration.objects.bulk_create(registrations)
    Attendance.objects.bulk_create(attendances)
