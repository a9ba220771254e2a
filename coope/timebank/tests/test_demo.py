"""The demo's year of TIC-TAC: `coope demo` then `coope check` passes, with figures to show."""

import json
import time

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from coope.timebank.models import Account, Exchange, Transfer


@pytest.mark.django_db
def test_demo_has_a_year_of_time_currency_and_passes_the_checks(capsys):
    started = time.monotonic()
    call_command("demo")
    elapsed = time.monotonic() - started
    call_command("check")
    report = capsys.readouterr().out
    assert (
        "TIC-TAC : chaque virement s'équilibre" in report and "Toutes les vérifications" in report
    )
    call_command(
        "figures", "--cooperation", "romans", "--from", "2018-01-01", "--to", "2018-12-31", "--json"
    )
    figures = json.loads(capsys.readouterr().out)
    assert figures["membership.members"] == 1350 and figures["people.users"] == 3500
    assert figures["timebank.exchanges"] > 1000
    assert figures["timebank.active_accounts"] > 250
    assert figures["timebank.new_members"] == 300
    assert len(figures["timebank.hours_by_category"]) == 9
    assert set(figures["timebank.hours_paid_by_programme"]) == {
        "membership_fee",
        "carpool",
        "bikes",
        "shop",
    }
    assert sum(figures["timebank.balance_spread"].values()) == 300
    with scopes_disabled():
        assert Transfer.objects.filter(kind="reversal").count() == 6
        assert Exchange.objects.exclude(paper_cheque="").exists()
        assert Account.objects.filter(person__user__username="habitante").exists()
    print(f"demo built in {elapsed:.1f} s")
