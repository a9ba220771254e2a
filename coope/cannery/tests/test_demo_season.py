"""The demo holds the cannery's July 2017 – December 2018 season with the report's numbers."""

import json

import pytest
from django.core.management import call_command
from django.db.models import Max, Min
from django_scopes import scopes_disabled

from coope.cannery.models import Collection

pytestmark = pytest.mark.django_db


def test_the_demo_season_gives_the_reports_cannery_figures(capsys):
    call_command("demo")
    capsys.readouterr()
    call_command(
        "figures", "--cooperation", "romans", "--from", "2017-07-01", "--to", "2018-12-31", "--json"
    )
    figures = json.loads(capsys.readouterr().out)
    assert {
        key: figures[key]
        for key in (
            "cannery.workshops",
            "cannery.participants",
            "cannery.volunteer_hours",
            "cannery.volunteers_trained",
            "cannery.villages",
            "cannery.collected_weight",
            "cannery.soup_volume",
            "cannery.jars",
        )
    } == {
        "cannery.workshops": 71,
        "cannery.participants": 700,
        "cannery.volunteer_hours": 1600 * 60,  # minutes
        "cannery.volunteers_trained": 19,
        "cannery.villages": 26,
        "cannery.collected_weight": 1900 * 1000,  # grams
        "cannery.soup_volume": 100 * 100,  # centilitres
        "cannery.jars": 844,
    }
    # Realistic records, no balancing row: every collection weighs what a farm brings (6 to 21 kg).
    with scopes_disabled():
        weights = Collection.objects.filter(cooperation__slug="romans").aggregate(
            low=Min("weight_grams"), high=Max("weight_grams")
        )
    assert 5_000 <= weights["low"] and weights["high"] <= 21_000, weights
    # The 700 participants are two figures added, as the label says.
    assert figures["cannery.named_participants"] == 140
    assert figures["cannery.counted_participants"] == 560
    assert 25 <= figures["cannery.producers"] <= 35
    destinations = figures["cannery.jars_by_destination"]
    assert all(destinations[code] > 0 for code in ("given", "sold_euros", "returned", "sold_time"))
    # Sold in time currency through TIC-TAC, one hour (60 minutes) a jar.
    assert figures["cannery.time_sales"] == 60 * destinations["sold_time"] > 0
    assert sum(destinations.values()) < 844  # some jars are still in stock
    assert 0 < figures["cannery.transformed_weight"] < 1_900_000
    # The year's figures the other issues fixed are kept.
    call_command(
        "figures", "--cooperation", "romans", "--from", "2018-01-01", "--to", "2018-12-31", "--json"
    )
    year = json.loads(capsys.readouterr().out)
    assert (
        year["people.users"],
        year["activities.events_published"],
        year["membership.members"],
        year["volunteering.governance_volunteers"],
    ) == (3500, 352, 1350, 80)
    # And every cached quantity of the season matches its rows.
    call_command("check")
