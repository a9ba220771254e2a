"""Double submits record once (issue 13, item 6): every create form carries a one-time key
(`{% once %}`, `coope.core.once`). The tester's cases: 10 identical POSTs gave 10 euro sales,
10 jar gifts, 10 visits, 10 collections, 10 volunteer-hour rows and 5 people. Each is sent 10
times here with the key read from the form page, on SQLite and on PostgreSQL."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django_scopes import scopes_disabled

from coope.cannery.models import Collection, Movement
from coope.cannery.tests.conftest import Kit
from coope.core import once
from coope.core.models import FormKey, ProjectGroup
from coope.people.models import Person, ReceptionVisit
from coope.volunteering.models import VolunteerHours

pytestmark = pytest.mark.django_db

SENT = 10
ALREADY = "Déjà enregistré : ce formulaire avait déjà été envoyé."
KEY_INPUT = re.compile(r'<input type="hidden" name="once_key" value="([A-Za-z0-9_-]+)">')


def key_of(client, url) -> str:
    """The one-time key of the form the page shows (the first one)."""
    page = client.get(url)
    assert page.status_code == 200
    keys = KEY_INPUT.findall(page.content.decode())
    assert keys, f"no one-time key on {url}"
    return keys[0]


def count(model, **filters) -> int:
    with scopes_disabled():
        return model.objects.filter(**filters).count()


class Case:
    def __init__(self, user, url, data, model, **filters):
        self.user, self.url, self.data, self.model, self.filters = user, url, data, model, filters

    def records(self) -> int:
        return count(self.model, **self.filters)


def sale(w, kit):
    lot = kit.batch(kit.session(), [(kit.collection(kit.producer()), 5_000)]).lots.get()
    return Case(
        w.coordinator,
        reverse("cannery:lot_move", args=[lot.pk, "sell_euros"]),
        {"jars": "1", "location": kit.van.pk, "price_euros": "4,50", "buyer": "Mme Martin"},
        Movement,
        kind="sold_euros",
    )


def gift(w, kit):
    lot = kit.batch(kit.session(), [(kit.collection(kit.producer()), 5_000)]).lots.get()
    return Case(
        w.coordinator,
        reverse("cannery:lot_move", args=[lot.pk, "give"]),
        {"jars": "1", "location": kit.van.pk},
        Movement,
        kind="given",
    )


def visit(w, kit):
    return Case(
        w.alice,
        reverse("people:visit_create"),
        {"house": w.house_a.pk, "date": "2018-05-02", "reason": "information"},
        ReceptionVisit,
    )


def collection(w, kit):
    return Case(
        w.coordinator,
        reverse("cannery:collection_create"),
        {
            "producer": kit.producer().pk,
            "date": "2018-07-12",
            "produce": "abricots",
            "weight_kilos": "12,5",
            "acquisition": "bought",
            "price_euros": "10",
            "quality": "downgraded",
        },
        Collection,
    )


def volunteer_hours(w, kit):
    ana = Person.objects.create(cooperation=w.coop, first_name="Ana", last_name="Lopes")
    return Case(
        w.coordinator,
        reverse("activities:volunteer_hours"),
        {"date": "2018-03-05", "hours": "1", "minutes": "30", "kind": "activity", "people": ana.pk},
        VolunteerHours,
    )


def person(w, kit):
    Person.objects.create(
        cooperation=w.coop,
        first_name="Élodie",
        last_name="Dupont",
        birth_date=datetime.date(1990, 4, 1),
    )
    return Case(
        w.alice,
        reverse("people:person_create"),
        {
            "first_name": "Élodie",
            "last_name": "Dupont",
            "birth_date": "1990-04-01",
            "sex": "F",
            "confirm_not_duplicate": "on",  # past the duplicate check: the tester's 5 people
        },
        Person,
        first_name="Élodie",
    )


CASES = [sale, gift, visit, collection, volunteer_hours, person]


@pytest.fixture(params=CASES, ids=[case.__name__ for case in CASES])
def case(request, in_scope) -> Case:
    return request.param(in_scope, Kit(in_scope))


def test_the_middleware_is_installed_after_sessions_auth_messages_and_csrf():
    middleware = settings.MIDDLEWARE
    assert "coope.core.middleware.OnceMiddleware" in middleware
    position = middleware.index("coope.core.middleware.OnceMiddleware")
    for before in (
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ):
        assert middleware.index(before) < position, before


def test_ten_identical_posts_record_once(client, case):
    client.force_login(case.user)
    before = case.records()
    data = {**case.data, "once_key": key_of(client, case.url)}
    responses = [client.post(case.url, data) for _ in range(SENT)]
    assert responses[0].status_code == 302, responses[0].content.decode()[:2000]
    assert case.records() == before + 1
    for again in responses[1:]:
        assert again.status_code == 303
        assert again["Location"] == responses[0]["Location"]
    assert ALREADY in [str(m) for m in get_messages(responses[-1].wsgi_request)]
    page = client.get(responses[-1]["Location"])
    assert ALREADY in page.content.decode()


def test_without_the_key_each_post_records_as_before(client, in_scope):
    """The key is what makes the difference: the same POSTs without it record each time (so
    the test above would see 10 records if the key did nothing)."""
    case = visit(in_scope, None)
    client.force_login(case.user)
    for _ in range(3):
        assert client.post(case.url, case.data).status_code == 302
    assert case.records() == 3


def test_a_form_with_errors_is_sent_again_corrected_with_the_same_key_and_records_once(
    client, in_scope
):
    case = visit(in_scope, None)
    client.force_login(case.user)
    key = key_of(client, case.url)
    wrong = client.post(case.url, {**case.data, "date": "", "once_key": key})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert case.records() == 0 and count(FormKey) == 0  # the key was freed
    # The form shown again carries the same key, so the corrected form sent twice records once.
    assert KEY_INPUT.findall(wrong.content.decode()) == [key]
    first = client.post(case.url, {**case.data, "once_key": key})
    second = client.post(case.url, {**case.data, "once_key": key})
    assert (first.status_code, second.status_code) == (302, 303)
    assert case.records() == 1


def test_each_page_shown_carries_a_new_key(client, in_scope):
    case = visit(in_scope, None)
    client.force_login(case.user)
    keys = {key_of(client, case.url) for _ in range(3)}
    assert len(keys) == 3
    for key in keys:
        assert client.post(case.url, {**case.data, "once_key": key}).status_code == 302
    assert case.records() == 3


def test_a_key_belongs_to_its_account(in_scope):
    """Someone else's used key does not send them to the other's page: keys are per account."""
    case = visit(in_scope, None)
    key = key_of(client_for(in_scope.alice), case.url)
    sent = {**case.data, "once_key": key}
    assert client_for(in_scope.alice).post(case.url, sent).status_code == 302
    bob = client_for(in_scope.bob).post(case.url, {**sent, "house": in_scope.house_b.pk})
    assert bob.status_code == 302 and bob["Location"] == reverse("people:desk")
    assert case.records() == 2 and count(FormKey) == 2


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("key", ["short", "x" * 65, "a b c d e f g h i j", "é" * 20, "\x00" * 20])
def test_a_malformed_key_is_refused_with_a_message_and_writes_nothing(client, in_scope, key):
    case = visit(in_scope, None)
    client.force_login(case.user)
    response = client.post(case.url, {**case.data, "once_key": key})
    assert response.status_code == 400
    assert "rechargez la page" in response.content.decode()
    assert case.records() == 0 and count(FormKey) == 0


def _request(user):
    request = RequestFactory().post("/", {"once_key": once.new_key()})
    request.user = user
    return request


def test_a_view_that_fails_frees_the_key_and_leaves_nothing(world):
    request, key = _request(world.director), once.new_key()

    def failing() -> HttpResponse:
        ProjectGroup.objects.create(cooperation=world.coop, name="Culture", slug="culture")
        raise RuntimeError("the view failed")

    with scopes_disabled(), pytest.raises(RuntimeError):
        once.run_once(request, owner="user:1", key=key, view=failing)
    assert count(ProjectGroup) == 0 and count(FormKey) == 0

    def working() -> HttpResponse:
        ProjectGroup.objects.create(cooperation=world.coop, name="Culture", slug="culture")
        return HttpResponse(status=302, headers={"Location": "/groupes/"})

    with scopes_disabled():
        assert once.run_once(request, owner="user:1", key=key, view=working).status_code == 302
    assert count(ProjectGroup) == 1
    with scopes_disabled():
        assert FormKey.objects.get().location == "/groupes/"


def test_a_view_that_answers_the_page_again_keeps_its_writes_and_frees_the_key(world):
    """A page answered without a redirect (an htmx fragment, a form with errors) is the view's
    answer: what it wrote stays, the key may be sent again."""
    request, key = _request(world.director), once.new_key()

    def answering() -> HttpResponse:
        ProjectGroup.objects.create(
            cooperation=world.coop, name="Culture", slug=f"c{count(ProjectGroup)}"
        )
        return HttpResponse("fragment")

    with scopes_disabled():
        for _ in range(2):
            assert (
                once.run_once(request, owner="user:1", key=key, view=answering).status_code == 200
            )
    assert count(ProjectGroup) == 2 and count(FormKey) == 0


def test_keys_used_more_than_a_day_ago_are_deleted_by_the_next_claim(world):
    request = _request(world.director)

    def recorded() -> HttpResponse:
        return HttpResponse(status=302, headers={"Location": "/"})

    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC), tick=False):
        once.run_once(request, owner="user:1", key=once.new_key(), view=recorded)
        once.run_once(request, owner="user:2", key=once.new_key(), view=recorded)
    with time_machine.travel(datetime.datetime(2026, 3, 2, 8, tzinfo=datetime.UTC), tick=False):
        once.run_once(request, owner="user:1", key=once.new_key(), view=recorded)
        assert count(FormKey) == 3  # 23 hours: still kept
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC), tick=False):
        once.run_once(request, owner="user:3", key=once.new_key(), view=recorded)
        with scopes_disabled():
            kept = sorted(FormKey.objects.values_list("owner", flat=True))
    assert kept == ["user:1", "user:3"]  # both of the first day's are gone, whoever's they were


def test_a_get_and_a_post_without_key_do_not_touch_the_keys(client, in_scope):
    case = visit(in_scope, None)
    client.force_login(case.user)
    key_of(client, case.url)
    client.post(case.url, case.data)
    assert count(FormKey) == 0


def test_the_owner_is_the_account_else_the_anonymous_session_else_none(world, rf):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.post("/", {"once_key": once.new_key()})
    request.user = world.alice
    assert once.owner_of(request) == f"user:{world.alice.pk}"
    request.user = AnonymousUser()
    request.session = SessionStore()
    assert once.owner_of(request) is None  # no session yet: nothing to tie the key to
    request.session.create()
    assert once.owner_of(request) == f"session:{request.session.session_key}"
