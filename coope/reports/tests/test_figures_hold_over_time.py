"""A figure of a past period never moves because of today's edits, and a published report keeps
its values (and says where today's records differ)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coope.activities import services as activities
from coope.activities.models import Attendance
from coope.lib.indicators import compute_figures, registry
from coope.lib.periods import Period
from coope.membership.services import take_membership
from coope.people.privacy import anonymise_person
from coope.people.services import (
    add_to_household,
    change_home_house,
    create_household,
    create_person,
    remove_from_household,
    update_person,
)
from coope.reports import exports, services
from coope.reports.models import PublishedFigure
from coope.reports.rendering import build_sections, load_report

Y2018 = Period.year(2018)
SEASON = Period(datetime.date(2017, 7, 1), datetime.date(2018, 6, 30))


def snapshot(w):
    """Every figure of the registry, for the past periods, for the whole cooperation, each house
    and an association."""
    scopes = ({}, {"house": w.house_a}, {"house": w.house_b}, {"association": w.assoc_b})
    return [compute_figures(w.coop, period, **s) for period in (Y2018, SEASON) for s in scopes]


@pytest.fixture
def family(year):
    """Dan and Eve, a couple living at house A since 2015, with a household membership in 2018."""
    w = year

    def adult(first):
        return create_person(
            actor=w.alice,
            cooperation=w.coop,
            first_name=first,
            last_name="Roux",
            birth_date=datetime.date(1985, 1, 1),
            sex="M",
            home_house=w.house_a,
        )

    w.dan, w.eve = adult("Dan"), adult("Eve")
    w.roux = create_household(
        actor=w.alice,
        cooperation=w.coop,
        name="Roux",
        members=[(w.dan, "referent"), (w.eve, "partner")],
        members_since=datetime.date(2015, 1, 1),
    )
    take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        household=w.roux,
        payment_method="cash",
        valid_from=datetime.date(2018, 1, 10),
    )
    activities.record_attendance(actor=w.alice, session=w.june, person=w.dan)
    return w


def test_todays_edits_leave_every_figure_of_a_past_period_unchanged(family):
    w = family
    before = snapshot(w)
    assert before[0]["membership.members"] == 4  # Ana, Chloé, Dan and Eve
    assert before[0]["membership.households"] == 1
    assert before[1]["activities.named_participants"] == 2  # house A: Ana, Ben
    # Everything the screens allow, years later.
    baby = create_person(
        actor=w.alice,
        cooperation=w.coop,
        first_name="Lou",
        last_name="Roux",
        birth_date=datetime.date(2021, 2, 1),
        home_house=w.house_b,
    )
    add_to_household(
        actor=w.alice,
        household=w.roux,
        person=baby,
        link="child",
        valid_from=datetime.date(2021, 3, 1),
    )
    for parent in (w.dan, w.eve):
        remove_from_household(
            actor=w.alice, household=w.roux, person=parent, on=datetime.date(2022, 6, 1)
        )
    create_household(
        actor=w.alice,
        cooperation=w.coop,
        name="Eve seule",
        members=[(w.eve, "referent")],
        members_since=datetime.date(2022, 6, 1),
    )
    change_home_house(actor=w.alice, person=w.ana, house=w.house_b, on=datetime.date(2023, 1, 1))
    change_home_house(actor=w.alice, person=w.dan, house=w.house_b, on=datetime.date(2023, 1, 1))
    change_home_house(actor=w.alice, person=w.ben, house=None, on=datetime.date(2023, 1, 1))
    update_person(actor=w.alice, person=w.ben, last_name="Durand")
    anonymise_person(actor=w.director, person=w.chloe)
    anonymise_person(actor=w.director, person=w.eve)
    # Today's household: the baby only; today's home houses: all moved.
    w.ana.refresh_from_db()
    assert w.ana.home_house == w.house_b
    assert snapshot(w) == before
    assert set(before[0]) == set(registry())  # every figure of the registry was compared


def test_a_published_report_keeps_its_values_and_says_what_changed_since(report, client_as):
    w = report
    services.publish_report(actor=w.director, report=w.report)
    published = {p.indicator_key: p for p in PublishedFigure.objects.filter(report=w.report)}
    participants = published["activities.named_participants"]
    assert participants.value == 2
    # The ids of what it counted: the 2018 attendances (Ana twice, Ben once).
    counted = Attendance.objects.filter(session__in=[w.march, w.june]).values_list("pk", flat=True)
    assert participants.record_ids == {"activities.named_participants": sorted(counted)}
    before_json = exports.report_json(load_report(w.report.pk))
    # A correction of 2018 made today: Chloé was at the June workshop.
    late = activities.record_attendance(actor=w.alice, session=w.june, person=w.chloe)
    figures = {f.key: f for f in build_sections(load_report(w.report.pk))[0].figures}
    view = figures["activities.named_participants"]
    assert (view.value, view.current) == (2, 3)
    assert view.changed and view.change_shown == "3, +1"
    assert not figures["membership.members"].changed
    # The outputs keep the published values, and say what today's records give.
    after_json = exports.report_json(load_report(w.report.pk))
    first = after_json["sections"][0]["figures"][1]
    assert first["value"] == 2 and first["since_publication"] == 3
    assert [f["value"] for s in after_json["sections"] for f in s["figures"]] == [
        f["value"] for s in before_json["sections"] for f in s["figures"]
    ]
    page = client_as(w.coordinator).get(reverse("reports:detail", args=[w.report.pk]))
    assert "depuis la publication" in page.content.decode()
    difference = client_as(w.coordinator).get(
        reverse("reports:records", args=[view.figure.pk]) + "?ecart=1"
    )
    text = difference.content.decode()
    assert "1 enregistrement compté aujourd'hui qui ne l'était pas" in text
    assert f"n° {late.pk}" in text
    # Nothing of a published report can be edited any more.
    with pytest.raises(ValidationError, match="publié"):
        services.add_text(actor=w.director, section=w.whole, body="Autre chose")
    with pytest.raises(ValidationError, match="publié"):
        services.update_report(
            actor=w.director,
            report=w.report,
            title="Autre",
            period_start=datetime.date(2018, 1, 1),
            period_end=datetime.date(2018, 12, 31),
        )
    with pytest.raises(ValidationError, match="déjà publié"):
        services.publish_report(actor=w.director, report=w.report)


def test_publishing_is_for_editors_only_and_by_post(report, client_as):
    w = report
    url = reverse("reports:publish", args=[w.report.pk])
    assert client_as(w.coordinator).get(url).status_code == 405
    assert client_as(w.alice).post(url).status_code == 403  # reception does not edit reports
    w.report.refresh_from_db()
    assert w.report.published_at is None
    response = client_as(w.director).post(url)
    assert response.status_code == 302
    w.report.refresh_from_db()
    assert w.report.published_at is not None
    assert PublishedFigure.objects.filter(report=w.report).count() == 7


def test_a_published_breakdown_keeps_its_order_and_its_parts(report):
    """Houses are shown by name: B before A once B is renamed « Aubépine ». The published
    parts come back in that order (PostgreSQL's jsonb would sort an object's keys)."""
    w = report
    w.house_b.name = "Aubépine"
    w.house_b.save()
    services.publish_report(actor=w.director, report=w.report)
    figures = {f.key: f for f in build_sections(load_report(w.report.pk))[0].figures}
    by_house = figures["membership.members_by_house"]
    assert list(by_house.value) == [str(w.house_b.pk), str(w.house_a.pk)]
    assert by_house.parts == [("Aubépine", "1"), (w.house_a.name, "1")]
    participants = figures["activities.named_participants"]
    assert [h.pk for h, _v in participants.by_house] == [w.house_b.pk, w.house_a.pk]


def test_editing_a_published_report_through_its_pages_is_refused_with_a_message(report, client_as):
    w = report
    services.publish_report(actor=w.director, report=w.report)
    client = client_as(w.director)
    figure = w.whole.figures.first()
    text = w.whole.texts.first()
    for name, pk in (
        ("section_remove", w.bikes.pk),
        ("section_move", w.bikes.pk),
        ("figure_remove", figure.pk),
        ("figure_move", figure.pk),
        ("text_remove", text.pk),
        ("text_add", w.whole.pk),
        ("text_edit", text.pk),
    ):
        response = client.post(reverse(f"reports:{name}", args=[pk]), {"kind": "free"})
        assert response.status_code == 302, name
        assert response.url == reverse("reports:detail", args=[w.report.pk]), name
    assert client.get(reverse("reports:text_edit", args=[text.pk])).status_code == 302
    page = client.get(reverse("reports:detail", args=[w.report.pk])).content.decode()
    assert "publié" in page
    assert w.whole.figures.count() == 6 and w.report.sections.count() == 2
