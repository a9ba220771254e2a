"""Registrations, attendance and headcounts, and their figures on a hand-computed case."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from coope.activities import services
from coope.activities.models import Activity, Attendance, RegistrationStatus
from coope.core.models import ProjectGroup
from coope.lib.indicators import Scope, compute_figures, registry
from coope.lib.periods import Period
from coope.people.services import create_person
from coope.volunteering.models import Training
from coope.volunteering.services import record_volunteer_hours

pytestmark = pytest.mark.django_db
START = datetime.datetime(2018, 3, 5, 14, tzinfo=datetime.UTC)
Y2018 = Period.year(2018)


def person(w, name, house=None, coop=None):
    return create_person(
        actor=w.alice,
        cooperation=coop or w.coop,
        first_name=name,
        last_name="Test",
        home_house=house,
    )


@pytest.fixture
def workshop(in_scope):
    w = in_scope
    activity = Activity.objects.create(
        cooperation=w.coop, house=w.house_a, title="Atelier couture", capacity=2
    )
    [session] = services.schedule_sessions(
        actor=w.alice, activity=activity, first_start=START, duration=datetime.timedelta(hours=2)
    )
    return session


def test_weekly_sessions_are_a_week_apart(in_scope):
    w = in_scope
    activity = Activity.objects.create(cooperation=w.coop, house=w.house_a, title="Vélo-école")
    sessions = services.schedule_sessions(
        actor=w.alice,
        activity=activity,
        first_start=START,
        duration=datetime.timedelta(hours=1),
        weeks=3,
    )
    assert [s.starts_at for s in sessions] == [
        START,
        START + datetime.timedelta(weeks=1),
        START + datetime.timedelta(weeks=2),
    ]
    assert all(s.house == w.house_a for s in sessions)


def test_capacity_then_waiting_list_that_moves_up(in_scope, workshop):
    w = in_scope
    ana, ben, cleo, dan = (person(w, n) for n in ("Ana", "Ben", "Cléo", "Dan"))
    first = services.register(actor=w.alice, session=workshop, person=ana)
    services.register(actor=w.alice, session=workshop, person=ben)
    third = services.register(actor=w.alice, session=workshop, person=cleo)
    fourth = services.register(actor=w.alice, session=workshop, person=dan)
    assert (first.status, third.status, fourth.status) == ("confirmed", "waiting", "waiting")
    assert (
        services.register(actor=w.alice, session=workshop, person=ana).pk == first.pk
    )  # twice: no change
    promoted = services.cancel_registration(actor=w.alice, registration=first)
    assert promoted.person == cleo
    third.refresh_from_db()
    fourth.refresh_from_db()
    assert (third.status, fourth.status) == (
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITING,
    )


def test_a_person_of_another_cooperation_cannot_register(world, workshop):
    with scope(cooperation=world.other_coop.pk):
        outsider = person(world, "Hors", coop=world.other_coop)
    with pytest.raises(ValidationError, match="autre coopération"):
        services.register(actor=world.alice, session=workshop, person=outsider)


def test_a_double_tick_is_counted_once_and_walk_ins_are_flagged(in_scope, workshop):
    w = in_scope
    ana, ben = person(w, "Ana"), person(w, "Ben")
    services.register(actor=w.alice, session=workshop, person=ana)
    for _ in range(2):
        services.record_attendance(actor=w.alice, session=workshop, person=ana)
    walk_in = services.record_attendance(actor=w.alice, session=workshop, person=ben)
    assert Attendance.objects.filter(session=workshop).count() == 2
    assert walk_in.walk_in and not Attendance.objects.get(person=ana).walk_in
    services.record_attendance(actor=w.alice, session=workshop, person=ben, present=False)
    assert Attendance.objects.filter(session=workshop).count() == 1


def test_figures_on_a_hand_computed_case(in_scope, workshop):
    """House A workshop (2 named: Ana from A, Ben from B; 25 counted on a market square in
    Génissieux), a house B session attended by Ana; a private meeting; a cancelled session."""
    w = in_scope
    ana, ben = person(w, "Ana", w.house_a), person(w, "Ben", w.house_b)
    for p in (ana, ben):
        services.record_attendance(actor=w.alice, session=workshop, person=p)
    market = Activity.objects.create(cooperation=w.coop, title="Conserverie sur le marché")
    [square] = services.schedule_sessions(
        actor=w.alice,
        activity=market,
        first_start=START,
        duration=datetime.timedelta(hours=3),
        commune="Génissieux",
    )
    services.record_headcount(actor=w.alice, session=square, counts={"0-5": 5, "26-59": 20})
    services.record_attendance(actor=w.alice, session=square, person=ana)  # named there too
    other = Activity.objects.create(
        cooperation=w.coop, house=w.house_b, title="Réunion CA", public=False
    )
    [board, cancelled] = services.schedule_sessions(
        actor=w.alice,
        activity=other,
        first_start=START,
        duration=datetime.timedelta(hours=1),
        weeks=2,
    )
    cancelled.cancelled = True
    cancelled.save()
    services.record_attendance(actor=w.alice, session=board, person=ana)

    group = ProjectGroup.objects.create(
        cooperation=w.coop, name="Alimentation", slug="alimentation"
    )
    record_volunteer_hours(
        actor=w.alice,
        people=[ana, ben],
        date=datetime.date(2018, 3, 5),
        duration_minutes=90,
        kind="activity",
        project_group=group,
        session=workshop,
    )
    record_volunteer_hours(
        actor=w.alice,
        people=[ana],
        date=datetime.date(2018, 4, 1),
        duration_minutes=120,
        kind="governance",
    )
    Training.objects.create(
        cooperation=w.coop, person=ben, title="Animation", date=datetime.date(2018, 2, 1)
    )

    f = compute_figures(w.coop, Y2018)
    assert f["activities.sessions"] == 3
    assert f["activities.attendances"] == 4
    assert f["activities.named_participants"] == 2
    assert f["activities.headcount_participants"] == 25
    assert f["activities.events_published"] == 2  # the board meeting is private
    assert f["activities.communes"] == 1
    # Ana (home A) came to house B; Ben (home B) came to house A: both circulate.
    assert f["activities.circulation_percent"] == 100.0
    assert f["people.users"] == 2
    assert f["volunteering.hours"] == 300  # minutes: 1 h 30 + 1 h 30 + 2 h
    assert (f["volunteering.activity_volunteers"], f["volunteering.governance_volunteers"]) == (
        2,
        1,
    )
    assert f["volunteering.volunteers_trained"] == 1
    assert f["volunteering.value_cents"] == 5 * w.coop.volunteer_hour_value_cents
    assert compute_figures(w.coop, Y2018, house=w.house_b)["activities.sessions"] == 1


def test_circulation_counts_only_people_who_left_their_house(in_scope, workshop):
    w = in_scope
    at_home = [person(w, f"A{i}", w.house_a) for i in range(3)]
    visitor = person(w, "B", w.house_b)
    for p in [*at_home, visitor]:
        services.record_attendance(actor=w.alice, session=workshop, person=p)
    assert compute_figures(w.coop, Y2018, keys=["activities.circulation_percent"]) == {
        "activities.circulation_percent": 25.0
    }
    # The same workshop, seen per activity: three from its own house, one from house B.
    mix = compute_figures(w.coop, Y2018, keys=["activities.house_mix"])["activities.house_mix"]
    activity = workshop.activity.pk
    assert mix == {f"{activity}/{w.house_a.pk}": 3, f"{activity}/{w.house_b.pk}": 1}
    # Keyed by stable codes, labelled at display.
    labels = registry()["activities.house_mix"].labels(Scope(w.coop, Y2018), mix)
    title = f"{workshop.activity.title} ({w.house_a.name})"
    assert sorted(labels.values()) == [f"{title} ← {w.house_a.name}", f"{title} ← {w.house_b.name}"]


def test_volunteer_hours_refuse_bad_input_and_write_nothing(in_scope):
    w = in_scope
    ana = person(w, "Ana")
    with pytest.raises(ValidationError, match="au moins une minute"):
        record_volunteer_hours(
            actor=w.alice,
            people=[ana],
            date=datetime.date(2018, 1, 1),
            duration_minutes=0,
            kind="activity",
        )
    with pytest.raises(ValidationError, match="au moins un"):
        record_volunteer_hours(
            actor=w.alice,
            people=[],
            date=datetime.date(2018, 1, 1),
            duration_minutes=60,
            kind="activity",
        )
    assert compute_figures(w.coop, Y2018, keys=["volunteering.hours"]) == {"volunteering.hours": 0}
