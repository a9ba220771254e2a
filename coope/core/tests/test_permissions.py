"""What each role may see and do, and tenant isolation.

The table read here is the merged one: the core's permissions (coope/core/permissions.py) and
every installed app's declared ones (`coope = CoopeApp(permissions=...)` in its apps.py)."""

import datetime
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django_scopes import scope
from django_scopes.exceptions import ScopeError

from coope.core.models import House
from coope.core.permissions import CORE_PERMISSIONS, PERMISSIONS, Role
from coope.core.plugins import CoopeApp
from coope.membership.services import take_membership
from coope.people.models import Person
from coope.people.services import create_household, create_person

pytestmark = pytest.mark.django_db

# The expected table of the core and of the apps of today, written out again on purpose: a change
# to the rules must be deliberate. An app added later tests its own declared permissions in its
# own tests (see coope/tests_plugin): this table is checked on the permissions it names.
APPS_OF_THE_TABLE = {
    "core",
    "people",
    "membership",
    "activities",
    "volunteering",
    "timebank",
    "cannery",
    "reports",
}
EXPECTED = {
    Role.DIRECTOR: set(PERMISSIONS),
    Role.COORDINATOR: {
        "people.view",
        "people.edit",
        "membership.view",
        "membership.export_renewals",
        "data.import",
        "data.export_lists",
        "figures.view",
        "activities.view",
        "activities.manage",
        "activities.attendance",
        "volunteering.record",
        "timebank.view_accounts",
        "timebank.manage",
        "cannery.view",
        "cannery.record",
        "cannery.recall",
        "reports.view",
        "reports.edit",
    },
    Role.RECEPTION: {
        "people.view",
        "people.edit",
        "people.view_sensitive",
        "membership.view",
        "membership.take",
        "membership.export_renewals",
        "reception.record_visit",
        "data.import",
        "activities.view",
        "activities.attendance",
        "timebank.view_accounts",
    },
    Role.VOLUNTEER: {
        "people.view",
        "membership.view",
        "reception.record_visit",
        "activities.view",
        "activities.attendance",
        "cannery.view",
        "cannery.record",
    },
    Role.EVALUATOR: {
        "figures.view",
        "cannery.view",
        "reports.view",
        "reports.edit",
    },
}


def test_the_table_is_the_cores_and_every_apps_declared_permissions():
    declared = {
        permission
        for config in apps.get_app_configs()
        if isinstance(getattr(config, "coope", None), CoopeApp)
        for permission in config.coope.permissions
    }
    assert set(PERMISSIONS) == set(CORE_PERMISSIONS) | declared
    # Each app declares its own: the cannery's permissions come from the cannery's apps.py.
    assert set(apps.get_app_config("cannery").coope.permissions) == {
        "cannery.view",
        "cannery.record",
        "cannery.recall",
    }


@pytest.mark.parametrize("role", list(Role))
def test_each_role_holds_exactly_its_permissions(world, role):
    user = {
        Role.DIRECTOR: world.director,
        Role.COORDINATOR: world.coordinator,
        Role.RECEPTION: world.alice,
        Role.VOLUNTEER: world.volunteer,
        Role.EVALUATOR: world.evaluator,
    }[role]
    named = set(CORE_PERMISSIONS) | {
        permission
        for config in apps.get_app_configs()
        if config.label in APPS_OF_THE_TABLE
        for permission in config.coope.permissions
    }
    held = {permission for permission in PERMISSIONS if user.has_coope_perm(permission)}
    if role == Role.DIRECTOR:
        assert held == EXPECTED[role]  # the direction holds every permission, an app's too
    else:
        assert held & named == EXPECTED[role]


def test_association_bound_permission_holds_only_in_ones_association(world):
    assert world.alice.has_coope_perm("membership.take", world.assoc_a)
    assert not world.alice.has_coope_perm("membership.take", world.assoc_b)
    assert world.bob.has_coope_perm("membership.take", world.assoc_b)


def test_a_tenant_query_without_scope_fails(world):
    with pytest.raises(ScopeError):
        list(Person.objects.all())
    with pytest.raises(ScopeError):
        House.objects.count()


def test_a_scope_shows_only_its_cooperation(world):
    with scope(cooperation=world.coop.pk):
        assert set(House.objects.values_list("pk", flat=True)) == {
            world.house_a.pk,
            world.house_b.pk,
        }


