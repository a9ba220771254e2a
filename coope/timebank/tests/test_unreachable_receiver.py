"""Issue 11, point 1: a receiver Coopé cannot tell (no e-mail, no account of their own) is asked
by the front desk; their exchanges wait for that answer and are never confirmed by the delay."""

import datetime
import html

from django.urls import reverse

from coope.conftest import PASSWORD
from coope.core.models import AuditEntry, User
from coope.timebank import services
from coope.timebank.models import Exchange


def _ask_cleo(tb, minutes=60, key="u1"):
    # Cléo has no e-mail and no login.
    return services.record_exchange(
        actor=None,
        provider=tb.ana,
        receiver=tb.cleo,
        minutes=minutes,
        category=tb.garden,
        description="Taille de haie",
        performed_on=datetime.date(2018, 3, 1),
        idempotency_key=key,
    )


def test_the_delay_never_confirms_an_exchange_nobody_could_tell_the_receiver_of(
    tb, world, time_machine
):
    exchange = _ask_cleo(tb)
    told = services.record_exchange(
        actor=None,
        provider=tb.cleo,
        receiver=tb.ben,  # Ben has an e-mail address
        minutes=30,
        category=tb.garden,
        description="Arrosage",
        performed_on=datetime.date(2018, 3, 1),
        idempotency_key="u2",
    )
    assert not services.reachable(tb.cleo.person) and services.reachable(tb.ben.person)
    time_machine.shift(datetime.timedelta(days=30))
    assert services.confirm_due_exchanges(cooperation=world.coop) == (1, [])
    assert Exchange.objects.get(pk=told.pk).status == "confirmed"
    assert Exchange.objects.get(pk=exchange.pk).status == "pending"
    assert list(services.awaiting_front_desk(tb.cleo)) == [exchange]
    assert list(services.awaiting_front_desk(tb.ben)) == []


def test_the_front_desk_records_the_answer_on_the_receivers_account(tb, world, client_as):
    confirmed, refused = _ask_cleo(tb, 60, "u1"), _ask_cleo(tb, 45, "u3")
    before = tb.cleo.entries.count()
    client = client_as(world.coordinator)
    page = client.get(reverse("timebank:account", args=[tb.cleo.pk])).content.decode()
    assert "Échanges à confirmer avec cette personne" in page and "Taille de haie" in page
    listed = client.get(reverse("timebank:accounts"), {"filtre": "accueil"}).content.decode()
    assert "Cléo" in listed and "Ben" not in listed and "Ana" not in listed
    client.post(reverse("timebank:front_desk_answer", args=[confirmed.pk, "confirmer"]))
    client.post(reverse("timebank:front_desk_answer", args=[refused.pk, "refuser"]))
    assert Exchange.objects.get(pk=confirmed.pk).status == "confirmed"
    assert Exchange.objects.get(pk=refused.pk).status == "refused"
    assert [e.amount_minutes for e in tb.cleo.entries.all()[before:]] == [-60]
    entry = AuditEntry.objects.get(action="timebank_confirm_exchange", object_id=str(confirmed.pk))
    assert entry.actor == world.coordinator and entry.changes == {"via": "accueil"}
    # Someone Coopé reaches answers themselves: the front desk may not answer for them.
    for_ben = services.record_exchange(
        actor=None,
        provider=tb.ana,
        receiver=tb.ben,
        minutes=15,
        category=tb.garden,
        description="Courses",
        performed_on=datetime.date(2018, 3, 1),
        idempotency_key="u4",
    )
    answer = reverse("timebank:front_desk_answer", args=[for_ben.pk, "confirmer"])
    assert client.post(answer).status_code == 404
    assert client_as(world.alice).post(answer).status_code == 403  # reception: no timebank.manage


def test_the_member_who_asks_is_told_the_front_desk_will_ask(tb, world, client_as):
    ana = User.objects.create_user(
        username="ana", password=PASSWORD, cooperation=world.coop, person=tb.ana_person
    )
    response = client_as(ana).post(
        reverse("timebank:exchange_new"),
        {
            "receivers": [tb.cleo.pk],
            "duration": "1h",
            "category": tb.garden.pk,
            "description": "Taille de haie",
            "performed_on": "2018-03-01",
            "key": "k-unreachable",
            "confirm": "1",
        },
        follow=True,
    )
    page = html.unescape(response.content.decode())
    assert "Cléo Test n'a ni e-mail ni compte Coopé : l'accueil lui demandera" in page
