"""The platform administrator's screens (a superuser): the cooperations of the deployment, and a
new one with its first association and director. The director does the rest in the setup
screens (coope/core/views_setup.py).

These pages cross tenants on purpose, so each opens `scopes_disabled()` itself (a superuser may
also belong to a cooperation, whose scope the middleware has opened).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from coope.core import services
from coope.core.forms import NewCooperationForm
from coope.core.models import Cooperation, User
from coope.core.permissions import Role
from coope.core.views_setup import form_refused, keep_password_to_show, password_to_show


def platform_only(view):
    """Signed in as a superuser, else 403; across every cooperation."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        with scopes_disabled():
            return view(request, *args, **kwargs)

    return wrapper


@platform_only
def cooperations(request):
    listed = Cooperation.objects.annotate(
        association_count=Count("associations", distinct=True),
        house_count=Count("houses", distinct=True),
        account_count=Count("staff", filter=Q(staff__is_active=True), distinct=True),
    )
    return render(request, "core/platform_cooperations.html", {"cooperations": listed})


@platform_only
def cooperation_new(request):
    form = NewCooperationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cooperation, director, password = services.create_cooperation(
                actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form_refused(form, error)
        else:
            if not form.cleaned_data["password"]:
                keep_password_to_show(request, director, password)
            messages.success(
                request, _("Coopération « %(name)s » créée.") % {"name": cooperation.name}
            )
            return redirect("core:platform_cooperation", pk=cooperation.pk)
    return render(request, "core/platform_new.html", {"form": form})


@platform_only
def cooperation_detail(request, pk):
    cooperation = get_object_or_404(Cooperation, pk=pk)
    directors = (
        User.objects.filter(
            cooperation=cooperation, staff_roles__role=Role.DIRECTOR, is_active=True
        )
        .distinct()
        .order_by("username")
    )
    shown = {director.pk: password_to_show(request, director) for director in directors}
    return render(
        request,
        "core/platform_cooperation.html",
        {
            "cooperation": cooperation,
            "associations": cooperation.associations.all(),
            "houses": cooperation.houses.select_related("association"),
            "directors": [(director, shown[director.pk]) for director in directors],
        },
    )
