"""What a new user saw on the activities' pages on day one (issue 11, point 9): the roll call's
search offered people already ticked and said nothing when a name was tapped; « 1 décembre »."""

import datetime

import pytest
from django.urls import reverse
from django_scopes import scope

from coope.activities import services
from coope.activities.models import Activity, Attendance
from coope.people.services import create_person

pytestmark = pytest.mark.django_db
FIRST_OF_DECEMBER = datetime.datetime(2018, 12, 1, 13, tzinfo=datetime.UTC)  # 14 h in Paris


@pytest.fixture
def session(world):
    with scope(cooperation=world.coop.pk):
        activity = Activity.objects.create(
            cooperation=world.coop, house=world.house_a, title="Atelier couture"
        )
        [first] = services.schedule_sessions(
            actor=world.alice,
            activity=activity,
            first_start=FIRST_OF_DECEMBER,
            duration=datetime.timedelta(hours=2),
        )
    return first


def test_the_walk_in_search_shows_who_is_already_ticked_with_nothing_to_tap(
    world, client_as, session
):
    with scope(cooperation=world.coop.pk):
        ana, ane = (
            create_person(actor=world.alice, cooperation=world.coop, first_name=n, last_name="Roux")
            for n in ("Ana", "Ane")
        )
        services.record_attendance(actor=world.alice, session=session, person=ana)
    html = (
        client_as(world.alice)
        .get(
            reverse("activities:session_search", args=[session.pk]),
            {"q": "roux", "pour": "presence"},
        )
        .content.decode()
    )
    ana_row = html[html.index("ROUX Ana") : html.index("</li>", html.index("ROUX Ana"))]
    ane_row = html[html.index("ROUX Ane") : html.index("</li>", html.index("ROUX Ane"))]
    assert "Déjà noté·e présent·e" in ana_row and "<button" not in ana_row
    assert "Déjà noté·e présent·e" not in ane_row and "Présent·e</button>" in ane_row


def test_tapping_a_name_found_by_the_search_says_it_is_ticked(world, client_as, session):
    with scope(cooperation=world.coop.pk):
        ben = create_person(
            actor=world.alice, cooperation=world.coop, first_name="Benoît", last_name="Roux"
        )
    client = client_as(world.alice)
    response = client.post(
        reverse("activities:tick", args=[session.pk]),
        {"person": ben.pk, "present": "1"},
        follow=True,
    )
    assert "Benoît Roux est noté·e présent·e." in response.content.decode()
    with scope(cooperation=world.coop.pk):
        assert Attendance.objects.filter(session=session, person=ben).count() == 1


def test_the_first_of_the_month_is_written_1er(world, client_as, session):
    client = client_as(world.alice)
    for url in (
        reverse("activities:session", args=[session.pk]),
        reverse("activities:attendance", args=[session.pk]),
        reverse("activities:detail", args=[session.activity_id]),
    ):
        html = client.get(url).content.decode()
        assert "1er décembre" in html and " 1 décembre" not in html, url
