"""A director who is not a superuser sees every inline of the admin (a house's CAF agreements, a
recipe's ingredients, a transfer's entries...) and may edit those that are not read-only. The
test walks the admin's registry, so a new inline is checked too."""

import datetime
import html

import pytest
from django.contrib import admin
from django_scopes import scope, scopes_disabled

from coope.cannery.models import Recipe, RecipeIngredient
from coope.people.models import Household, HouseholdMember
from coope.timebank import services as timebank
from coope.timebank.tests.conftest import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(world, time_machine):
    """A row of every model that has inlines, in the director's cooperation."""
    time_machine.move_to(datetime.datetime(2018, 3, 1, 10, tzinfo=datetime.UTC), tick=True)
    with scope(cooperation=world.coop.pk):
        person = make_member(world, "Ana")
        timebank.open_account(actor=world.director, person=person)  # a transfer and its entries
        household = Household.objects.create(cooperation=world.coop, name="Foyer Test")
        HouseholdMember.objects.create(
            cooperation=world.coop,
            household=household,
            person=person,
            valid_from=datetime.date(2018, 1, 1),
        )
        recipe = Recipe.objects.create(
            cooperation=world.coop,
            code="CONF",
            name="Confiture",
            sterilisation_minutes=40,
            sterilisation_celsius=100,
            shelf_life_days=365,
        )
        RecipeIngredient.objects.create(
            cooperation=world.coop, recipe=recipe, name="abricots", percent=60
        )
    return world


def with_inlines():
    return [(model, ma) for model, ma in admin.site._registry.items() if ma.inlines]


def test_a_director_who_is_not_a_superuser_sees_every_inline(filled, director, client_as):
    client = client_as(director)
    walked = with_inlines()
    assert len(walked) >= 7
    for model, model_admin in walked:
        with scopes_disabled():
            obj = model._base_manager.filter(cooperation=filled.coop).first()
        assert obj is not None, f"No {model._meta.label} in the test cooperation"
        meta = model._meta
        response = client.get(f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/change/")
        assert response.status_code == 200, meta.label
        shown = {type(formset.opts) for formset in response.context["inline_admin_formsets"]}
        assert shown == set(model_admin.inlines), (meta.label, shown)


def test_a_director_edits_a_recipes_ingredients(filled, director, client_as):
    client = client_as(director)
    with scopes_disabled():
        recipe = Recipe.objects.get(cooperation=filled.coop)
        ingredient = recipe.ingredients.get()
    page = client.get(f"/admin/cannery/recipe/{recipe.pk}/change/")
    assert "abricots" in html.unescape(page.content.decode())
    formset = page.context["inline_admin_formsets"][0].formset
    prefix = formset.prefix
    data = {
        "code": "CONF",
        "name": "Confiture",
        "kind": recipe.kind,
        "jar_sizes_ml": "[]",
        "net_weights_grams": "{}",
        "sterilisation_minutes": "40",
        "sterilisation_celsius": "100",
        "shelf_life_days": "365",
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-0-id": str(ingredient.pk),
        f"{prefix}-0-recipe": str(recipe.pk),
        f"{prefix}-0-name": "abricots",
        f"{prefix}-0-percent": "70",
        f"{prefix}-1-recipe": str(recipe.pk),
        f"{prefix}-1-name": "sucre",
        f"{prefix}-1-percent": "30",
    }
    response = client.post(f"/admin/cannery/recipe/{recipe.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    with scopes_disabled():
        assert sorted(recipe.ingredients.values_list("name", "percent")) == [
            ("abricots", 70),
            ("sucre", 30),
        ]
        assert set(recipe.ingredients.values_list("cooperation_id", flat=True)) == {filled.coop.pk}
