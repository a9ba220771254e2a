"""The same form sent at the same moment from several connections (a double click, a phone that
sends again on a bad network): one record. PostgreSQL only: each thread has its own connection,
the second insert of a key waits on the unique index until the first request commits."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django_scopes import scope

from coope.cannery.tests.conftest import Kit
from coope.core.models import FormKey

from .test_double_submit import count, key_of, person, sale, visit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SENDERS = 8


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrency needs PostgreSQL: set DATABASE_URL.")


@pytest.mark.parametrize("build", [sale, visit, person], ids=["sale", "visit", "person"])
def test_eight_posts_of_one_key_at_once_record_once(world, build):
    with scope(cooperation=world.coop.pk):
        case = build(world, Kit(world))
    clients = []
    for _ in range(SENDERS):
        client = Client()
        client.force_login(case.user)
        clients.append(client)
    data = {**case.data, "once_key": key_of(clients[0], case.url)}
    before = case.records()
    barrier = threading.Barrier(SENDERS)
    answers: list[tuple[int, str]] = []

    def send(client):
        try:
            barrier.wait()
            response = client.post(case.url, data)
            answers.append((response.status_code, response.get("Location", "")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in answers) == [302] + [303] * (SENDERS - 1)
    assert len({location for _, location in answers}) == 1  # all sent to the record's page
    assert case.records() == before + 1
    assert count(FormKey) == 1
