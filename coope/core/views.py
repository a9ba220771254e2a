"""Helpers shared by every view: permission checks written once."""

import datetime
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from coope.lib.indicators import Scope, compute_figures, shown_figures
from coope.lib.periods import Period


def require_perm(permission: str):
    """Login required, then the Coopé permission (see coope/core/permissions.py), else 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_coope_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def object_from_query(request, queryset, key: str):
    """The object whose pk is in ?key=, None when absent; 404 when unknown, not ours or malformed."""
    value = request.GET.get(key, "")
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return get_object_or_404(queryset, pk=value)


@login_required
def home(request):
    """Each role lands on a page it may open: the front desk, else the key figures; an
    inhabitant with no staff role lands on their TIC-TAC page."""
    if request.user.person_id is not None and not request.user.staff_roles.exists():
        return redirect("timebank:me")
    if request.user.has_coope_perm("people.view"):
        return redirect("people:desk")
    if request.user.has_coope_perm("figures.view"):
        return redirect("figures")
    raise PermissionDenied


@require_perm("figures.view")
def figures(request):
    """The key figures of a period (the current year by default), computed from the records."""
    today = timezone.localdate()
    try:
        start = datetime.date.fromisoformat(request.GET.get("du") or f"{today.year}-01-01")
        end = datetime.date.fromisoformat(request.GET.get("au") or f"{today.year}-12-31")
        period = Period(start, end)
        error = ""
    except ValueError:
        period, error = (
            Period.year(today.year),
            "Dates non comprises : choisissez-les dans le calendrier.",
        )
    values = compute_figures(request.cooperation, period)
    rows = shown_figures(Scope(request.cooperation, period), values)
    return render(request, "core/figures.html", {"period": period, "rows": rows, "error": error})
