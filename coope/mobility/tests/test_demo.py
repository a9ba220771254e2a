"""The demo holds the 2017-2018 of the report's « groupe mobilité » for Romans, and its first
report's mobility section shows them."""

import json

import pytest
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from coope.core.models import Cooperation
from coope.core.plugins import report_sections
from coope.lib.invariants import invariants
from coope.mobility import services
from coope.mobility.models import GroupPurchase, Unit

pytestmark = pytest.mark.django_db


def test_the_demo_gives_the_reports_mobility_figures(capsys):
    call_command("demo")
    capsys.readouterr()
    call_command(
        "figures", "--cooperation", "romans", "--from", "2017-01-01", "--to", "2018-12-31", "--json"
    )
    figures = json.loads(capsys.readouterr().out)
    assert {
        key: figures[key]
        for key in (
            "mobility.ebikes_bought",
            "mobility.ebikes_for_loan",
            "mobility.rosalies",
            "mobility.outings",
            "mobility.cycling_school_cycles",
        )
    } == {
        "mobility.ebikes_bought": 22,
        "mobility.ebikes_for_loan": 6,
        "mobility.rosalies": 2,
        "mobility.outings": 8,
        "mobility.cycling_school_cycles": 3,
    }
    assert figures["mobility.outing_participants"] > 50
    assert figures["mobility.loans"] > 60 and figures["mobility.hours_paid"] > 0
    assert figures["mobility.health_rides"] == figures["mobility.rides_by_purpose"]["health"] > 0
    assert figures["mobility.kilometres"] > 0

    with scopes_disabled():
        romans = Cooperation.objects.get(slug="romans")
    with scope(cooperation=romans.pk):
        # the rosalies are at Les Ors and St Nicolas; the group purchase reconciles to the cent
        houses = set(
            Unit.objects.filter(kind="rosalie").values_list("house__short_name", flat=True)
        )
        assert houses == {"Les Ors", "St Nicolas"}
        [purchase] = GroupPurchase.objects.all()
        assert services.reconciliation(purchase).balanced
        assert services.late_plans(romans, purchase.ordered_on.replace(year=2018, month=6)) != []
        assert [p for inv in invariants() for p in inv.check()] == []  # TIC-TAC's ledger is whole

    [section] = [s for label, s in report_sections() if label == "mobility"]
    assert [key for key, _label, _by_house in section["figures"]][:3] == [
        "mobility.ebikes_bought",
        "mobility.ebikes_for_loan",
        "mobility.rosalies",
    ]
