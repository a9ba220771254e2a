"""The demo lives on the day it is built: the current season's weekly activities fill the public
agenda and its feeds, « Prochaine séance », the roll call and this year's brochure, and the 2018
year of the report keeps every figure. Built at two dates, as `coope demo` would be."""

import datetime
import json
from collections import Counter

import icalendar
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from coope.activities.brochure import gather
from coope.activities.demo import season
from coope.activities.models import Activity, Attendance, Registration, Session
from coope.core.models import Cooperation, House, User
from coope.membership.models import Membership
from coope.people.models import Person

pytestmark = pytest.mark.django_db

REPORT_YEAR = ("2018-01-01", "2018-12-31")
CANNERY_SEASON = ("2017-07-01", "2018-12-31")


def figures(capsys, start: str, end: str) -> dict:
    capsys.readouterr()
    call_command("figures", "--cooperation", "romans", "--from", start, "--to", end, "--json")
    return json.loads(capsys.readouterr().out)


def events(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 3, 10, 9, 15, tzinfo=datetime.UTC),  # mid-season, before DST
        datetime.datetime(2027, 8, 20, 16, tzinfo=datetime.UTC),  # summer, another year
    ],
    ids=["march-2026", "august-2027"],
)
def test_the_demo_lives_today_and_keeps_its_2018_year(moment, time_machine, client, capsys):
    time_machine.move_to(moment, tick=True)
    call_command("demo")
    now, today = timezone.now(), timezone.localdate()
    assert today == moment.date()

    # -- the 2018 year is the report's, and the present moves none of its figures --------------
    year, cannery = figures(capsys, *REPORT_YEAR), figures(capsys, *CANNERY_SEASON)
    assert (
        year["membership.members"],
        year["membership.households"],
        year["people.users"],
        year["activities.events_published"],
        year["volunteering.governance_volunteers"],
    ) == (1350, 300, 3500, 352, 80)
    assert (
        cannery["cannery.workshops"],
        cannery["cannery.participants"],
        cannery["cannery.volunteer_hours"],
        cannery["cannery.villages"],
        cannery["cannery.collected_weight"],
        cannery["cannery.jars"],
    ) == (71, 700, 1600 * 60, 26, 1_900_000, 844)

    coop = Cooperation.objects.get(slug="romans")
    with scope(cooperation=coop.pk):
        # -- the public agenda and its feeds ---------------------------------------------------
        agenda = client.get(reverse("agenda:agenda", args=["romans"]))
        shown = list(agenda.context["sessions"])
        assert len(shown) >= 15 * 4  # 15 weekly activities, weeks ahead
        assert all(s.starts_at >= now and s.public for s in shown)
        assert shown[0].starts_at < now + datetime.timedelta(days=3)  # something this week
        assert "Atelier textile" in agenda.content.decode()
        feed = events(client.get(reverse("agenda:feed", args=["romans"])))
        starts = [e.decoded("dtstart") for e in feed]
        assert any(s < now for s in starts) and any(s > now for s in starts)
        assert not any("Conseil" in str(e["summary"]) for e in feed)  # boards are private
        for house in House.objects.all():
            house_feed = events(client.get(reverse("agenda:house_feed", args=["romans", house.pk])))
            assert len(house_feed) >= 5 * 4, house.name

        # -- « Prochaine séance » for every activity that goes on ------------------------------
        client.force_login(User.objects.get(username="coordinatrice"))
        page = client.get(reverse("activities:list"))
        # 5 regular activities and a board in each of the 3 houses, and the cannery's workshops
        # in the villages: each has its next session. Programmes add theirs (the mobility
        # programme's outings go on; its cycling school's 2017-2018 cycles are over).
        listed = list(page.context["activities"])
        going_on = [a for a in listed if a.upcoming]
        assert len(going_on) >= 19
        assert all(a.next_start >= now for a in going_on)
        assert "Prochaine séance" in page.content.decode()

        # -- the roll call: last week's ticks, the next session's registered people -------------
        client.force_login(User.objects.get(username="benevole"))
        textile = Activity.objects.get(title="Atelier textile", house__short_name="St Nicolas")
        past = Session.objects.filter(activity=textile, starts_at__lt=now).last()
        coming = Session.objects.filter(activity=textile, starts_at__gte=now).first()
        assert past is not None and coming is not None
        assert past.starts_at > now - datetime.timedelta(days=8)
        rows = client.get(reverse("activities:attendance", args=[past.pk])).context["rows"]
        assert rows and any(ticked for _person, ticked in rows)
        rows = client.get(reverse("activities:attendance", args=[coming.pk])).context["rows"]
        assert len(rows) >= 6 and not any(ticked for _person, ticked in rows)
        assert not Attendance.objects.filter(session__starts_at__gte=now).exists()

        # -- this year's brochure: every regular activity, on its one weekly slot --------------
        brochure = gather(coop, today.year)
        assert brochure.activity_count == 15
        for section in brochure.sections:
            for entry in section.entries:
                assert len(entry.slots) == 1 and entry.slots[0].startswith("le "), entry.slots

        # -- the houses close for Christmas (20 December – 3 January): no weekly session ---------
        days = {
            (timezone.localtime(s.starts_at).month, timezone.localtime(s.starts_at).day)
            for s in Session.objects.filter(activity__regular=True, starts_at__gte=now)
        }
        assert not any(day >= (12, 20) or day <= (1, 3) for day in days)

        # -- namesakes: never two people of the same name, birth year and house ---------------
        same = Counter(
            (first, last, birth.year, house)
            for first, last, birth, house in Person.objects.values_list(
                "first_name", "last_name", "birth_date", "home_house"
            )
            if birth is not None
        )
        assert max(same.values()) == 1, [key for key, n in same.items() if n > 1][:5]

        # -- the 2018 brochure: each activity on one weekly slot, summer and winter alike ------
        regular_2018 = [
            entry
            for section in gather(coop, 2018).sections
            for entry in section.entries
            if entry.activity.regular
        ]
        assert len(regular_2018) == 15
        for entry in regular_2018:
            assert len(entry.slots) == 1 and entry.slots[0].startswith("le "), entry.slots

        # -- this year's members are members today -----------------------------------------------
        current = Membership.objects.filter(period__start__year=today.year)
        assert current.count() == 135
        assert not current.filter(valid_from__gt=today).exists()
        assert current.filter(valid_until__gte=today).count() == 135

    # -- without the present, the 2018 figures are the same, every one of them ---------------------
    start, _end = season(today)
    with scopes_disabled():
        present = Session.objects.filter(cooperation=coop, starts_at__date__gte=start)
        assert present.count() > 15 * 20
        assert not present.filter(starts_at__year__lte=2018).exists()
        Registration.objects.filter(session__in=present).delete()
        Attendance.objects.filter(session__in=present).delete()
        present.delete()
        Membership.objects.filter(cooperation=coop, period__start__year__gt=2018).delete()
    assert figures(capsys, *REPORT_YEAR) == year
    assert figures(capsys, *CANNERY_SEASON) == cannery
