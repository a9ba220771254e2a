"""What the query-count tests of the front-desk pages share: the bound, a page's queries, a
membership built as it is stored, and whether a query is served by an index."""

import datetime
import re

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
    """Every read of `table` goes through an index: no full scan; on PostgreSQL, an index
    looked up by a holder or key, not walked through with a filter."""
    found = plan(queryset)
    if connection.vendor == "postgresql":
        nodes = re.split(r"\n\s*->", found)
        reads = [node for node in nodes if f" on {table}" in node.splitlines()[0]]
        assert reads, found
        for node in reads:
            head = node.splitlines()[0]
            assert "Seq Scan" not in head, found
            if "Bitmap Heap Scan" not in head:
                assert "Index Cond" in node and re.search(r"Index Cond: .*\w+_id = ", node), found
    else:
        reads = [line for line in found.splitlines() if f" {table} " in f"{line} "]
        assert reads, found
        # SQLite may walk a few rows of a cooperation's index on a test table this small; at
        # 100,000 people it takes the holder's indexes (the figures in the report).
        for line in reads:
            assert "SEARCH" in line and "USING" in line, found
