"""The key-figures page keeps the figures of a period while nothing they count is written
(coope.core.kept): a write through any programme's service shows at once, a view with nothing
written reads no figure again."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from coope.activities import services as activities
from coope.cannery.tests.conftest import Kit
from coope.lib.indicators import compute_figures
from coope.lib.periods import Period
from coope.membership.services import take_membership
from coope.people.services import create_person, record_visit
from coope.timebank import services as timebank
from coope.timebank.tests.conftest import make_member

YEAR = {"du": "2018-01-01", "au": "2018-12-31"}
PERIOD = Period(datetime.date(2018, 1, 1), datetime.date(2018, 12, 31))


def _page(client) -> tuple[dict, dict, int]:
    """The figures the page shows (this year's, the year before's) and its number of queries."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("figures"), YEAR)
    assert response.status_code == 200
    groups = response.context["groups"]
    shown = {f.indicator.key: f.value for g in groups for f in g.figures}
    before = {key: f.value for g in groups for key, f in g.previous.items()}
    return shown, before, len(queries)


def _fresh(coop) -> tuple[dict, dict]:
    return compute_figures(coop, PERIOD), compute_figures(coop, PERIOD.earlier())


def test_a_view_with_nothing_written_reads_no_figure_again(year, client_as):
    client = client_as(year.coordinator)
    shown, before, cold = _page(client)
    assert (shown, before) == _fresh(year.coop)
    again, again_before, warm = _page(client)
    assert (again, again_before) == (shown, before)
    # The figures of two years take hundreds of queries; kept, the page reads its user, their
    # roles, the stamp, and nothing of the records.
    assert cold > 100
    assert warm <= 12
    _, _, warm_default = _page(client)
    assert warm_default == warm


def _write_visit(w):
    person = create_person(
        actor=w.alice,
        cooperation=w.coop,
        first_name="Dora",
        last_name="Neuve",
        home_house=w.house_a,
    )
    record_visit(
        actor=w.alice,
        house=w.house_a,
        date=datetime.date(2018, 9, 9),
        reason="information",
        person=person,
    )
    return "people."


def _write_membership(w):
    take_membership(
        actor=w.alice,
        house=w.house_b,
        period=w.period,
        person=w.ben,
        payment_method="cash",
        valid_from=datetime.date(2018, 9, 1),
    )
    return "membership."


def _write_attendance(w):
    activities.record_attendance(actor=w.alice, session=w.june, person=w.chloe)
    return "activities."


def _write_transfer(w):
    payer, payee = make_member(w, "Payeuse"), make_member(w, "Receveur")
    accounts = [
        timebank.open_account(
            actor=w.director,
            person=person,
            opened_at=datetime.datetime(2018, 2, 1, 10, tzinfo=datetime.UTC),
        )
        for person in (payer, payee)
    ]
    timebank.transfer_time(
        actor=w.director,
        payer=accounts[0],
        payee=accounts[1],
        minutes=90,
        idempotency_key="kept-figures-1",
        created_at=datetime.datetime(2018, 10, 1, 10, tzinfo=datetime.UTC),
    )
    return "timebank."


def _write_cannery_lot(w):
    kit = Kit(w)
    producer = kit.producer()
    kit.batch(kit.session(), [(kit.collection(producer), 8_000)])
    return "cannery."


@pytest.mark.parametrize(
    "write",
    [_write_visit, _write_membership, _write_attendance, _write_transfer, _write_cannery_lot],
    ids=["person-visit", "membership", "attendance", "timebank-transfer", "cannery-lot"],
)
def test_a_write_through_a_service_shows_at_once(year, client_as, write):
    client = client_as(year.coordinator)
    shown, _, _ = _page(client)
    programme = write(year)
    after, after_before, _ = _page(client)
    assert (after, after_before) == _fresh(year.coop)
    # The write moved a figure of its programme in 2018, and the page says so at once.
    moved = {key for key in after if after[key] != shown[key]}
    assert any(key.startswith(programme) for key in moved), moved


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite writes one at a time")
@pytest.mark.django_db(transaction=True)
def test_a_write_committed_after_a_later_one_shows_too(year, client_as):
    """On PostgreSQL a transaction may commit an audit entry with a smaller id than the latest
    one seen: the figures kept meanwhile are not served once it has committed."""
    client = client_as(year.coordinator)
    shown, _, _ = _page(client)
    holding, release = threading.Event(), threading.Event()

    def slow_membership():
        try:
            with scope(cooperation=year.coop.pk), transaction.atomic():
                _write_membership(year)  # its audit entry takes the next id, uncommitted
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    slow = threading.Thread(target=slow_membership)
    slow.start()
    assert holding.wait(30)
    _write_attendance(year)  # a later id, committed first
    meanwhile, _, _ = _page(client)  # kept at the attendance's entry, the membership unseen
    assert meanwhile["membership.members"] == shown["membership.members"]
    release.set()
    slow.join(30)
    after, after_before, _ = _page(client)
    assert (after, after_before) == _fresh(year.coop)
    assert after["membership.members"] != shown["membership.members"]
