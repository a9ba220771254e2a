from django.contrib import admin

from coope.core.admin import CooperationAdmin
from coope.people.models import (
    Consent,
    FamilyQuotient,
    Household,
    HouseholdMember,
    Person,
    ReceptionVisit,
)


class HouseholdMemberInline(admin.TabularInline):
    model = HouseholdMember
    exclude = ("cooperation",)
    autocomplete_fields = ("person",)
    extra = 0


@admin.register(Person)
class PersonAdmin(CooperationAdmin):
    list_display = ("last_name", "first_name", "birth_date", "home_house", "neighbourhood")
    search_fields = ("search_name",)
    list_filter = ("home_house", "sex")
    readonly_fields = ("anonymised_at",)


@admin.register(Household)
class HouseholdAdmin(CooperationAdmin):
    list_display = ("name", "city")
    search_fields = ("name",)
    inlines = [HouseholdMemberInline]


@admin.register(FamilyQuotient)
class FamilyQuotientAdmin(CooperationAdmin):
    list_display = ("household", "value", "valid_from", "source")
    autocomplete_fields = ("household",)


@admin.register(Consent)
class ConsentAdmin(CooperationAdmin):
    list_display = ("person", "kind", "given", "date", "source")
    autocomplete_fields = ("person",)


@admin.register(ReceptionVisit)
class ReceptionVisitAdmin(CooperationAdmin):
    list_display = ("date", "house", "person", "reason")
    list_filter = ("house", "reason")
    autocomplete_fields = ("person",)
