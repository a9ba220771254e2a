"""Two houses of a cooperation never share a name or a short name, whatever the capitals: the
imports find a house by either. The setup screen and the admin say so in French and write
nothing; the database refuses what gets past them."""

import html

import pytest
from django.db import IntegrityError, transaction
from django_scopes import scopes_disabled

from coope.core.models import AuditEntry, House
from coope.core.tests.test_setup_screens import HOUSE

pytestmark = pytest.mark.django_db

NAME_TAKEN = "Une maison de la coopération porte déjà ce nom"
SHORT_NAME_TAKEN = "Une maison de la coopération porte déjà ce nom court"


def house_values(world, **changes) -> dict:
    return {**HOUSE, "association": world.assoc_a.pk, **changes}


def counts() -> tuple[int, int]:
    with scopes_disabled():
        return House.objects.count(), AuditEntry.objects.count()


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"name": "maison a ROMANS"}, NAME_TAKEN),
        ({"short_name": "a"}, SHORT_NAME_TAKEN),
        ({"name": "Maison B romans", "short_name": "b"}, SHORT_NAME_TAKEN),
    ],
)
def test_a_new_house_with_a_name_taken_is_a_form_error_on_the_setup_screen(
    world, client_as, changes, said
):
    client = client_as(world.director)
    before = counts()
    response = client.post("/configuration/maisons/nouvelle/", house_values(world, **changes))
    assert response.status_code == 200
    assert said in text(response)
    assert counts() == before


def test_a_house_renamed_to_another_s_name_is_a_form_error(world, client_as):
    client = client_as(world.director)
    before = counts()
    response = client.post(
        f"/configuration/maisons/{world.house_b.pk}/",
        house_values(world, association=world.assoc_b.pk, name="MAISON A romans", short_name="B"),
    )
    assert response.status_code == 200
    assert NAME_TAKEN in text(response)
    with scopes_disabled():
        world.house_b.refresh_from_db()
    assert world.house_b.name == "Maison B romans"
    assert counts() == before


def test_a_house_keeps_its_own_name_and_another_cooperation_may_use_it(world, client_as):
    client = client_as(world.director)
    response = client.post(
        f"/configuration/maisons/{world.house_a.pk}/",
        house_values(world, name="Maison A Romans", short_name="A"),  # its own, capitals changed
    )
    assert response.status_code == 302
    with scopes_disabled():
        House.objects.create(
            cooperation=world.other_coop,
            association=world.other_assoc,
            name="Maison A Romans",
            short_name="A2",
            address="1 rue",
            postcode="26000",
            city="Valence",
        )


def test_the_admin_refuses_a_house_named_as_another_whatever_the_capitals(world, client_as):
    world.director.is_staff = True
    world.director.save()
    client = client_as(world.director)
    before = counts()
    data = {
        **house_values(world, name="MAISON A ROMANS", short_name="a"),
        "agreements-TOTAL_FORMS": "0",
        "agreements-INITIAL_FORMS": "0",
        "agreements-MIN_NUM_FORMS": "0",
        "agreements-MAX_NUM_FORMS": "1000",
    }
    response = client.post("/admin/core/house/add/", data)
    assert response.status_code == 200
    page = text(response)
    assert NAME_TAKEN in page and SHORT_NAME_TAKEN in page
    assert counts() == before


@pytest.mark.parametrize("field", ["name", "short_name"])
def test_the_database_refuses_twins_that_get_past_the_forms(world, field):
    values = {"name": "Maison C", "short_name": "C", field: getattr(world.house_a, field).upper()}
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():
        House.objects.create(
            cooperation=world.coop,
            association=world.assoc_a,
            address="3 rue C",
            postcode="26100",
            city="Romans-sur-Isère",
            **values,
        )
