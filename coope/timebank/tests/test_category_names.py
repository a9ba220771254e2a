"""A category of services is one whatever the capitals: « jardinage » is « Jardinage ». The
admin says so in French and writes nothing; the database refuses what gets past it."""

import html

import pytest
from django.db import IntegrityError, transaction
from django_scopes import scopes_disabled

from coope.core.models import AuditEntry
from coope.timebank.models import Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def garden(world):
    with scopes_disabled():
        return Category.objects.create(cooperation=world.coop, name="Jardinage")


def counts() -> tuple[int, int]:
    with scopes_disabled():
        return Category.objects.count(), AuditEntry.objects.count()


@pytest.mark.parametrize("name", ["jardinage", "JARDINAGE", "Jardinage"])
def test_the_admin_refuses_a_category_named_as_another_whatever_the_capitals(
    world, garden, client_as, name
):
    world.director.is_staff = True
    world.director.save()
    client = client_as(world.director)
    before = counts()
    response = client.post("/admin/timebank/category/add/", {"name": name})
    assert response.status_code == 200
    assert "Cette catégorie existe déjà dans la coopération" in html.unescape(
        response.content.decode()
    )
    assert counts() == before


def test_the_admin_adds_a_new_category_and_another_cooperation_may_use_the_name(
    world, garden, client_as
):
    world.director.is_staff = True
    world.director.save()
    client = client_as(world.director)
    assert (
        client.post("/admin/timebank/category/add/", {"name": "Jardinage bio"}).status_code == 302
    )
    with scopes_disabled():
        Category.objects.create(cooperation=world.other_coop, name="jardinage")


def test_the_database_refuses_a_category_differing_only_by_capitals(world, garden):
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(cooperation=world.coop, name="jardinage")
