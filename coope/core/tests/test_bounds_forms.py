"""Every form of the site, fed extreme values, answers with a page (never a server error), and a
refusal writes nothing.

The forms are found, not listed: the pages a director reaches by following links from every
page of the site (bounds_site.crawl), and each form in them. Each field is sent, one at a time,
the values a tester would try for its kind (1e9, infinity, 2**31, 2**63, year 1 and 9999 dates,
huge and NUL-byte texts, ids of nothing), then hypothesis mixes them with others (NaN, -1,
unicode...). The rows of every table are counted before and after each refused post: a refusal
that leaves a row behind fails. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coope.core.tests.bounds_site import (
    SKIPPED_FORMS,
    Site,
    changed_tables,
    crawl,
    rows_of_every_table,
    site_seeds,
    url_name,
)

# One pass: the values most likely to break a kind of field.
SWEEP = {
    "number": [str(2**63)],
    "date": ["9999-12-31"],
    "select": [str(2**63)],
    "hidden": [str(2**63)],
    "textarea": ["a\x00b"],
    "text": ["inf", "1e9"],
}
# Then mixed by hypothesis, several fields at once.
MORE = [
    "NaN", "-Infinity", "0001-01-01", "2147483648", "x" * 20_000, "a\x00b", "1e999", "-1", "0", "99999999", "999999999999.999", "0,001",
    "12 345 678,9", "1899-12-31", "2101-01-01", "2018-02-30", "24:00", "abc", "",
    "\U0001f600" * 300, "'; DROP TABLE x; --",
]  # fmt: skip


def sweep(kind: str) -> list[str]:
    if kind in ("checkbox", "radio", "select-multiple"):
        return SWEEP["select"][:1]
    return SWEEP.get(kind, SWEEP["text"])


# Swept one by one; choices are left to the mixes (an id of nothing is refused by the lookup).
SWEPT_KINDS = {"number", "date", "text", "textarea", "hidden", "email", "time"}


@pytest.fixture
def site(in_scope, client):
    site = Site(in_scope)
    client.force_login(in_scope.director)
    site.client = client
    return site


def detail_pages(site) -> list[str]:
    """Pages with an id in their address, where the crawl starts besides the site's own."""
    return [
        reverse("people:person", args=[site.ana.pk]),
        reverse("people:household", args=[site.household.pk]),
        reverse("activities:detail", args=[site.activity.pk]),
        reverse("activities:session", args=[site.session.pk]),
        reverse("cannery:lot", args=[site.lot.pk]),
        reverse("cannery:batch", args=[site.batch.pk]),
        reverse("reports:detail", args=[site.report.pk]),
        reverse("timebank:account", args=[site.accounts[0].pk]),
        reverse("membership:done", args=[site.membership.pk]),
        reverse("membership:take") + f"?personne={site.cleo.pk}",
        reverse("people:person_create") + f"?foyer={site.household.pk}&lien=child",
    ]


def post_forms(site):
    pages = crawl(site.client, [*detail_pages(site), *site_seeds()])
    found = {}
    for page in pages.values():
        for form in page.forms:
            name = url_name(form.action)
            if form.method != "post" or name is None or name in SKIPPED_FORMS:
                continue
            found.setdefault(name, form)  # one form per address: the time stays bounded
    return list(found.values())


class Problems(list):
    def send(self, site, form, data) -> None:
        """Post `data`: a server error, or a refusal that wrote rows, is a problem."""
        before = rows_of_every_table()
        try:
            with transaction.atomic():
                response = site.client.post(form.action, data)
        except Exception as error:  # the test client re-raises what the view raised
            self.append((form.action, _short(data), f"500: {error!r}"[:300]))
            return
        if response.status_code >= 500:
            self.append((form.action, _short(data), f"answer {response.status_code}"))
            return
        if response.status_code in (301, 302, 303):
            return
        written = changed_tables(before, rows_of_every_table())
        if written:
            self.append(
                (form.action, _short(data), f"refused ({response.status_code}), wrote {written}")
            )


def _short(data: dict) -> dict:
    return {
        k: [v if len(v) < 40 else v[:20] + f"...({len(v)})" for v in vs]
        for k, vs in data.items()
        if k != "once_key"
    }


def mixed(site, form, fields, problems) -> None:
    """A few posts with several fields at once extreme, drawn by hypothesis."""

    @settings(
        max_examples=2,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.data())
    def run(draw):
        data = form.data()
        chosen = draw.draw(
            st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique_by=lambda f: f.name)
        )
        for f in chosen:
            value = st.one_of(st.sampled_from(sweep(f.kind) + MORE), st.text(max_size=30))
            data[f.name] = [draw.draw(value)]
        problems.send(site, form, data)

    run()


def test_no_form_answers_500_nor_writes_half_on_extreme_values(site):
    forms = post_forms(site)
    names = {url_name(form.action) for form in forms}
    # the crawl reached the forms of every app (a broken crawl would prove nothing)
    for expected in (
        "people:person_create",
        "activities:create",
        "cannery:batch_create",
        "reports:section_add",
        "timebank:cheque",
        "membership:take",
        "core:house_new",
    ):
        assert expected in names, (expected, sorted(names))
    problems = Problems()
    for form in forms:
        fields = form.fuzzable()
        for field in fields:
            if field.kind not in SWEPT_KINDS:
                continue
            for value in sweep(field.kind):
                data = form.data()
                data[field.name] = [value]
                problems.send(site, form, data)
        if not fields:
            continue

        mixed(site, form, fields, problems)
    assert not problems, "\n".join(map(str, problems))
