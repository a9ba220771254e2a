"""Every import kind, fed extreme values in each column, reports the bad rows in French and
never fails: no exception escapes the import, and an import refused for its bad rows writes
nothing (issue 13).

The kinds are found, not listed (`coope.imports.registry.kinds()`): a row made of each column's
own example (the template workbook's), then one row per column and extreme value (NaN,
infinity, 1e9, 2**31, 2**63, -1, year 1 and 9999 dates, huge and NUL-byte texts), then rows
drawn by hypothesis. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coope.core.tests.bounds_site import Site, changed_tables, rows_of_every_table
from coope.imports.registry import kinds
from coope.imports.running import run_import

EXTREMES = [
    "NaN", "inf", "-Infinity", "1e9", "1e999", "-1", "2147483648", str(2**63), "99999999",
    "0001-01-01", "9999-12-31", "31/12/9999", "a\x00b", "x" * 20_000, "\U0001f600" * 50,
]  # fmt: skip


@pytest.fixture
def site(in_scope):
    return Site(in_scope)


def baseline(importer) -> dict[str, str]:
    return {column.key: column.example or "" for column in importer.columns}


def attempt(site, kind: str, rows: list[dict[str, str]], problems: list) -> None:
    before = rows_of_every_table()
    try:
        with transaction.atomic():
            report = run_import(kind, rows, actor=site.w.director, cooperation=site.w.coop)
    except Exception as error:  # an import must report, never fail
        if len(rows) > 1:  # find the rows that fail, one by one
            for row in rows:
                attempt(site, kind, [row], problems)
        else:
            problems.append((kind, {k: v[:30] for k, v in rows[0].items()}, repr(error)[:300]))
        return
    if not report.written:
        written = changed_tables(before, rows_of_every_table())
        if written:
            problems.append((kind, "refused import", written))


@pytest.mark.parametrize("kind", sorted(kinds()))
def test_no_import_kind_fails_nor_writes_half_on_extreme_values(site, kind):
    importer = kinds()[kind]
    base = baseline(importer)
    rows = [base] + [
        {**base, column.key: value} for column in importer.columns for value in EXTREMES
    ]
    problems: list = []
    attempt(site, kind, rows, problems)

    @settings(
        max_examples=5,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        st.lists(
            st.dictionaries(
                st.sampled_from([c.key for c in importer.columns]),
                st.one_of(st.sampled_from(EXTREMES), st.text(max_size=20)),
                max_size=3,
            ),
            min_size=1,
            max_size=5,
        )
    )
    def mixed(changes):
        attempt(site, kind, [{**base, **change} for change in changes], problems)

    mixed()
    assert not problems, "\n".join(map(str, problems))
