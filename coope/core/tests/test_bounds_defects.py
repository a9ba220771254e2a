"""The tester's bad inputs, one by one: each answers a French message, never a server error, and
writes nothing (issue 13). The property test (test_bounds_forms.py) sweeps every form; these
name the defects found by hand."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from coope.activities.models import Activity, Headcount, Session
from coope.core.tests.bounds_site import Site, parse, rows_of_every_table
from coope.people.models import Person
from coope.timebank.models import Exchange


@pytest.fixture
def site(in_scope, client):
    site = Site(in_scope)
    client.force_login(in_scope.director)
    site.client = client
    return site


def hidden_fields(site, page: str, action: str) -> dict:
    """The hidden values (the one-time key) of the form of `page` that posts to `action`."""
    forms, _links = parse(site.client.get(page).content.decode())
    for form in forms:
        if urlsplit(form.action or page).path == urlsplit(action).path:
            return {f.name: f.value for f in form.fields if f.kind == "hidden" and f.value}
    return {}


def refused(site, url, data, message, page=None):
    data = {**hidden_fields(site, page or url, url), **data}
    before = rows_of_every_table()
    response = site.client.post(url, data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert rows_of_every_table() == before


ACTIVITY = {
    "a-title": "Yoga",
    "a-kind": "workshop",
    "a-price_kind": "free",
    "s-date": "2018-07-12",
    "s-start": "10:00",
    "s-end": "11:00",
    "s-weeks": "1",
}


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
def test_an_activity_in_year_1_or_9999_is_refused_whole(site, date):
    refused(site, reverse("activities:create"), {**ACTIVITY, "s-date": date}, "Date improbable")
    assert not Activity.objects.filter(title="Yoga").exists()


def test_weekly_sessions_that_would_run_past_2100_are_refused_whole(site):
    late = {**ACTIVITY, "s-date": "2100-12-20", "s-weeks": "60"}
    refused(site, reverse("activities:create"), late, "Date improbable")
    assert not Activity.objects.filter(title="Yoga").exists()


def test_more_than_a_day_of_volunteer_hours_on_one_date_is_refused(site):
    url = reverse("activities:volunteer_hours")
    data = {"date": "2018-07-12", "hours": "24", "minutes": "59", "kind": "activity"}
    refused(site, url, {**data, "people": [str(site.ana.pk)]}, "24 heures au plus")


def test_an_activity_whose_sessions_fail_leaves_no_activity(site, monkeypatch):
    from django.core.exceptions import ValidationError

    from coope.activities import services

    def failing(**kwargs):
        raise ValidationError("Les séances ne peuvent pas être créées.")

    monkeypatch.setattr(services, "schedule_sessions", failing)
    refused(site, reverse("activities:create"), ACTIVITY, "Les séances ne peuvent pas")
    assert not Activity.objects.filter(title="Yoga").exists()


def test_a_person_whose_household_link_is_too_long_is_not_created(site):
    url = reverse("people:person_create") + f"?foyer={site.household.pk}&lien={'x' * 500}"
    refused(
        site, url, {"first_name": "Zoé", "last_name": "Seule", "sex": "F"}, "Le lien dans le foyer"
    )
    assert not Person.objects.filter(first_name="Zoé").exists()


@pytest.mark.parametrize("value", ["9223372036854775808", "2147483648", "100001"])
def test_a_headcount_beyond_the_column_is_a_french_message(site, value):
    url = reverse("activities:headcount", args=[site.session.pk])
    page = reverse("activities:session", args=[site.session.pk])
    refused(site, url, {"all": value}, "chaque nombre doit être entre 0 et 100", page=page)
    assert not Headcount.objects.filter(session=site.session, count__gt=100_000).exists()
    assert Session.objects.filter(pk=site.session.pk).exists()


@pytest.mark.parametrize("duration", ["inf", "1e999", "NaN", "99999999", "1e9"])
def test_a_cheque_of_an_impossible_duration_is_a_french_message(site, duration):
    url = reverse("timebank:cheque")
    data = {
        "cheque_number": "C-1",
        "provider": site.accounts[1].pk,
        "receiver": site.accounts[0].pk,
        "category": site.category.pk,
        "description": "Jardin",
        "duration": duration,
        "performed_on": "2018-07-12",
    }
    before = Exchange.objects.count()
    response = site.client.post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Écrivez une durée" in text or "faute de frappe" in text
    assert Exchange.objects.count() == before


@pytest.mark.parametrize("amount", ["inf", "NaN", "1e9"])
def test_a_fee_beyond_sense_is_a_french_message(site, amount):
    url = reverse("membership:setup_fees", args=[site.w.period.pk])
    response = site.client.get(url)
    assert response.status_code == 200
    data = {
        "tarifs-TOTAL_FORMS": "1",
        "tarifs-INITIAL_FORMS": "0",
        "tarifs-MIN_NUM_FORMS": "0",
        "tarifs-MAX_NUM_FORMS": "60",
        "tarifs-0-kind": "individual",
        "tarifs-0-amount": amount,
    }
    before = rows_of_every_table()
    response = site.client.post(url, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "montant" in text.lower() or "Le nombre doit être entre" in text
    assert rows_of_every_table() == before


def test_the_people_picker_refuses_an_id_beyond_64_bits(site):
    url = reverse("activities:volunteer_hours")
    data = {"date": "2018-07-12", "hours": "1", "minutes": "0", "kind": "activity"}
    refused(site, url, {**data, "people": [str(2**63)]}, "choix")


@pytest.mark.parametrize(
    "query",
    [
        "du=0001-01-01&au=9999-12-31",
        "du=9999-12-31&au=0001-01-01",
        "du=abc&au=\x00",
        "du=2018-01-01&au=2018-12-31&maison=99999999999999999999",
    ],
)
def test_the_figures_page_never_fails_on_its_query_string(site, query):
    response = site.client.get(f"/chiffres/?{query}")
    assert response.status_code in (200, 400)
