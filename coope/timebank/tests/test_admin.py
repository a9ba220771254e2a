"""The admin: rules and limits changed with a logged reason; the ledger cannot be deleted there."""

import pytest

from coope.core.models import AuditEntry
from coope.timebank import services
from coope.timebank.models import CategoryLimit, TimebankRules


@pytest.fixture(autouse=True)
def director_in_admin(world):
    world.director.is_staff = True
    world.director.save()


def test_rules_and_category_limits_are_changed_with_a_logged_reason(tb, world, client_as):
    client = client_as(world.director)
    rules = services.rules_of(world.coop)
    data = {
        "start_credit_minutes": 600,
        "membership_fee_minutes": 120,
        "reversal_delay_days": 60,
        "confirmation_delay_days": 7,
        "warning_margin_minutes": 120,
        "reason": "",
    }
    response = client.post(f"/admin/timebank/timebankrules/{rules.pk}/change/", data)
    assert response.status_code == 200  # the reason is required
    assert TimebankRules.objects.get(pk=rules.pk).start_credit_minutes == 900
    client.post(
        f"/admin/timebank/timebankrules/{rules.pk}/change/",
        {**data, "reason": "Vote du CA du 12 mars"},
    )
    assert TimebankRules.objects.get(pk=rules.pk).start_credit_minutes == 600
    entry = AuditEntry.objects.get(model="timebank.timebankrules")
    assert entry.actor == world.director and entry.changes == {
        "start_credit_minutes": [900, 600],
        "reason": "Vote du CA du 12 mars",
    }
    client.post(
        "/admin/timebank/categorylimit/add/",
        {
            "kind": "member",
            "min_balance_minutes": -600,
            "max_balance_minutes": "",
            "reason": "Prudence",
        },
    )
    assert CategoryLimit.objects.get().min_balance_minutes == -600
    assert AuditEntry.objects.filter(
        model="timebank.categorylimit", changes__reason="Prudence"
    ).exists()
    assert services.limits_of(tb.ana) == (-600, None)


def test_the_ledger_is_read_only_in_the_admin(tb, world, client_as):
    transfer = services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=30, idempotency_key="a"
    )
    client = client_as(world.director)
    assert client.get("/admin/timebank/transfer/").status_code == 200
    page = client.get(f"/admin/timebank/transfer/{transfer.pk}/change/").content.decode()
    assert "Supprimer" not in page
    assert (
        client.post(f"/admin/timebank/transfer/{transfer.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert client.get("/admin/timebank/transfer/add/").status_code == 403
    assert (
        client.post(f"/admin/timebank/account/{tb.ana.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    listing = client.get("/admin/timebank/transfer/").content.decode()
    assert "delete_selected" not in listing


def test_category_limits_that_accounts_already_pass_are_refused(tb, world, client_as):
    response = client_as(world.director).post(
        "/admin/timebank/categorylimit/add/",
        {
            "kind": "member",
            "min_balance_minutes": "",
            "max_balance_minutes": 600,
            "reason": "Plafond bas",
        },
    )
    assert "3 compte(s) de cette catégorie sont déjà au-delà" in response.content.decode()
    assert not CategoryLimit.objects.exists()