@pytest.fixture
def objects(world):
    with scope(cooperation=world.coop.pk):
        person = create_person(
            actor=world.alice, cooperation=world.coop, first_name="Amina", last_name="Diallo"
        )
        household = create_household(
            actor=world.alice,
            cooperation=world.coop,
            name="Famille Diallo",
            members=[(person, "referent")],
        )
        membership = take_membership(
            actor=world.alice,
            house=world.house_a,
            period=world.period,
            person=person,
            payment_method="cash",
            valid_from=datetime.date(2018, 1, 2),
        )
    return {"person": person, "household": household, "membership": membership}


OBJECT_URLS = [
    ("people:person", "person"),
    ("people:person_edit", "person"),
    ("people:household", "household"),
    ("membership:done", "membership"),
    ("membership:card_pdf", "membership"),
    ("privacy:consents", "person"),
    ("privacy:export_json", "person"),
    ("privacy:export_pdf", "person"),
    ("privacy:anonymise", "person"),
    ("privacy:audit", "person"),
]


@pytest.mark.parametrize(("name", "kind"), OBJECT_URLS)
def test_staff_of_another_cooperation_get_404_on_every_object(
    world, objects, client_as, name, kind
):
    url = reverse(name, args=[objects[kind].pk])
    outsider = client_as(world.charlie)
    # Give the outsider every role in their own cooperation: still not found.
    from coope.core.models import StaffRole

    for role in Role:
        StaffRole.objects.get_or_create(
            cooperation=world.other_coop,
            user=world.charlie,
            association=world.other_assoc,
            role=role,
        )
    assert outsider.get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("people:person", "person"),
        ("people:household", "household"),
        ("membership:done", "membership"),
        ("membership:card_pdf", "membership"),
    ],
)
def test_staff_of_another_association_of_the_same_cooperation_see_shared_members(
    world, objects, client_as, name, kind
):
    assert client_as(world.bob).get(reverse(name, args=[objects[kind].pk])).status_code == 200


@pytest.mark.parametrize(
    ("user_name", "url_name", "expected"),
    [
        ("evaluator", "people:desk", 403),
        ("evaluator", "membership:check_card", 403),
        ("volunteer", "people:desk", 200),
        ("volunteer", "people:person_create", 403),
        ("volunteer", "membership:renewals", 200),
        ("coordinator", "people:person_create", 200),
        ("coordinator", "membership:take", 403),
        ("alice", "people:person_create", 200),
    ],
)
def test_views_answer_by_role(world, client_as, user_name, url_name, expected):
    assert client_as(getattr(world, user_name)).get(reverse(url_name)).status_code == expected


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(reverse("people:desk"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_director_edits_accounts_without_platform_switches_and_links_an_inhabitant(
    world, client_as
):
    with scope(cooperation=world.coop.pk):
        person = create_person(
            actor=world.alice, cooperation=world.coop, first_name="Inès", last_name="Habitante"
        )
    world.director.is_staff = True  # as the demo and the admin itself set it for directors
    world.director.save()
    client = client_as(world.director)
    url = reverse("admin:core_user_change", args=[world.volunteer.pk])
    page = client.get(url).content.decode()
    assert 'name="person"' in page
    assert (
        'name="is_superuser"' not in page
        and 'name="is_staff"' not in page
        and 'name="groups"' not in page
    )
    response = client.post(
        url,
        {
            "username": "benevole",
            "first_name": "",
            "last_name": "",
            "email": "",
            "person": person.pk,
            "is_active": "on",
            "staff_roles-TOTAL_FORMS": "0",
            "staff_roles-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    world.volunteer.refresh_from_db()
    assert world.volunteer.person_id == person.pk
    assert not world.volunteer.is_superuser and not world.volunteer.is_staff
    # Another cooperation's accounts are not in reach.
    assert client.get(reverse("admin:core_user_change", args=[world.charlie.pk])).status_code in (
        302,
        404,
    )


@pytest.mark.parametrize("role", ["director", "coordinator", "alice", "volunteer", "evaluator"])
def test_every_menu_link_a_role_sees_opens_for_it(world, client_as, role):
    """No menu entry leads to a refusal: the evaluation officer, who sees no one, is offered
    no « Données » page of lists of people."""
    user = getattr(world, role)
    client = client_as(user)
    page = client.get("/", follow=True).content.decode()
    [menu] = re.findall(r'<nav id="main-menu"[^>]*>(.*?)</nav>', page, re.S)
    hrefs = re.findall(r'href="(/[^"]*)"', menu)
    assert hrefs
    for href in hrefs:
        status = client.get(href).status_code
        assert status in (200, 302), (role, href, status)
    if role == "evaluator":
        assert "/donnees/" not in hrefs
