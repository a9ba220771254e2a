"""Query strings never answer a server error: every page a director reaches, asked with extreme
values in the parameters it reads (page numbers, dates, ids, filters), answers a page, a 404 or
a 400 (issue 13).

The parameters are found, not listed: those of the page's own GET forms (filters, searches) and
those its view reads (`request.GET.get("...")` in its source), and `page`.
"""

from __future__ import annotations

import inspect
import re

import pytest
from django.urls import resolve

from coope.core.tests.bounds_site import Site, crawl, site_seeds, with_query
from coope.core.tests.test_bounds_forms import detail_pages

VALUES = ["0001-01-01", "9999-12-31", str(2**63), "-1", "a\x00b", "x" * 3000, "NaN"]
READ = re.compile(
    r"""request\.GET(?:\.get|\.getlist)?\(\s*["'](\w+)["']|request\.GET\[["'](\w+)["']"""
)


@pytest.fixture
def site(in_scope, client):
    site = Site(in_scope)
    client.force_login(in_scope.director)
    site.client = client
    return site


def parameters(page) -> set[str]:
    names = {"page"}
    for form in page.forms:
        if form.method == "get":
            names |= {f.name for f in form.fields if f.kind not in ("submit", "button")}
    try:
        source = inspect.getsource(inspect.unwrap(resolve(page.path.split("?")[0]).func))
    except (OSError, TypeError):
        source = ""
    names |= {a or b for a, b in READ.findall(source)}
    return names - {"format", "csrfmiddlewaretoken"}  # files are their own tests


def test_no_query_string_answers_500(site):
    pages = crawl(site.client, [*detail_pages(site), *site_seeds()])
    assert len(pages) > 30, sorted(pages)
    problems = []
    for page in pages.values():
        for name in sorted(parameters(page)):
            for value in VALUES:
                path = with_query(page.path, **{name: value})
                try:
                    status = site.client.get(path).status_code
                except Exception as error:  # the test client re-raises what the view raised
                    problems.append((path[:120], repr(error)[:200]))
                    continue
                if status >= 500:
                    problems.append((path[:120], status))
    assert not problems, "\n".join(map(str, problems))
