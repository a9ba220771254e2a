"""A small hand-computed year and a report over it.

2018: Ana (home A, individual member, 10 €) and Ben (home B, not a member) attend a house A
workshop in March; Ana attends a house B session in June; Chloé (home B, member) only visits
house B's front desk. 2017: one house A session attended by Ana. Volunteer hours: Ana 90 min
(activity), Ben 120 min (governance).
Figures of 2018: 2 sessions, 3 attendances, 2 named participants, 3 users, 2 members,
3.5 volunteer hours; of 2017: 1 session, 1 attendance.
"""

import datetime

import pytest

from coope.activities import services as activities
from coope.activities.models import Activity
from coope.membership.services import take_membership
from coope.people.services import create_person, record_visit
from coope.reports import services
from coope.volunteering.services import record_volunteer_hours

MARCH = datetime.datetime(2018, 3, 5, 14, tzinfo=datetime.UTC)


def add_participants(w, session, count: int, prefix: str = "P"):
    """`count` more people (home house A) attending `session`."""
    for index in range(count):
        person = create_person(
            actor=w.alice,
            cooperation=w.coop,
            first_name=f"{prefix}{index}",
            last_name="Extra",
            home_house=w.house_a,
        )
        activities.record_attendance(actor=w.alice, session=session, person=person)


@pytest.fixture
def year(in_scope):
    w = in_scope

    def person(first, house, year=1980):
        return create_person(
            actor=w.alice,
            cooperation=w.coop,
            first_name=first,
            last_name="Martin",
            birth_date=datetime.date(year, 5, 1),
            sex="F",
            home_house=house,
        )

    w.ana, w.ben, w.chloe = (
        person("Ana", w.house_a),
        person("Ben", w.house_b),
        person("Chloé", w.house_b, 1950),
    )
    workshop = Activity.objects.create(cooperation=w.coop, house=w.house_a, title="Atelier couture")
    other = Activity.objects.create(cooperation=w.coop, house=w.house_b, title="Atelier vélo")
    [w.march] = activities.schedule_sessions(
        actor=w.alice, activity=workshop, first_start=MARCH, duration=datetime.timedelta(hours=2)
    )
    [w.june] = activities.schedule_sessions(
        actor=w.alice,
        activity=other,
        first_start=MARCH.replace(month=6),
        duration=datetime.timedelta(hours=2),
    )
    [w.last_year] = activities.schedule_sessions(
        actor=w.alice,
        activity=workshop,
        first_start=MARCH.replace(year=2017),
        duration=datetime.timedelta(hours=2),
    )
    for session, person_ in (
        (w.march, w.ana),
        (w.march, w.ben),
        (w.june, w.ana),
        (w.last_year, w.ana),
    ):
        activities.record_attendance(actor=w.alice, session=session, person=person_)
    take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        person=w.ana,
        payment_method="cash",
        valid_from=datetime.date(2018, 1, 10),
    )
    take_membership(
        actor=w.bob,
        house=w.house_b,
        period=w.period,
        person=w.chloe,
        payment_method="cash",
        valid_from=datetime.date(2018, 2, 1),
    )
    record_visit(
        actor=w.bob,
        house=w.house_b,
        date=datetime.date(2018, 4, 4),
        reason="information",
        person=w.chloe,
    )
    record_volunteer_hours(
        actor=w.alice,
        people=[w.ana],
        date=datetime.date(2018, 3, 5),
        duration_minutes=90,
        kind="activity",
        session=w.march,
    )
    record_volunteer_hours(
        actor=w.alice,
        people=[w.ben],
        date=datetime.date(2018, 5, 1),
        duration_minutes=120,
        kind="governance",
    )
    return w


@pytest.fixture
def report(year):
    """« Rapport d'activités 2018 »: the cooperation (2018), and a « Programme vélo » section of its own
    period (July 2017 – June 2018), with texts."""
    w = year
    r = services.create_report(
        actor=w.director,
        cooperation=w.coop,
        title="Rapport d'activités 2018",
        period_start=datetime.date(2018, 1, 1),
        period_end=datetime.date(2018, 12, 31),
    )
    whole = services.add_section(actor=w.director, report=r, title="La Coopération")
    for key, label, by_house in (
        ("activities.sessions", "séances", False),
        ("activities.named_participants", "participants", True),
        ("people.users", "usagers", False),
        ("membership.members", "adhérents", False),
        ("volunteering.hours", "heures de bénévolat", False),
        ("membership.members_by_house", "", False),
    ):
        services.add_figure(
            actor=w.director, section=whole, indicator_key=key, label=label, by_house=by_house
        )
    services.add_text(
        actor=w.director,
        section=whole,
        kind="how_it_works",
        body="Quatre associations.\n- une carte",
    )
    bikes = services.add_section(
        actor=w.director,
        report=r,
        title="Programme vélo",
        period_start=datetime.date(2017, 7, 1),
        period_end=datetime.date(2018, 6, 30),
    )
    services.add_figure(
        actor=w.director,
        section=bikes,
        indicator_key="activities.attendances",
        label="présences aux ateliers",
    )
    services.add_text(
        actor=w.director, section=bikes, kind="value", body="SOLIDARITÉ : on répare ensemble."
    )
    w.report, w.whole, w.bikes = r, whole, bikes
    return w
