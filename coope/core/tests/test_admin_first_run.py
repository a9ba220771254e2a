"""The Django admin, as a platform administrator (a superuser of no cooperation) and as a director
who is not a superuser: the add forms ask for the cooperation or take the director's, no error
page, the inlines a director needs, duplicates said on the form."""

import html

import pytest
from django_scopes import scope, scopes_disabled

from coope.core.models import (
    Agreement,
    Association,
    AuditEntry,
    House,
    StaffRole,
    User,
)
from coope.timebank import services as timebank
from coope.timebank.models import CategoryLimit, TimebankRules

pytestmark = pytest.mark.django_db

ADD_PAGES = [
    "/admin/core/association/add/",
    "/admin/core/house/add/",
    "/admin/core/projectgroup/add/",
    "/admin/core/user/add/",
    "/admin/timebank/timebankrules/add/",
    "/admin/timebank/categorylimit/add/",
]
HOUSE = {
    "name": "Maison C",
    "short_name": "C",
    "address": "3 rue C",
    "postcode": "26100",
    "city": "Romans-sur-Isère",
    "colour": "#123456",
    "agreements-TOTAL_FORMS": "1",
    "agreements-INITIAL_FORMS": "0",
    "agreements-0-kind": "evs",
    "agreements-0-since": "2017-09-01",
}


def text(response) -> str:
    return html.unescape(response.content.decode())


def no_roles(prefix="staff_roles") -> dict:
    return {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}


@pytest.fixture
def platform(db):
    return User.objects.create_superuser("plateforme", "ops@example.org", "ops-pass-4521")


def test_a_platform_administrator_is_asked_the_cooperation(world, platform, client_as):
    client = client_as(platform)
    for url in ADD_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "cooperation" in response.context["adminform"].form.fields, url
    # Without it: a form error, not an error page.
    response = client.post("/admin/core/association/add/", {"name": "Association C"})
    assert response.status_code == 200
    assert "Ce champ est obligatoire" in text(response)
    response = client.post(
        "/admin/core/association/add/", {"name": "Association C", "cooperation": world.coop.pk}
    )
    assert response.status_code == 302
    with scopes_disabled():
        added = Association.objects.get(name="Association C")
        assert added.cooperation == world.coop
        assert AuditEntry.objects.filter(model="core.association", object_id=str(added.pk))
    # A name already used in that cooperation is said on the field.
    response = client.post(
        "/admin/core/association/add/", {"name": "Association C", "cooperation": world.coop.pk}
    )
    assert response.status_code == 200
    assert "« Association C » est déjà utilisé dans la coopération" in text(response)
    response = client.post(
        "/admin/core/projectgroup/add/",
        {"name": "Culture", "slug": "culture", "cooperation": world.coop.pk},
    )
    assert response.status_code == 302
    response = client.post(
        "/admin/core/projectgroup/add/",
        {"name": "Culture bis", "slug": "culture", "cooperation": world.coop.pk},
    )
    assert response.status_code == 200 and "« culture » est déjà utilisé" in text(response)


def test_a_platform_administrator_adds_a_house_with_its_agreement(world, platform, client_as):
    client = client_as(platform)
    # an association of another cooperation: refused
    response = client.post(
        "/admin/core/house/add/",
        {**HOUSE, "cooperation": world.coop.pk, "association": world.other_assoc.pk},
    )
    assert response.status_code == 200
    assert "Cette association n'est pas de la coopération de la maison" in text(response)
    response = client.post(
        "/admin/core/house/add/",
        {**HOUSE, "cooperation": world.coop.pk, "association": world.assoc_a.pk},
    )
    assert response.status_code == 302
    with scopes_disabled():
        house = House.objects.get(name="Maison C")
        agreement = Agreement.objects.get(house=house)
    assert house.cooperation == world.coop and agreement.cooperation == world.coop


def test_a_platform_administrator_creates_a_cooperation_s_first_director(
    world, platform, client_as
):
    client = client_as(platform)
    page = client.get("/admin/core/user/add/")
    assert "cooperation" in page.context["adminform"].form.fields
    data = {
        "username": "nadia",
        "usable_password": "true",
        "password1": "jardin-partage-26",
        "password2": "jardin-partage-26",
        "cooperation": world.other_coop.pk,
        "staff_roles-TOTAL_FORMS": "1",
        "staff_roles-INITIAL_FORMS": "0",
        "staff_roles-0-association": world.assoc_a.pk,  # not of her cooperation
        "staff_roles-0-role": "director",
    }
    response = client.post("/admin/core/user/add/", data)
    assert response.status_code == 200
    assert "Cette association n'est pas de la coopération du compte" in text(response)
    assert not User.objects.filter(username="nadia").exists()
    response = client.post(
        "/admin/core/user/add/", {**data, "staff_roles-0-association": world.other_assoc.pk}
    )
    assert response.status_code == 302
    nadia = User.objects.get(username="nadia")
    assert nadia.cooperation == world.other_coop and nadia.is_staff
    role = StaffRole.objects.get(user=nadia)
    assert (role.cooperation, role.association, role.role) == (
        world.other_coop,
        world.other_assoc,
        "director",
    )
    with scopes_disabled():
        assert AuditEntry.objects.filter(model="core.staffrole", object_id=str(role.pk)).exists()
        entries = AuditEntry.objects.filter(model="core.user", object_id=str(nadia.pk))
        assert [e.action for e in entries.order_by("pk")] == ["admin_create", "update"]
        assert not any("password" in e.changes for e in entries)
    # The user forms of a platform administrator carry the cooperation.
    page = client.get(f"/admin/core/user/{nadia.pk}/change/")
    assert "cooperation" in page.context["adminform"].form.fields


