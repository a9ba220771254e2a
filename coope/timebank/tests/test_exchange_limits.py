"""Issue 11, point 1: a member reads only their own balance; an exchange past a limit is refused
when it is entered, in words that give nobody else's figures; the person asked to pay is told
(page and e-mail) and can refuse, even with no login."""

import datetime
import email
import email.policy
import re

import pytest
from django.core.exceptions import ValidationError

from coope.conftest import PASSWORD
from coope.core.models import AuditEntry, User
from coope.timebank import services
from coope.timebank.models import Account, Exchange, Notice


@pytest.fixture
def ana_login(tb, world):
    return User.objects.create_user(
        username="ana", password=PASSWORD, cooperation=world.coop, person=tb.ana_person
    )


@pytest.fixture
def ben_login(tb, world):
    return User.objects.create_user(
        username="ben", password=PASSWORD, cooperation=world.coop, person=tb.ben_person
    )


def form_data(tb, duration, **changes):
    return {
        "receivers": [tb.ben.pk],
        "category": tb.garden.pk,
        "description": "Déménagement",
        "duration": duration,
        "performed_on": "2018-03-01",
        "key": "k1",
        **changes,
    }


def allow_ben_to_owe(tb, world):
    services.set_account_limits(
        actor=world.director,
        account=tb.ben,
        min_balance_minutes=-200 * 60,
        max_balance_minutes=None,
        reason="Grand chantier",
    )


def ask(tb, provider, receiver, minutes, key, actor=None):
    return services.record_exchange(
        actor=actor,
        provider=provider,
        receiver=receiver,
        minutes=minutes,
        category=tb.garden,
        description="Coup de main",
        performed_on=datetime.date(2018, 3, 1),
        idempotency_key=key,
    )


def test_the_preview_never_gives_another_members_balance_or_limit(tb, ana_login, client_as):
    # Ben: 15 h, lower limit -20 h. 34 h would leave him at -19 h: near his limit.
    client = client_as(ana_login)
    preview = client.post("/tic-tac/echanges/nouveau/", form_data(tb, "34h")).content.decode()
    assert "Vous avez rendu service à" in preview
    assert "-19 h" not in preview and "-20 h" not in preview and "solde de Ben" not in preview


def test_an_exchange_past_the_receivers_limit_is_refused_when_entered(tb, ana_login, client_as):
    client = client_as(ana_login)
    page = client.post("/tic-tac/echanges/nouveau/", form_data(tb, "500")).content.decode()
    assert "Ben Test ne peut pas payer cette durée maintenant" in page
    assert "Vous avez rendu service à" not in page  # the form again, not the summary
    assert "-485 h" not in page and "-20 h" not in page and "près de" not in page
    # Sent straight to the confirming step (a crafted request): refused by the service too.
    client.post("/tic-tac/echanges/nouveau/", form_data(tb, "500", confirm="1"))
    assert Exchange.objects.count() == 0


def test_a_member_is_told_their_own_figures_near_and_past_their_upper_limit(
    tb, world, ana_login, client_as
):
    # Ana: 15 h, upper limit 100 h, warning margin 2 h; Ben may go down to -200 h.
    allow_ben_to_owe(tb, world)
    client = client_as(ana_login)
    near = client.post("/tic-tac/echanges/nouveau/", form_data(tb, "84h")).content.decode()
    assert "votre solde serait de 99 h, près de votre limite haute (100 h)" in near
    past = client.post("/tic-tac/echanges/nouveau/", form_data(tb, "90h")).content.decode()
    assert "Vous dépasseriez votre limite haute de 100 h (votre solde après : 105 h)" in past
    assert "près de" not in past and Exchange.objects.count() == 0


