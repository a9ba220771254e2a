"""What the bad-input tests drive: a small cooperation with a record of every kind (people, a
household, memberships, an activity and its sessions, a cannery with a released lot, time
accounts with an exchange, a report with a section, a figure and a text), the site's pages
found by following links as a director would, the forms those pages hold, and the rows of
every table counted in one query.

Nothing here lists the forms or the pages: they are found in the HTML the site sends, so a new
form is fuzzed the day it is linked from a page.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django.apps import apps
from django.db import connection
from django.urls import Resolver404, resolve
from django_scopes import scopes_disabled

from coope.activities import services as activities
from coope.activities.models import Activity, Session
from coope.cannery.tests.conftest import Kit
from coope.core.models import ProjectGroup
from coope.membership import services as membership
from coope.people import services as people
from coope.reports import services as reports
from coope.timebank import services as timebank
from coope.timebank.models import Category
from coope.volunteering import services as volunteering

DAY = datetime.date(2018, 7, 12)
START = datetime.datetime(2018, 7, 12, 14, tzinfo=datetime.UTC)

# Pages not crawled: files (slow to render, no form), the admin (its own helper's), logging out.
SKIPPED_PATHS = re.compile(
    r"(\.(pdf|ics|json|csv|xlsx|ods|png)$|^/admin/|^/deconnexion/|^/static/|^/chiffres/)"
)
# Links to files by their query string (exports): slow to render, no form.
SKIPPED_QUERIES = re.compile(r"(^|&)format=")
# Forms that take the director's own access away (the fuzzing would go on logged out), and the
# login form (its throttling is tested by itself).
SKIPPED_FORMS = {
    "login",
    "logout",
    "core:role_take_back",
    "core:account_active",
    "core:password_change",
}


class Site:
    """A director of the main test cooperation, and one record of every kind to link to."""

    def __init__(self, world):
        self.w = world
        coop = world.coop
        director = world.director
        self.group = ProjectGroup.objects.create(cooperation=coop, name="Culture", slug="culture")
        self.activity = Activity.objects.create(
            cooperation=coop, title="Atelier couture", house=world.house_a, capacity=10
        )
        self.session = Session.objects.create(
            cooperation=coop,
            activity=self.activity,
            starts_at=START,
            ends_at=START + datetime.timedelta(hours=2),
            house=world.house_a,
        )
        self.ana, self.ben, self.cleo = (
            people.create_person(
                actor=director,
                cooperation=coop,
                first_name=name,
                last_name="Test",
                home_house=world.house_a,
                birth_date=datetime.date(1980, 5, 1),
            )
            for name in ("Ana", "Ben", "Cléo")
        )
        self.household = people.create_household(
            actor=director, cooperation=coop, name="Famille Test", members=[(self.ana, "referent")]
        )
        self.membership = membership.take_membership(
            actor=director,
            house=world.house_a,
            period=world.period,
            payment_method="cash",
            person=self.ana,
            fee_cents=500,
            valid_from=world.period.start,
        )
        activities.register(actor=director, session=self.session, person=self.ana)
        activities.record_attendance(actor=director, session=self.session, person=self.ben)
        volunteering.record_volunteer_hours(
            actor=director,
            people=[self.ana],
            date=DAY,
            duration_minutes=90,
            kind="activity",
            session=self.session,
        )
        people.record_visit(
            actor=director, house=world.house_a, date=DAY, reason="information", person=self.ana
        )
        self.kit = Kit(world)
        self.producer = self.kit.producer()
        self.collection = self.kit.collection(self.producer)
        self.workshop = self.kit.session()
        self.batch = self.kit.batch(self.workshop, [(self.collection, 4000)])
        self.lot = self.batch.lots.get()
        self.accounts = [
            timebank.open_account(actor=director, person=person, registered_with=world.assoc_a)
            for person in (self.ana, self.ben)
        ]
        self.category = Category.objects.create(cooperation=coop, name="Jardinage")
        self.transfer = timebank.transfer_time(
            actor=director, payer=self.ana, payee=self.ben, minutes=45, idempotency_key="site"
        )
        self.exchange = timebank.record_exchange(
            actor=director,
            provider=self.ben,
            receiver=self.ana,
            minutes=60,
            category=self.category,
            description="Taille de haie",
            performed_on=DAY,
            idempotency_key="site-exchange",
        )
        self.report = reports.create_report(
            actor=director,
            cooperation=coop,
            title="Rapport 2018",
            period_start=datetime.date(2018, 1, 1),
            period_end=datetime.date(2018, 12, 31),
        )
        self.section = reports.add_section(actor=director, report=self.report, title="Chiffres")
        reports.add_figure(
            actor=director, section=self.section, indicator_key="people.reception_visits"
        )
        reports.add_text(
            actor=director, section=self.section, kind="free", title="Mot", body="Bonjour"
        )


def rows_of_every_table() -> dict[str, int]:
    """The number of rows of every model's table, in one query (the sessions table left out:
    a request may touch it)."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
        - {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}
    )
    quote = connection.ops.quote_name
    # table names from the models, quoted: no input reaches this query
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = cursor.fetchone()
    return dict(zip(tables, counts, strict=True))


