"""Regressions found in review: limits reset, replays with another content, reversals, closing, invariants."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from coope.timebank import services
from coope.timebank.models import Account, CategoryLimit, Exchange


def _exchange(tb, **changes):
    values = dict(
        actor=None,
        provider=tb.ana,
        receiver=tb.ben,
        minutes=90,
        category=tb.garden,
        description="Taille de haie",
        performed_on=datetime.date(2018, 3, 1),
        idempotency_key="rx",
    )
    values.update(changes)
    return services.record_exchange(**values)


def test_resetting_an_override_checks_the_balance_against_the_category_limit(tb, world):
    services.set_account_limits(
        actor=world.director,
        account=tb.ana,
        min_balance_minutes=None,
        max_balance_minutes=2000,
        reason="Gros crédit attendu",
    )
    services.transfer_time(
        actor=None, payer=tb.ben, payee=tb.ana, minutes=900, idempotency_key="big"
    )
    CategoryLimit.objects.create(
        cooperation=world.coop, kind="member", min_balance_minutes=-600, max_balance_minutes=1200
    )
    with pytest.raises(ValidationError, match="limite haute qui s'appliquerait"):
        services.set_account_limits(
            actor=world.director,
            account=tb.ana,
            min_balance_minutes=None,
            max_balance_minutes=None,
            reason="Retour à la catégorie",
        )
    assert Account.objects.get(pk=tb.ana.pk).max_balance_minutes == 2000


def test_resetting_a_lower_override_checks_the_balance_against_the_category_limit(tb, world):
    services.set_account_limits(
        actor=world.director,
        account=tb.ana,
        min_balance_minutes=-3000,
        max_balance_minutes=None,
        reason="Avance exceptionnelle",
    )
    services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=900 + 1500, idempotency_key="big"
    )
    with pytest.raises(ValidationError, match="limite basse qui s'appliquerait"):
        services.set_account_limits(
            actor=world.director,
            account=tb.ana,
            min_balance_minutes=None,
            max_balance_minutes=None,
            reason="Retour à la catégorie",
        )
    assert Account.objects.get(pk=tb.ana.pk).min_balance_minutes == -3000


@pytest.mark.parametrize(
    "change",
    [
        {"provider": "cleo"},
        {"receiver": "cleo"},
        {"minutes": 60},
        {"category": "computing"},
        {"description": "Autre chose"},
        {"performed_on": datetime.date(2018, 3, 2)},
    ],
)
def test_a_replayed_exchange_key_with_another_content_is_refused(tb, change):
    first = _exchange(tb)
    assert _exchange(tb).pk == first.pk  # the same content: the first one
    key, value = next(iter(change.items()))
    if isinstance(value, str) and key != "description":
        value = getattr(tb, value)
    with pytest.raises(ValidationError, match="déjà été enregistrée avec un autre contenu"):
        _exchange(tb, **{key: value})
    assert Exchange.objects.count() == 1


def test_a_replayed_exchange_key_after_a_concurrent_insert_is_compared(tb, monkeypatch):
    first = _exchange(tb)
    real_filter = Exchange.objects.filter

    class Miss:
        def first(self):
            return None

    def filter_missing_first(
        *args, **kwargs
    ):  # as if the first request committed between check and insert
        if "idempotency_key" in kwargs:
            return Miss()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Exchange.objects, "filter", filter_missing_first)
    assert _exchange(tb).pk == first.pk
    with pytest.raises(ValidationError, match="autre contenu"):
        _exchange(tb, minutes=60)


def test_a_paper_cheque_number_with_another_description_is_refused(tb, world):
    values = dict(
        actor=world.coordinator,
        provider=tb.ben_person,
        receiver=tb.cleo_person,
        minutes=60,
        category=tb.garden,
        description="Potager",
        performed_on=datetime.date(2018, 3, 2),
        cheque_number="A-17",
    )
    services.enter_paper_cheque(**values)
    for key, value in (
        ("description", "Verger"),
        ("performed_on", datetime.date(2018, 3, 3)),
        ("category", tb.computing),
    ):
        with pytest.raises(
            ValidationError, match="numéro de chèque .A-17. a déjà été enregistré avec un autre"
        ):
            services.enter_paper_cheque(**{**values, key: value})
    assert Exchange.objects.count() == 1


def test_closing_locks_the_account_and_the_chest_together_in_key_order(tb, world, monkeypatch):
    chest = services.system_account(world.assoc_a, "chest")
    locks = []
    real = Account.objects.select_for_update

    def spy(*args, **kwargs):
        queryset = real(*args, **kwargs)

        class Recorder:
            def get(self, **lookup):
                locks.append([lookup["pk"]])
                return queryset.get(**lookup)

            def filter(self, **lookup):
                locks.append(sorted(lookup.get("pk__in", [])))
                return queryset.filter(**lookup)

        return Recorder()

    monkeypatch.setattr(Account.objects, "select_for_update", spy)
    services.close_account(actor=world.director, account=tb.cleo, reason="Déménagement")
    assert locks[0] == sorted([tb.cleo.pk, chest.pk])  # both at once, before anything else
    assert Account.objects.get(pk=tb.cleo.pk).balance_minutes == 0


def test_a_membership_fee_paid_in_time_cannot_be_reversed_here(tb, world):
    from coope.membership.models import Membership

    membership = Membership.objects.get(person=tb.ana_person)
    transfer = services.pay_in_time(
        actor=None,
        payer=tb.ana,
        payee_kind="association",
        association=world.assoc_a,
        minutes=120,
        item=membership,
        idempotency_key="fee",
    )
    with pytest.raises(
        ValidationError, match="cotisation d'adhésion : corrigez-la depuis les adhésions"
    ):
        services.reverse_transfer(actor=world.director, transfer=transfer, reason="Erreur")
    assert not transfer.__class__.objects.filter(reverses=transfer).exists()


def test_the_admin_refuses_a_second_limit_for_the_same_category(tb, world, client_as):
    world.director.is_staff = True
    world.director.save()
    from django_scopes import scopes_disabled

    with scopes_disabled():
        CategoryLimit.objects.create(
            cooperation=world.other_coop, kind="member", min_balance_minutes=-60
        )
    client = client_as(world.director)
    data = {
        "kind": "member",
        "min_balance_minutes": -600,
        "max_balance_minutes": "",
        "reason": "Prudence",
    }
    assert (
        client.post("/admin/timebank/categorylimit/add/", data).status_code == 302
    )  # other cooperation's: fine
    response = client.post("/admin/timebank/categorylimit/add/", {**data, "reason": "Encore"})
    assert response.status_code == 200
    assert "déjà ses limites" in response.content.decode()
    assert CategoryLimit.objects.filter(cooperation=world.coop).count() == 1


def test_a_category_limit_counts_only_the_accounts_of_its_cooperation(tb, world):
    from django_scopes import scopes_disabled

    services.set_account_limits(
        actor=world.director,
        account=tb.ana,
        min_balance_minutes=None,
        max_balance_minutes=None,
        reason="—",
    )
    services.transfer_time(
        actor=None, payer=tb.ben, payee=tb.ana, minutes=600, idempotency_key="up"
    )
    with scopes_disabled():
        limit = CategoryLimit(
            cooperation=world.other_coop,
            kind="member",
            min_balance_minutes=None,
            max_balance_minutes=1000,
        )
        limit.clean()  # Otto (900) fits; Ana (1500) is of another cooperation
        with pytest.raises(ValidationError, match="1 compte"):
            CategoryLimit(cooperation=world.coop, kind="member", max_balance_minutes=1000).clean()


def _problems():
    from django_scopes import scopes_disabled

    from coope.lib.invariants import invariants

    with scopes_disabled():
        return [p for inv in invariants() for p in inv.check()]


def test_the_check_flags_exchanges_without_their_transfer_or_with_one_too_many(tb):
    confirmed = _exchange(tb, idempotency_key="c")
    services.confirm_exchange(actor=None, exchange=confirmed)
    pending = _exchange(tb, idempotency_key="p")
    assert _problems() == []
    other = services.transfer_time(
        actor=None, payer=tb.ben, payee=tb.ana, minutes=30, idempotency_key="t"
    )
    Exchange.objects.filter(pk=pending.pk).update(transfer=other)
    Exchange.objects.filter(pk=confirmed.pk).update(minutes=60)
    found = " ".join(_problems())
    assert f"Échange n°{pending.pk} (À confirmer) : il a un virement" in found
    assert f"Échange n°{confirmed.pk} : 60 minutes, mais son virement" in found
    Exchange.objects.filter(pk=pending.pk).update(transfer=None)
    Exchange.objects.filter(pk=confirmed.pk).update(transfer=None)
    assert f"Échange n°{confirmed.pk} : confirmé, mais aucun virement" in " ".join(_problems())


def test_the_check_flags_a_closed_account_with_a_balance(tb, world):
    Account.objects.filter(pk=tb.cleo.pk).update(closed_at=tb.cleo.opened_at)
    assert f"Compte n°{tb.cleo.pk} (" in " ".join(_problems())


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="corrupts the ledger with raw SQL (PostgreSQL refuses it)"
)
def test_the_check_flags_a_reversal_of_another_cooperation_and_lists_at_most_the_limit(
    tb, world, monkeypatch
):
    from django_scopes import scopes_disabled

    from coope.timebank import invariants
    from coope.timebank.models import Transfer

    transfer = services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=30, idempotency_key="t"
    )
    reversal = services.reverse_transfer(actor=None, transfer=transfer, reason="Erreur")
    assert _problems() == []
    with scopes_disabled():
        foreign = Transfer.objects.filter(cooperation=world.other_coop).first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE timebank_transfer SET reverses_id = %s WHERE id = %s", [foreign.pk, reversal.pk]
        )
    with scopes_disabled():
        found = list(invariants.reversals_linked())
    assert any(
        f"Annulation n°{reversal.pk} : elle annule le virement n°{foreign.pk} d'une autre" in p
        for p in found
    )
    monkeypatch.setattr(invariants, "LIMIT", 1)
    with scopes_disabled():
        found = list(invariants.reversals_linked())
    assert len(found) == 2 and found[-1].startswith("… et ")
