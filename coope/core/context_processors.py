from django.urls import reverse
from django.utils.translation import gettext as _

from coope.core.permissions import PERMISSIONS
from coope.core.plugins import nav_entries

# Menu entries from this order on come after the page's own links (`{% block extra_nav %}`).
NAV_END = 1000


class _Perms:
    """`{% if perms_coope.people_view_sensitive %}` in templates."""

    def __init__(self, user):
        self.user = user

    def __getattr__(self, name: str) -> bool:
        permission = name.replace("_", ".", 1)
        if permission not in PERMISSIONS:
            raise AttributeError(name)
        return self.user.has_coope_perm(permission)


def menu(user) -> tuple[list[dict], list[dict]]:
    """The declared menu entries the user may follow, as (before the page's links, after)."""
    entries = [
        {"label": entry.label, "url": reverse(entry.url_name), "order": entry.order}
        for entry in nav_entries()
        if entry.visible_to(user)
    ]
    if user.is_superuser:  # the platform's operators: the cooperations of the deployment
        entries.insert(0, {"label": _("Coopérations"), "url": reverse("core:platform"), "order": 0})
    return (
        [e for e in entries if e["order"] < NAV_END],
        [e for e in entries if e["order"] >= NAV_END],
    )


def coope(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"cooperation": None}
    nav, nav_end = menu(user)
    if user.cooperation_id is None:
        return {"cooperation": None, "coope_nav": nav, "coope_nav_end": nav_end}
    return {
        "cooperation": request.cooperation,
        "perms_coope": _Perms(user),
        "coope_nav": nav,
        "coope_nav_end": nav_end,
    }
