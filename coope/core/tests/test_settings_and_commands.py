"""Configuration, the demo and `coope figures`, as a person runs them."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_demo_gives_the_reports_1350_members_and_isolates_the_second_cooperation(capsys):
    call_command("demo")
    assert "directrice" in capsys.readouterr().out  # the logins are printed
    call_command(
        "figures", "--cooperation", "romans", "--from", "2018-01-01", "--to", "2018-12-31", "--json"
    )
    figures = json.loads(capsys.readouterr().out)
    assert figures["membership.members"] == 1350
    assert figures["membership.households"] == 300
    # The activities issue's demo figures.
    assert figures["people.users"] == 3500
    assert figures["volunteering.governance_volunteers"] == 80
    assert figures["activities.events_published"] == 352
    this_year = timezone.localdate().year  # the demo's memberships are of today
    call_command(
        "figures",
        "--cooperation",
        "valence",
        "--from",
        f"{this_year}-01-01",
        "--to",
        f"{this_year}-12-31",
        "--json",
    )
    assert json.loads(capsys.readouterr().out)["membership.members"] == 25
    # Running it again changes nothing (make run calls it every time).
    call_command("demo")
    capsys.readouterr()
    call_command(
        "figures", "--cooperation", "romans", "--from", "2018-01-01", "--to", "2018-12-31", "--json"
    )
    assert json.loads(capsys.readouterr().out)["membership.members"] == 1350


@pytest.mark.django_db
def test_figures_table_and_its_errors(world, capsys):
    call_command("figures", "--cooperation", "romans", "--from", "2018-01-01", "--to", "2018-12-31")
    out = capsys.readouterr().out
    assert "membership.members" in out and "Adhérents" in out
    with pytest.raises(CommandError, match="inconnue"):
        call_command(
            "figures", "--cooperation", "nowhere", "--from", "2018-01-01", "--to", "2018-12-31"
        )
    with pytest.raises(CommandError, match="AAAA-MM-JJ"):
        call_command(
            "figures", "--cooperation", "romans", "--from", "01/01/2018", "--to", "2018-12-31"
        )
    with pytest.raises(CommandError, match="avant de commencer"):
        call_command(
            "figures", "--cooperation", "romans", "--from", "2018-12-31", "--to", "2018-01-01"
        )


def test_coope_check_reports_a_broken_invariant_and_fails(db):
    from coope.lib import invariants as registry

    @registry.invariant("Invariant d'essai")
    def broken():
        yield "Virement 12 : la somme des écritures vaut 5 minutes."

    key = f"{broken.__module__}.{broken.__qualname__}"
    out = io.StringIO()
    try:
        with pytest.raises(CommandError, match="1 problème"):
            call_command("check", stdout=out)
        assert "Virement 12 : la somme des écritures vaut 5 minutes." in out.getvalue()
    finally:
        del registry._INVARIANTS[key]
    call_command("check", stdout=out)
    assert "Toutes les vérifications des données sont passées." in out.getvalue()
