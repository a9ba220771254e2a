"""What the query-count tests of the front-desk pages share: the bound, a page's queries, a
membership built as it is stored, and whether a query is served by an index."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from coope.membership.models import Membership

MAX_QUERIES = 12


def page_queries(client, url, **params):
    """How many queries the page answered in, and the page."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), response


def make_membership(w, card_number: str, until, *, person=None, household=None, days=364):
    """A stored membership of the test cooperation ending on `until` (the rows a query reads,
    without the take service's checks: two of one holder may overlap)."""
    return Membership.objects.create(
        cooperation=w.coop,
        period=w.period,
        person=person,
        household=household,
        house=w.house_a if sum(map(ord, card_number)) % 2 else w.house_b,
        card_number=card_number,
        fee_cents=500,
        payment_method="cash",
        valid_from=until - datetime.timedelta(days=days),
        valid_until=until,
    )


def plan(queryset) -> str:
    """The database's plan; on PostgreSQL with sequential scans priced out, so that a plan with
    one means no index can serve the query (a table of a few rows is otherwise scanned)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")
        try:
            return queryset.explain()
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("RESET enable_seqscan")


def assert_index_served(queryset, table: str = "membership_membership"):
    found = plan(queryset)
    if connection.vendor == "postgresql":
        assert f"Seq Scan on {table}" not in found, found
    else:
        full_scans = [line for line in found.splitlines() if f"SCAN {table}" in line]
        assert not full_scans, found
