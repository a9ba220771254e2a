from django.contrib import admin

from coope.activities.models import Activity, Session
from coope.core.admin import CooperationAdmin


@admin.register(Activity)
class ActivityAdmin(CooperationAdmin):
    list_display = ("title", "house", "project_group", "kind", "public", "capacity")
    list_select_related = ("house", "project_group")
    list_filter = ("house", "project_group", "kind", "public")
    search_fields = ("title",)


@admin.register(Session)
class SessionAdmin(CooperationAdmin):
    list_display = ("activity", "starts_at", "house", "commune", "public", "cancelled")
    list_select_related = ("activity", "house")
    name_joins = ("activity",)
    list_filter = ("house", "public", "cancelled")
    date_hierarchy = "starts_at"
