"""The cannery's settings in the admin: the cannery itself, producers, tours, recipes, places.

Collections, batches, lots and movements are written only through the cannery's screens
(coope/cannery/services.py), which keep remainders and stock under row locks."""

from django.contrib import admin

from coope.cannery.models import Cannery, Location, Producer, Recipe, RecipeIngredient, Tour
from coope.core.admin import CooperationAdmin, DirectorInline


@admin.register(Cannery)
class CanneryAdmin(CooperationAdmin):
    list_display = ("name", "activity")
    list_select_related = ("activity",)


@admin.register(Producer)
class ProducerAdmin(CooperationAdmin):
    list_display = ("name", "commune", "contact", "organic")
    search_fields = ("name", "commune")


@admin.register(Tour)
class TourAdmin(CooperationAdmin):
    list_display = ("name", "starts_on", "ends_on")


class IngredientInline(DirectorInline, admin.TabularInline):
    model = RecipeIngredient
    exclude = ("cooperation",)
    extra = 3


@admin.register(Recipe)
class RecipeAdmin(CooperationAdmin):
    list_display = (
        "name",
        "code",
        "kind",
        "sterilisation_minutes",
        "sterilisation_celsius",
        "shelf_life_days",
    )
    inlines = [IngredientInline]


@admin.register(Location)
class LocationAdmin(CooperationAdmin):
    list_display = ("name", "kind", "house")
    list_select_related = ("house",)
