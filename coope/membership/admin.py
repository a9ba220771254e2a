from django import forms
from django.contrib import admin

from coope.core.admin import CooperationAdmin, DirectorInline
from coope.membership import services
from coope.membership.models import FeeRule, Membership, MembershipPeriod


class MembershipPeriodForm(forms.ModelForm):
    """The checks of the period screens (coope/membership/services.py): a name not taken, dates
    in order, at most two years, overlapping no other period of the cooperation."""

    class Meta:
        model = MembershipPeriod
        fields = ["cooperation", "name", "start", "end"]

    def clean(self):
        cleaned = super().clean()
        # A director's cooperation is on the instance; a platform administrator chooses it.
        chosen = cleaned.get("cooperation")
        cooperation = self.instance.cooperation_id or (chosen.pk if chosen else None)
        if cooperation is None:
            return cleaned
        exclude = self.instance.pk
        if cleaned.get("name"):
            cleaned["name"] = services.check_period_name(
                cooperation, cleaned["name"], exclude=exclude
            )
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            services.check_period_dates(cooperation, start, end, exclude=exclude)
        return cleaned


class FeeRuleInline(DirectorInline, admin.TabularInline):
    model = FeeRule
    exclude = ("cooperation",)
    extra = 1


@admin.register(MembershipPeriod)
class MembershipPeriodAdmin(CooperationAdmin):
    form = MembershipPeriodForm
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
    list_select_related = ("person", "household", "house")
    search_fields = ("card_number",)
    list_filter = ("house", "period", "payment_method")
    autocomplete_fields = ("person", "household")