def changed_tables(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {t: (before[t], after[t]) for t in before if before[t] != after[t]}


# -- the forms in a page ----------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # the input's type: text, number, date, time, email, hidden, checkbox, radio,
    # select, select-multiple, textarea, file, password, color
    value: str = ""
    options: list[str] = field(default_factory=list)
    checked: bool = False
    required: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)

    def data(self) -> dict[str, list[str]]:
        """What a person who changes nothing would send: each field's value as shown, a
        plausible value for a required field left empty."""
        data: dict[str, list[str]] = {}
        for f in self.fields:
            if f.kind in ("checkbox", "radio"):
                if f.checked or (f.kind == "radio" and f.name not in data and f.required):
                    data.setdefault(f.name, []).append(f.value or "on")
                continue
            if f.kind in ("submit", "button", "file", "reset", "image"):
                continue
            if f.kind in ("select", "select-multiple"):
                value = f.value or next((o for o in f.options if o), "")
                data.setdefault(f.name, []).append(value)
                continue
            data.setdefault(f.name, []).append(f.value or plausible(f))
        for f in self.fields:  # a group of radios none of which is checked: the first one
            if f.kind == "radio" and f.name not in data:
                data[f.name] = [f.value]
        return data

    def fuzzable(self) -> list[Field]:
        seen: dict[str, Field] = {}
        for f in self.fields:
            if f.kind in ("submit", "button", "reset", "image", "file"):
                continue
            if f.name in ("csrfmiddlewaretoken",):
                continue
            seen.setdefault(f.name, f)
        return list(seen.values())


def plausible(f: Field) -> str:
    if f.kind == "date":
        return DAY.isoformat()
    if f.kind == "time":
        return "10:00" if "start" in f.name or "debut" in f.name else "11:00"
    if f.kind == "number":
        return "1"
    if f.kind == "email":
        return "personne@example.org"
    if f.kind == "password":
        return "un-mot-de-passe-assez-long-42"
    if f.kind == "color":
        return "#123456"
    if f.kind == "hidden":
        return ""
    return "Texte 1"


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None
        self._option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        if tag == "input" and a.get("name"):
            form.fields.append(
                Field(
                    a["name"],
                    a.get("type", "text").lower(),
                    a.get("value", ""),
                    checked="checked" in a,
                    required="required" in a,
                )
            )
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea", required="required" in a)
            form.fields.append(self._textarea)
        elif tag == "select" and a.get("name"):
            kind = "select-multiple" if "multiple" in a else "select"
            self._select = Field(a["name"], kind, required="required" in a)
            form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            self._option = value
            if value is not None:
                self._select.options.append(value)
                if "selected" in a:
                    self._select.value = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._select is not None and self._option is None and data.strip():
            pass

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None


def parse(html: str) -> tuple[list[Form], list[str]]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms, parser.links


# -- the pages --------------------------------------------------------------------------------


def url_name(path: str) -> str | None:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name


@dataclass
class Page:
    path: str
    name: str
    forms: list[Form]


def crawl(client, seeds: list[str], *, per_name: int = 1, limit: int = 400) -> dict[str, Page]:
    """Pages reachable from `seeds` by links, at most `per_name` of each URL name; keyed by
    path. Every answer must be a page, never a server error."""
    pages: dict[str, Page] = {}
    seen_names: dict[str, int] = {}
    queue = list(seeds)
    while queue and len(pages) < limit:
        path = queue.pop(0)
        parts = urlsplit(path)
        if path in pages or SKIPPED_PATHS.search(parts.path) or SKIPPED_QUERIES.search(parts.query):
            continue
        name = url_name(path)
        if name is None or seen_names.get(name, 0) >= per_name:
            continue
        seen_names[name] = seen_names.get(name, 0) + 1
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        forms, links = parse(response.content.decode())
        for form in forms:
            form.action = urljoin(path, form.action) if form.action else path
        pages[path] = Page(path, name, forms)
        for link in links:
            target = urljoin(path, link)
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return pages


def with_query(path: str, **params: str) -> str:
    parts = urlsplit(path)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(params)
    return f"{parts.path}?{urlencode(query)}"


def site_seeds() -> list[str]:
    """Every page of the site without a parameter in its path (the menu's and more)."""
    from django.urls import get_resolver

    seeds: list[str] = []

    def walk(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                walk(pattern, route)
            elif "<" not in route and "^" not in route and "(" not in route:
                seeds.append("/" + route)

    walk(get_resolver())
    return seeds


def everything_disabled():
    return scopes_disabled()
