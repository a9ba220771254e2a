"""The stamp of kept figures (the cooperation's latest change in the audit log) is read from an
index, whatever the length of the log: no sort of the cooperation's entries."""

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from coope.core.exports import EXPORT
from coope.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_latest_change_comes_from_its_index(world):
    with scopes_disabled():
        query = (
            AuditEntry.objects.filter(cooperation_id=world.coop.pk)
            .exclude(action=EXPORT)
            .order_by("-id")
            .values_list("id", "at")[:1]
        )
    with connection.cursor() as cursor, scopes_disabled():
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")
        try:
            plan = query.explain()
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("RESET enable_seqscan")
    assert "auditentry_latest_change" in plan, plan
    assert "SORT" not in plan.upper(), plan
