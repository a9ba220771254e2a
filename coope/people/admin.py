from django.contrib import admin
from django.db import transaction

from coope.core.admin import CooperationAdmin
from coope.people import services
from coope.people.models import (
    Consent,
    FamilyQuotient,
    HomeHouseSpell,
    Household,
    HouseholdMember,
    Person,
    ReceptionVisit,
)


class ReadOnlyInline(admin.TabularInline):
    """Dated facts shown, never edited here: they are closed by the services (the front desk's
    household page, the person form), never deleted, so that past figures stay as they were."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        parent = self.admin_site.get_model_admin(self.parent_model)
        return parent.has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HouseholdMemberInline(ReadOnlyInline):
    model = HouseholdMember
    fields = readonly_fields = ("person", "link", "valid_from", "valid_until")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person")


class HomeHouseSpellInline(ReadOnlyInline):
    model = HomeHouseSpell
    fields = readonly_fields = ("house", "valid_from", "valid_until")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("house")


@admin.register(Person)
class PersonAdmin(CooperationAdmin):
    list_display = ("last_name", "first_name", "birth_date", "home_house", "neighbourhood")
    list_select_related = ("home_house",)
    search_fields = ("search_name",)
    list_filter = ("home_house", "sex")
    readonly_fields = ("anonymised_at",)
    inlines = [HomeHouseSpellInline]

    def save_model(self, request, obj, form, change):
        """A new home house goes through `change_home_house` (from today), which keeps the
        former one for past figures."""
        if not (change and "home_house" in form.changed_data):
            super().save_model(request, obj, form, change)
            return
        with transaction.atomic():
            new_house = obj.home_house
            obj.home_house_id = (
                Person.objects.filter(pk=obj.pk).values_list("home_house_id", flat=True).get()
            )
            super().save_model(request, obj, form, change)
            services.change_home_house(actor=request.user, person=obj, house=new_house)


@admin.register(Household)
class HouseholdAdmin(CooperationAdmin):
    list_display = ("name", "city")
    search_fields = ("name",)
    inlines = [HouseholdMemberInline]


@admin.register(FamilyQuotient)
class FamilyQuotientAdmin(CooperationAdmin):
    list_display = ("household", "value", "valid_from", "source")
    list_select_related = ("household",)
    autocomplete_fields = ("household",)


@admin.register(Consent)
class ConsentAdmin(CooperationAdmin):
    list_display = ("person", "kind", "given", "date", "source")
    list_select_related = ("person",)
    autocomplete_fields = ("person",)


@admin.register(ReceptionVisit)
class ReceptionVisitAdmin(CooperationAdmin):
    list_display = ("date", "house", "person", "reason")
    list_select_related = ("house", "person")
    list_filter = ("house", "reason")
    autocomplete_fields = ("person",)
