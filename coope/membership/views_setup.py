"""Setting up the membership, for directors: the rules, the periods and their fee grids (listed
on the cooperation's setup page through `setup=` in apps.py)."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from coope.core.views import require_perm
from coope.membership import services
from coope.membership.forms import FeeGridFormSet, PeriodForm, RulesForm
from coope.membership.models import FeeRule, MembershipPeriod

PERMISSION = "membership.configure"


def _form_errors(form, error: ValidationError) -> None:
    """A service's ValidationError on the form: on its fields when it names them."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


@require_perm(PERMISSION)
def rules(request):
    current = services.rules_of(request.cooperation)
    form = RulesForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_rules(
                actor=request.user,
                cooperation=request.cooperation,
                **{name: form.cleaned_data[name] for name in services.RULE_FIELDS},
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Règles d'adhésion enregistrées."))
            return redirect("membership:setup_rules")
    # What the rules give today, so the director sees what they chose.
    today = timezone.localdate()
    example = (
        services.Periods.read(request.cooperation, rules=current).offers(today)
        if not form.errors
        else []
    )
    return render(
        request,
        "membership/setup_rules.html",
        {"form": form, "example": example, "today": today},
    )


@require_perm(PERMISSION)
def periods(request):
    listed = list(
        MembershipPeriod.objects.annotate(
            membership_count=Count("memberships", distinct=True),
            fee_count=Count("fee_rules", distinct=True),
        ).order_by("-start")
    )
    last = listed[0] if listed else None
    # The next period and the grid it would copy, from the periods read once.
    known = services.Periods.read(request.cooperation)
    planned = known.planned(last.end + datetime.timedelta(days=1) if last else timezone.localdate())
    return render(
        request,
        "membership/setup_periods.html",
        {"periods": listed, "planned": planned, "source": known.grid_of(planned)},
    )


@require_perm(PERMISSION)
def open_next(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    period = services.open_next_period(actor=request.user, cooperation=request.cooperation)
    messages.success(
        request,
        _("Période %(p)s créée, du %(s)s au %(e)s, avec la grille de tarifs de la précédente.")
        % {"p": period.name, "s": f"{period.start:%d/%m/%Y}", "e": f"{period.end:%d/%m/%Y}"},
    )
    return redirect("membership:setup_fees", pk=period.pk)


@require_perm(PERMISSION)
def period_edit(request, pk):
    period = get_object_or_404(MembershipPeriod, pk=pk)
    used = period.memberships.count()
    form = PeriodForm(
        request.POST or None,
        initial={"name": period.name, "start": period.start, "end": period.end},
    )
    if request.method == "POST" and not used and form.is_valid():
        try:
            services.change_period(actor=request.user, period=period, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Période %(p)s enregistrée.") % {"p": period.name})
            return redirect("membership:setup_periods")
    return render(
        request,
        "membership/setup_period.html",
        {"period": period, "form": form, "used": used},
    )


@require_perm(PERMISSION)
def fees(request, pk):
    period = get_object_or_404(MembershipPeriod, pk=pk)
    current = FeeRule.objects.filter(period=period).order_by("kind", "quotient_min", "pk")
    initial = [
        {
            "kind": rule.kind,
            "quotient_min": rule.quotient_min,
            "quotient_max": rule.quotient_max,
            "amount": f"{rule.amount_cents / 100:.2f}".replace(".", ","),
            "label": rule.label,
        }
        for rule in current
    ]
    formset = FeeGridFormSet(request.POST or None, initial=initial, prefix="tarifs")
    grid_errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        rows = [row for row in (form.row() for form in formset.forms) if row is not None]
        try:
            services.set_fee_grid(actor=request.user, period=period, rows=rows)
        except ValidationError as error:
            grid_errors = error.messages
        else:
            messages.success(
                request, _("Grille de tarifs de %(p)s enregistrée.") % {"p": period.name}
            )
            return redirect("membership:setup_periods")
    return render(
        request,
        "membership/setup_fees.html",
        {"period": period, "formset": formset, "grid_errors": grid_errors},
    )
