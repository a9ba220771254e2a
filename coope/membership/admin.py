from django.contrib import admin

from coope.core.admin import CooperationAdmin, DirectorInline
from coope.membership.models import FeeRule, Membership, MembershipPeriod


class FeeRuleInline(DirectorInline, admin.TabularInline):
    model = FeeRule
    exclude = ("cooperation",)
    extra = 1


@admin.register(MembershipPeriod)
class MembershipPeriodAdmin(CooperationAdmin):
    list_display = ("name", "start", "end")
    inlines = [FeeRuleInline]


@admin.register(Membership)
class MembershipAdmin(CooperationAdmin):
    list_display = (
        "card_number",
        "person",
        "household",
        "house",
        "valid_from",
        "valid_until",
        "fee_cents",
    )
    search_fields = ("card_number",)
    list_filter = ("house", "period", "payment_method")
    autocomplete_fields = ("person", "household")