def test_a_director_sees_the_inlines_and_adds_in_their_cooperation(world, director, client_as):
    client = client_as(director)
    page = client.get("/admin/core/house/add/")
    assert "cooperation" not in page.context["adminform"].form.fields
    assert [i.formset.model for i in page.context["inline_admin_formsets"]] == [Agreement]
    page = client.get(f"/admin/core/user/{world.alice.pk}/change/")
    assert [i.formset.model for i in page.context["inline_admin_formsets"]] == [StaffRole]
    response = client.post("/admin/core/house/add/", {**HOUSE, "association": world.assoc_b.pk})
    assert response.status_code == 302
    with scopes_disabled():
        house = House.objects.get(name="Maison C")
        assert house.cooperation == world.coop
        assert Agreement.objects.get(house=house).cooperation == world.coop
    response = client.post(
        "/admin/core/user/add/",
        {
            "username": "lea",
            "usable_password": "true",
            "password1": "jardin-partage-26",
            "password2": "jardin-partage-26",
            "staff_roles-TOTAL_FORMS": "1",
            "staff_roles-INITIAL_FORMS": "0",
            "staff_roles-0-association": world.assoc_a.pk,
            "staff_roles-0-role": "reception",
        },
    )
    assert response.status_code == 302
    lea = User.objects.get(username="lea")
    assert lea.cooperation == world.coop and lea.roles() == {"reception"}
    assert not lea.is_staff
    # An association of another cooperation is not offered to a director.
    response = client.post(
        "/admin/core/user/add/",
        {
            "username": "leo",
            "usable_password": "true",
            "password1": "jardin-partage-26",
            "password2": "jardin-partage-26",
            "staff_roles-TOTAL_FORMS": "1",
            "staff_roles-INITIAL_FORMS": "0",
            "staff_roles-0-association": world.other_assoc.pk,
            "staff_roles-0-role": "reception",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="leo").exists()


def test_a_director_adding_what_exists_once_gets_a_form_error(world, director, client_as):
    client = client_as(director)
    with scope(cooperation=world.coop.pk):
        timebank.rules_of(world.coop)
    response = client.post(
        "/admin/timebank/timebankrules/add/",
        {
            "start_credit_minutes": 600,
            "membership_fee_minutes": 120,
            "reversal_delay_days": 60,
            "confirmation_delay_days": 7,
            "warning_margin_minutes": 120,
            "reason": "Deuxième essai",
        },
    )
    assert response.status_code == 200
    assert "La coopération a déjà cet objet" in text(response)
    with scopes_disabled():
        assert TimebankRules.objects.filter(cooperation=world.coop).count() == 1
    data = {"kind": "member", "min_balance_minutes": -600, "max_balance_minutes": "", "reason": "x"}
    assert client.post("/admin/timebank/categorylimit/add/", data).status_code == 302
    response = client.post("/admin/timebank/categorylimit/add/", data)
    assert response.status_code == 200 and "a déjà ses limites" in text(response)
    with scopes_disabled():
        assert CategoryLimit.objects.filter(cooperation=world.coop).count() == 1
    # An account's role twice: said on the form.
    role = StaffRole.objects.get(user=world.alice)
    response = client.post(
        f"/admin/core/user/{world.alice.pk}/change/",
        {
            "username": "alice",
            "first_name": "",
            "last_name": "",
            "email": "",
            "is_active": "on",
            "staff_roles-TOTAL_FORMS": "2",
            "staff_roles-INITIAL_FORMS": "1",
            "staff_roles-0-id": role.pk,
            "staff_roles-0-user": world.alice.pk,
            "staff_roles-0-association": world.assoc_a.pk,
            "staff_roles-0-role": "reception",
            "staff_roles-1-user": world.alice.pk,
            "staff_roles-1-association": world.assoc_a.pk,
            "staff_roles-1-role": "reception",
        },
    )
    assert response.status_code == 200
    assert StaffRole.objects.filter(user=world.alice).count() == 1


def test_a_director_sees_the_fee_grid_of_a_period_in_the_admin(world, director, client_as):
    from coope.membership.models import FeeRule

    page = client_as(director).get(f"/admin/membership/membershipperiod/{world.period.pk}/change/")
    assert page.status_code == 200
    assert [i.formset.model for i in page.context["inline_admin_formsets"]] == [FeeRule]
