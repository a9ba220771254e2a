"""The staff pages of activities: plan, register, tick, count, volunteer hours; who may do what;
and a number of queries that does not grow with the rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from coope.activities import services
from coope.activities.models import (
    Activity,
    Attendance,
    Headcount,
    Registration,
    RegistrationStatus,
    Session,
)
from coope.core.models import AuditEntry, ProjectGroup
from coope.lib.indicators import compute_figures
from coope.lib.periods import Period
from coope.people.models import Person
from coope.people.services import create_person
from coope.volunteering.models import VolunteerHours

pytestmark = pytest.mark.django_db
START = datetime.datetime(2018, 3, 5, 14, tzinfo=datetime.UTC)


def person(w, name, house=None, coop=None):
    return create_person(
        actor=w.alice,
        cooperation=coop or w.coop,
        first_name=name,
        last_name="Test",
        home_house=house,
    )


@pytest.fixture
def session(world):
    with scope(cooperation=world.coop.pk):
        activity = Activity.objects.create(
            cooperation=world.coop, house=world.house_a, title="Atelier couture", capacity=2
        )
        [first] = services.schedule_sessions(
            actor=world.alice,
            activity=activity,
            first_start=START,
            duration=datetime.timedelta(hours=2),
        )
    return first


def test_a_coordinator_creates_an_activity_with_weekly_sessions(world, client_as):
    client = client_as(world.coordinator)
    with scope(cooperation=world.coop.pk):
        group = ProjectGroup.objects.create(
            cooperation=world.coop, name="Alimentation", slug="alimentation"
        )
    response = client.post(
        reverse("activities:create"),
        {
            "a-title": "Cuisine du monde",
            "a-kind": "workshop",
            "a-house": world.house_a.pk,
            "a-project_group": group.pk,
            "a-price_kind": "euros",
            "a-price_euros": "2,50",
            "a-price_minutes": "",
            "a-capacity": "12",
            "a-public": "on",
            "s-date": "2018-03-06",
            "s-start": "14:00",
            "s-end": "16:30",
            "s-weeks": "4",
            "s-place_house": "",
            "s-commune": "",
        },
    )
    with scope(cooperation=world.coop.pk):
        activity = Activity.objects.get(title="Cuisine du monde")
        assert response.status_code == 302 and response.url == reverse(
            "activities:detail", args=[activity.pk]
        )
        assert (activity.price_cents, activity.price_minutes, activity.capacity) == (250, 0, 12)
        starts = list(activity.sessions.values_list("starts_at", flat=True))
        assert [s.date() for s in starts] == [
            datetime.date(2018, 3, 6) + datetime.timedelta(weeks=i) for i in range(4)
        ]
        assert all(s.house_id == world.house_a.pk for s in activity.sessions.all())
        assert AuditEntry.objects.filter(action="create", object_id=str(activity.pk)).exists()


def test_bad_plans_are_refused_with_a_message_and_create_nothing(world, client_as):
    client = client_as(world.coordinator)
    response = client.post(
        reverse("activities:create"),
        {
            "a-title": "Sortie",
            "a-kind": "outing",
            "a-house": world.house_a.pk,
            "a-price_kind": "euros",
            "a-price_euros": "",
            "s-date": "2018-03-06",
            "s-start": "16:00",
            "s-end": "14:00",
            "s-weeks": "2",
            "s-place_house": world.house_b.pk,
            "s-commune": "Génissieux",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Indiquez le prix en euros" in text
    assert "L&#x27;heure de fin doit être après l&#x27;heure de début." in text
    assert "Choisissez une maison ou une commune, pas les deux." in text
    with scope(cooperation=world.coop.pk):
        assert not Activity.objects.exists() and not Session.objects.exists()


def test_registration_pages_fill_the_places_then_the_waiting_list(world, client_as, session):
    client = client_as(world.alice)
    with scope(cooperation=world.coop.pk):
        ana, ben, cyr = (person(world, n) for n in ("Ana", "Ben", "Cyr"))
    for p in (ana, ben, cyr):
        client.post(reverse("activities:register", args=[session.pk]), {"person": p.pk})
    page = client.get(reverse("activities:session", args=[session.pk])).content.decode()
    assert "<h2>Liste d'attente</h2>" in page and "2 inscrit·es / 2 places" in page
    with scope(cooperation=world.coop.pk):
        first = Registration.objects.get(person=ana)
    response = client.post(reverse("activities:cancel_registration", args=[first.pk]), follow=True)
    assert "Cyr Test quitte la liste d&#x27;attente" in response.content.decode()
    with scope(cooperation=world.coop.pk):
        assert Registration.objects.get(person=cyr).status == RegistrationStatus.CONFIRMED


def test_ticking_on_the_phone_page_counts_a_double_tick_once(world, client_as, session):
    client = client_as(world.volunteer)
    with scope(cooperation=world.coop.pk):
        ana = person(world, "Ana")
        services.register(actor=world.alice, session=session, person=ana)
    url = reverse("activities:tick", args=[session.pk])
    for _ in range(2):
        response = client.post(
            url, {"person": ana.pk, "present": "1", "row": "1"}, HTTP_HX_REQUEST="true"
        )
    html = response.content.decode()
    assert f'id="person-{ana.pk}" class="tick present"' in html and 'aria-pressed="true"' in html
    with scope(cooperation=world.coop.pk):
        assert Attendance.objects.filter(session=session).count() == 1
        assert not Attendance.objects.get(person=ana).walk_in
    client.post(url, {"person": ana.pk, "present": "0", "row": "1"}, HTTP_HX_REQUEST="true")
    with scope(cooperation=world.coop.pk):
        assert not Attendance.objects.filter(session=session).exists()


def test_a_walk_in_is_found_or_created_and_ticked(world, client_as, session):
    client = client_as(world.alice)
    with scope(cooperation=world.coop.pk):
        ben = person(world, "Benoît")
    results = client.get(
        reverse("activities:session_search", args=[session.pk]), {"q": "benoit", "pour": "presence"}
    )
    assert "TEST Benoît" in results.content.decode() and "Présent·e" in results.content.decode()
    client.post(reverse("activities:tick", args=[session.pk]), {"person": ben.pk, "present": "1"})
    response = client.post(
        reverse("activities:walk_in_new", args=[session.pk]),
        {"first_name": "Zoé", "last_name": "Nouvelle", "home_house": world.house_b.pk},
        follow=True,
    )
    assert "Zoé Nouvelle est ajouté·e et noté·e présent·e." in response.content.decode()
    with scope(cooperation=world.coop.pk):
        assert sorted(
            a.person.first_name for a in Attendance.objects.filter(session=session, walk_in=True)
        ) == ["Benoît", "Zoé"]
    bad = client.post(
        reverse("activities:walk_in_new", args=[session.pk]), {"first_name": "", "last_name": ""}
    )
    assert bad.status_code == 400
    with scope(cooperation=world.coop.pk):
        assert Person.objects.count() == 2


def test_headcount_and_named_attendance_add_up_in_the_figures(world, client_as, session):
    client = client_as(world.alice)
    with scope(cooperation=world.coop.pk):
        ana = person(world, "Ana")
    client.post(reverse("activities:tick", args=[session.pk]), {"person": ana.pk, "present": "1"})
    client.post(
        reverse("activities:headcount", args=[session.pk]),
        {"all": "10", "band_0-5": "3", "band_60+": ""},
    )
    client.post(
        reverse("activities:headcount", args=[session.pk]), {"all": "12", "band_0-5": "3"}
    )  # replaces
    bad = client.post(
        reverse("activities:headcount", args=[session.pk]), {"all": "-4"}, follow=True
    )
    assert "chaque nombre doit être entre 0 et" in bad.content.decode()
    with scope(cooperation=world.coop.pk):
        assert dict(Headcount.objects.values_list("age_band", "count")) == {"": 12, "0-5": 3}
        f = compute_figures(
            world.coop,
            Period.year(2018),
            keys=["activities.attendances", "activities.headcount_participants"],
        )
    assert f == {"activities.attendances": 1, "activities.headcount_participants": 15}


def test_a_team_records_its_volunteer_hours_at_once(world, client_as, session):
    client = client_as(world.coordinator)
    with scope(cooperation=world.coop.pk):
        ana, ben = person(world, "Ana"), person(world, "Ben")
        services.record_attendance(actor=world.alice, session=session, person=ana)
    url = reverse("activities:volunteer_hours") + f"?seance={session.pk}"
    page = client.get(url).content.decode()
    # The session's people are proposed, not ticked: a participant is not a volunteer by default.
    assert f'value="{ana.pk}" >' in page and f'value="{ana.pk}" checked' not in page
    data = {
        "date": "2018-03-05",
        "hours": "1",
        "minutes": "30",
        "kind": "activity",
        "people": [ana.pk, ben.pk],
    }
    assert client.post(url, data).status_code == 302
    assert (
        client.post(url, {**data, "hours": "0", "minutes": "0"}).status_code == 200
    )  # nothing written
    with scope(cooperation=world.coop.pk):
        rows = VolunteerHours.objects.filter(session=session)
        assert sorted(rows.values_list("person__first_name", "duration_minutes")) == [
            ("Ana", 90),
            ("Ben", 90),
        ]
        assert compute_figures(world.coop, Period.year(2018), keys=["volunteering.hours"]) == {
            "volunteering.hours": 180  # minutes
        }


def test_who_may_do_what(world, client_as, session):
    with scope(cooperation=world.coop.pk):
        ana = person(world, "Ana")
    with scopes_disabled():
        stranger = person(world, "Étranger", coop=world.other_coop)
    pages = [
        reverse("activities:session", args=[session.pk]),
        reverse("activities:attendance", args=[session.pk]),
        reverse("activities:detail", args=[session.activity_id]),
    ]
    # Another cooperation: not found.
    for url in pages:
        assert client_as(world.charlie).get(url).status_code == 404
    # Reception of another association may look, not tick.
    bob = client_as(world.bob)
    assert bob.get(pages[0]).status_code == 200
    assert (
        bob.post(
            reverse("activities:tick", args=[session.pk]), {"person": ana.pk, "present": "1"}
        ).status_code
        == 403
    )
    # A person of another cooperation cannot be registered.
    alice = client_as(world.alice)
    assert (
        alice.post(
            reverse("activities:register", args=[session.pk]), {"person": stranger.pk}
        ).status_code
        == 404
    )
    # Volunteers tick but do not plan; evaluators see figures, not the lists.
    assert client_as(world.volunteer).get(reverse("activities:create")).status_code == 403
    assert client_as(world.evaluator).get(reverse("activities:list")).status_code == 403
    assert client_as(world.alice).get(reverse("activities:volunteer_hours")).status_code == 403
    with scope(cooperation=world.coop.pk):
        assert not Registration.objects.exists() and not Attendance.objects.exists()


def _grow(world, session, n):
    """n more people registered, present and volunteering; n more sessions of the activity."""
    with scope(cooperation=world.coop.pk):
        services.schedule_sessions(
            actor=world.alice,
            activity=session.activity,
            first_start=START,
            duration=datetime.timedelta(hours=1),
            weeks=n,
        )
        Activity.objects.bulk_create(
            Activity(cooperation=world.coop, house=world.house_a, title=f"Act {i}")
            for i in range(n)
        )
        for i in range(n):
            p = person(world, f"P{i}", house=world.house_b if i % 2 else world.house_a)
            Registration.objects.create(
                cooperation=world.coop,
                session=session,
                person=p,
                status=RegistrationStatus.CONFIRMED,
            )
            Attendance.objects.create(cooperation=world.coop, session=session, person=p)
            VolunteerHours.objects.create(
                cooperation=world.coop,
                person=p,
                date=datetime.date(2018, 3, 5),
                kind="activity",
                duration_minutes=60,
                session=session,
            )


def test_no_page_makes_more_queries_with_more_rows(world, client_as, session):
    client = client_as(world.director)
    pages = [
        reverse("activities:list"),
        reverse("activities:detail", args=[session.activity_id]),
        reverse("activities:session", args=[session.pk]),
        reverse("activities:attendance", args=[session.pk]),
        reverse("activities:volunteer_hours") + f"?seance={session.pk}",
        reverse("activities:session_search", args=[session.pk]) + "?q=test",
        reverse("activities:attendance_sheet", args=[session.pk]),
    ]

    def counts():
        result = {}
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            result[url] = len(queries)
        return result

    _grow(world, session, 2)
    small = counts()
    _grow(world, session, 12)
    assert counts() == small
