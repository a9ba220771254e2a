"""The public agenda and its iCalendar feeds hold exactly the public sessions."""

import datetime

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from coope.activities.models import Activity
from coope.activities.services import schedule_sessions

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(world):
    soon = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    hour = datetime.timedelta(hours=1)
    made = {}
    with scope(cooperation=world.coop.pk):
        sewing = Activity.objects.create(
            cooperation=world.coop, house=world.house_a, title="Atelier couture", theme="Couture"
        )
        bikes = Activity.objects.create(
            cooperation=world.coop, house=world.house_b, title="Réparation vélo", theme="Vélo"
        )
        board = Activity.objects.create(
            cooperation=world.coop, house=world.house_a, title="Conseil", public=False
        )
        made["sewing"] = schedule_sessions(
            actor=None, activity=sewing, first_start=soon, duration=hour, weeks=2
        )
        made["bikes"] = schedule_sessions(
            actor=None, activity=bikes, first_start=soon, duration=hour
        )
        made["board"] = schedule_sessions(
            actor=None, activity=board, first_start=soon, duration=hour
        )
        private = schedule_sessions(
            actor=None, activity=sewing, first_start=soon, duration=hour, public=False
        )
        cancelled = schedule_sessions(actor=None, activity=bikes, first_start=soon, duration=hour)
        cancelled[0].cancelled = True
        cancelled[0].save()
        made["hidden"] = private + cancelled
    with scope(cooperation=world.other_coop.pk):
        other = Activity.objects.create(
            cooperation=world.other_coop, house=world.other_house, title="Ailleurs"
        )
        made["other"] = schedule_sessions(
            actor=None, activity=other, first_start=soon, duration=hour
        )
    return made


def uids(response) -> set[str]:
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["UID"]) for event in calendar.walk("VEVENT")}


def expected(*groups) -> set[str]:
    return {f"session-{s.pk}@romans.coope" for group in groups for s in group}


def test_the_whole_feed_holds_exactly_the_public_sessions(client, sessions):
    response = client.get(reverse("agenda:feed", args=["romans"]))
    assert uids(response) == expected(sessions["sewing"], sessions["bikes"])


def test_the_house_feed_holds_only_that_house(client, world, sessions):
    response = client.get(reverse("agenda:house_feed", args=["romans", world.house_b.pk]))
    assert uids(response) == expected(sessions["bikes"])
    assert (
        client.get(reverse("agenda:house_feed", args=["romans", world.other_house.pk])).status_code
        == 404
    )


def test_feed_events_carry_times_and_places(client, world, sessions):
    calendar = icalendar.Calendar.from_ical(
        client.get(reverse("agenda:feed", args=["romans"])).content
    )
    event = next(e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == "Réparation vélo")
    assert event.decoded("DTSTART") == sessions["bikes"][0].starts_at
    assert str(event["LOCATION"]) == world.house_b.name


def test_agenda_page_filters_by_house_and_theme_and_hides_private_sessions(client, world, sessions):
    page = client.get(reverse("agenda:agenda", args=["romans"])).text
    assert "Atelier couture" in page and "Réparation vélo" in page
    assert "Conseil" not in page and "Ailleurs" not in page
    by_house = client.get(
        reverse("agenda:agenda", args=["romans"]), {"maison": world.house_b.pk}
    ).text
    assert "Réparation vélo" in by_house and "Atelier couture</" not in by_house.split("<ul")[-1]
    by_theme = client.get(reverse("agenda:agenda", args=["romans"]), {"theme": "couture"}).text
    assert "Réparation vélo" not in by_theme.split("<ul")[-1]


def test_event_page_is_public_but_private_sessions_are_not_found(client, sessions):
    assert (
        client.get(reverse("agenda:event", args=["romans", sessions["sewing"][0].pk])).status_code
        == 200
    )
    for session in sessions["board"] + sessions["hidden"]:
        assert client.get(reverse("agenda:event", args=["romans", session.pk])).status_code == 404
    assert (
        client.get(reverse("agenda:event", args=["valence", sessions["sewing"][0].pk])).status_code
        == 404
    )
    assert client.get(reverse("agenda:agenda", args=["nowhere"])).status_code == 404


def test_public_pages_make_as_many_queries_for_many_sessions_as_for_few(client, world, sessions):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    soon = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    event = sessions["sewing"][0]
    pages = [
        reverse("agenda:agenda", args=["romans"]),
        reverse("agenda:agenda", args=["romans"]) + "?theme=Couture",
        reverse("agenda:event", args=["romans", event.pk]),
        reverse("agenda:feed", args=["romans"]),
        reverse("agenda:house_feed", args=["romans", world.house_a.pk]),
    ]

    def counts():
        result = {}
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            result[url] = len(queries)
        return result

    few = counts()
    with scope(cooperation=world.coop.pk):
        for i in range(10):
            activity = Activity.objects.create(
                cooperation=world.coop, house=world.house_a, title=f"Atelier {i}", theme="Couture"
            )
            schedule_sessions(
                actor=None,
                activity=activity,
                first_start=soon,
                duration=datetime.timedelta(hours=1),
                weeks=3,
            )
    assert counts() == few


def test_the_figures_page_makes_as_many_queries_for_many_rows_as_for_few(
    client_as, world, sessions
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coope.activities.services import record_attendance
    from coope.people.services import create_person

    client = client_as(world.director)
    year = timezone.localdate().year
    url = reverse("figures") + f"?du={year}-01-01&au={year + 1}-12-31"

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def attend(n):
        with scope(cooperation=world.coop.pk):
            for i in range(n):
                person = create_person(
                    actor=None,
                    cooperation=world.coop,
                    first_name=f"P{i}",
                    last_name="T",
                    home_house=world.house_b,
                )
                for session in sessions["sewing"]:
                    record_attendance(actor=None, session=session, person=person)

    attend(1)  # with no one at all, some figures stop after their first query
    few = count()
    attend(15)
    assert count() == few
