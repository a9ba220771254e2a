"""The admin's two reported bugs: the login page for a visitor, a duplicate association name."""

import pytest
from django_scopes import scopes_disabled

from coope.core.models import Association


@pytest.fixture(autouse=True)
def director_in_admin(world):
    world.director.is_staff = True
    world.director.save()


def test_the_admin_login_page_opens_for_a_visitor_who_is_not_signed_in(client, world):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    # and the admin itself sends the visitor to that page, without an error
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_admin_login_page_opens_for_an_account_without_the_admin(client_as, world):
    response = client_as(world.alice).get("/admin/login/")
    assert response.status_code == 200


def test_an_association_name_already_used_is_a_form_error(client_as, world):
    client = client_as(world.director)
    response = client.post(
        "/admin/core/association/add/", {"name": world.assoc_a.name, "address": ""}
    )
    assert response.status_code == 200
    assert (
        f"« {world.assoc_a.name} » est déjà utilisé dans la coopération"
        in response.content.decode()
    )
    with scopes_disabled():
        assert Association.objects.filter(cooperation=world.coop).count() == 2


def test_an_association_name_used_in_another_cooperation_is_accepted(client_as, world):
    client = client_as(world.director)
    with scopes_disabled():
        other_name = world.other_assoc.name
    response = client.post("/admin/core/association/add/", {"name": other_name, "address": ""})
    assert response.status_code == 302
    with scopes_disabled():
        assert Association.objects.filter(name=other_name).count() == 2