def test_the_service_refuses_and_counts_the_exchanges_already_pending(tb, ana_login):
    ask(tb, tb.ana, tb.ben, 20 * 60, "a", actor=ana_login)  # Ben: 15 h - 20 h = -5 h, allowed
    with pytest.raises(ValidationError) as refused:
        ask(tb, tb.ana, tb.ben, 20 * 60, "b", actor=ana_login)  # -25 h with the first one
    [message] = refused.value.messages
    assert message.startswith("Ben Test ne peut pas payer cette durée maintenant")
    assert not re.search(r"\d+ h", message)
    with pytest.raises(ValidationError, match="20 h d'échanges en attente"):
        ask(tb, tb.cleo, tb.ben, 20 * 60, "c")  # the system (a command) reads the figures
    assert Exchange.objects.count() == 1
    # A double click of the first one still answers the exchange already recorded.
    assert ask(tb, tb.ana, tb.ben, 20 * 60, "a", actor=ana_login).pk == Exchange.objects.get().pk


def test_confirming_gives_no_figures_of_the_provider(tb, world, ben_login, client_as):
    allow_ben_to_owe(tb, world)
    pending = ask(tb, tb.ana, tb.ben, 60 * 60, "x")  # Ana would have 75 h: allowed
    services.transfer_time(
        actor=None, payer=tb.cleo, payee=tb.ana, minutes=30 * 60, idempotency_key="t"
    )  # Ana 45 h: confirming the 60 h would take her past 100 h
    response = client_as(ben_login).post(f"/tic-tac/echanges/{pending.pk}/confirmer/", follow=True)
    [refusal] = [str(m) for m in response.context["messages"]]
    assert refusal.startswith("Ana Test ne peut pas recevoir cette durée maintenant")
    assert not re.search(r"\d+ h", refusal)  # neither her balance nor her limit
    assert Exchange.objects.get(pk=pending.pk).status == "pending"


def test_the_receiver_is_told_on_their_page(tb, ana_login, ben_login, client_as):
    client = client_as(ana_login)
    client.post("/tic-tac/echanges/nouveau/", form_data(tb, "1h30", confirm="1"))
    [notice] = Notice.objects.filter(person=tb.ben_person)
    assert "Ana Test demande 1 h 30 pour un service rendu le 01/03/2018" in notice.message
    assert "confirmé le 08/03/2018" in notice.message
    page = client_as(ben_login).get("/tic-tac/").content.decode()
    assert "Ana Test demande 1 h 30" in page and "Refuser" in page


@pytest.mark.django_db(transaction=True)
def test_the_receiver_gets_an_email_and_refuses_without_a_login(
    tb, ana_login, smtp_server, client, client_as
):
    client_as(ana_login).post("/tic-tac/echanges/nouveau/", form_data(tb, "2", confirm="1"))
    exchange = Exchange.objects.get()
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["ben@example.org"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "TIC-TAC : un échange à confirmer"
    body = message.get_content()
    assert "Ana Test demande 2 h" in body
    link = re.search(r"http://testserver(/tic-tac/echanges/reponse/\S+/)", body).group(1)

    client.logout()  # Ben has no login: the link is enough
    page = client.get(link).content.decode()
    assert "Ana Test" in page and "Déménagement" in page and "08/03/2018" in page
    assert "Solde" not in page  # nobody's balance on the page of a link
    refused = client.post(link, {"decision": "refuser"}, follow=True).content.decode()
    assert "Échange refusé : rien n&#x27;a été versé." in refused
    assert Exchange.objects.get().status == "refused"
    assert AuditEntry.objects.get(action="timebank_refuse_exchange").changes == {
        "via": "email_link"
    }
    again = client.post(link, {"decision": "confirmer"}, follow=True).content.decode()
    assert "ne peut plus être confirmé" in again
    assert Account.objects.get(pk=tb.ben.pk).balance_minutes == 900
    assert client.get(link[:-3] + "xx/").status_code == 404  # a forged token
    assert client.get(f"/tic-tac/echanges/reponse/{exchange.pk}/").status_code == 404
