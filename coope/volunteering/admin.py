from django.contrib import admin

from coope.core.admin import CooperationAdmin
from coope.volunteering.models import Training, VolunteerHours


@admin.register(VolunteerHours)
class VolunteerHoursAdmin(CooperationAdmin):
    list_display = ("person", "date", "kind", "project_group", "duration_minutes")
    list_select_related = ("person", "project_group")
    list_filter = ("kind", "project_group")
    autocomplete_fields = ("person",)


@admin.register(Training)
class TrainingAdmin(CooperationAdmin):
    list_display = ("person", "title", "date")
    list_select_related = ("person",)
    autocomplete_fields = ("person",)
