"""The demo's 2018 activities (`coope demo`, see the activities' declaration in apps.py).

Bulk writes on purpose, as the rest of the demo: a data load, not front-desk work. Runs after
the programmes that hold sessions of their own (the cannery's workshops), so that the year has
its 352 published events and its 3500 usagers whatever those programmes recorded.
"""

import datetime

from coope.activities.models import Activity, Attendance, Session
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
    """Regular activities in every house, board meetings, attendance and volunteer hours."""
    if builder.full:
        build_activities_2018(builder, members=builder.members, groups=builder.groups)


def build_activities_2018(builder, *, members, groups) -> None:
    """2018 activities: 352 public sessions, private board meetings, attendance that brings
    the usagers to 3500, and the 80 board and project volunteers."""
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
    first_monday = datetime.datetime(2018, 1, 8, 14, tzinfo=datetime.UTC)
    for index in range(spec["public_sessions_2018"] - published_elsewhere):
        activity = activities[index % len(activities)]
        start = first_monday + datetime.timedelta(
            days=(index * 7) // len(activities) * 7 % 350 + index % 5, hours=index % 3
        )
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
