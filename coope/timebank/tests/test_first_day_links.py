"""Day-one fixes of TIC-TAC's pages: « Annuler » only while a reversal is allowed; /tic-tac/
leads staff to the accounts instead of an error page."""

import datetime

from django.urls import reverse

from coope.timebank import services


def test_cancel_is_offered_only_within_the_reversal_delay(tb, world, client_as, time_machine):
    transfer = services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.cleo, minutes=30, idempotency_key="late"
    )
    url = reverse("timebank:account", args=[tb.ana.pk])
    cancel = reverse("timebank:reverse", args=[transfer.pk])
    client = client_as(world.director)
    assert cancel in client.get(url).content.decode()
    delay = services.rules_of(world.coop.pk).reversal_delay_days
    time_machine.move_to(transfer.created_at + datetime.timedelta(days=delay + 1), tick=False)
    assert cancel not in client_as(world.director).get(url).content.decode()


def test_tic_tac_leads_staff_to_the_accounts_and_others_home(tb, world, client_as):
    response = client_as(world.director).get(reverse("timebank:me"))
    assert response.status_code == 302 and response.url == reverse("timebank:accounts")
    response = client_as(world.evaluator).get(reverse("timebank:me"))
    assert response.status_code == 302 and response.url == reverse("home")
