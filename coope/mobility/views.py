"""Mobility pages: thin views (scoped lookup, form, service, redirect).

Staff: the fleet and the bookings to hand out or take back (check-out, check-in), the group
purchase's plans with their late instalments, the rides. Inhabitants (an account linked to a
person): the free units, a booking from their phone, their bookings and the hours held."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coope.core import exports
from coope.core.views import require_perm
from coope.lib.spreadsheets import CONTENT_TYPES, FORMATS, write_spreadsheet
from coope.mobility import services
from coope.mobility.forms import BookingForm, CheckInForm, CheckOutForm, MaintenanceForm
from coope.mobility.models import (
    HOLDING,
    Booking,
    BookingStatus,
    Downtime,
    GroupPurchase,
    Loan,
    MaintenanceEvent,
    Payment,
    PurchasePlan,
    Ride,
    Unit,
    UnitDocument,
)
from coope.people.models import Person


def _errors_to(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_perm("mobility.view")
def index(request):
    cooperation = request.user.cooperation
    now = timezone.now()
    units = list(
        Unit.objects.filter(cooperation=cooperation, retired_on__isnull=True).select_related(
            "house"
        )
    )
    for unit in units:
        unit.due = services.due_maintenance(unit, now)
    bookings = (
        Booking.objects.filter(cooperation=cooperation, status__in=HOLDING)
        .select_related("unit", "borrower", "hold")
        .order_by("starts_at")
    )
    return render(
        request,
        "mobility/index.html",
        {"units": units, "bookings": bookings, "now": now},
    )


def _booking(request, pk) -> Booking:
    return get_object_or_404(Booking.objects.select_related("unit", "borrower", "hold"), pk=pk)


@require_perm("mobility.lend")
def check_out(request, pk):
    booking = _booking(request, pk)
    form = CheckOutForm(
        request.POST or None,
        initial={
            "deposit_euros": _euros(services.rules_of(booking.unit.cooperation).deposit_cents)
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.check_out(
                actor=request.user,
                booking=booking,
                checklist=form.checklist(),
                deposit_cents=form.deposit_cents(),
            )
        except ValidationError as error:
            _errors_to(form, error)
        else:
            messages.success(
                request,
                _("%(unit)s est parti avec %(who)s.")
                % {"unit": booking.unit, "who": booking.borrower},
            )
            return redirect("mobility:index")
    return render(
        request,
        "mobility/form.html",
        {
            "form": form,
            "booking": booking,
            "title": _("Départ : %(unit)s") % {"unit": booking.unit},
            "submit": _("Enregistrer le départ"),
        },
    )


@require_perm("mobility.lend")
def check_in(request, pk):
    booking = _booking(request, pk)
    loan = get_object_or_404(Loan, booking=booking)
    form = CheckInForm(request.POST or None, initial={"km_in": loan.km_out})
    if request.method == "POST" and form.is_valid():
        try:
            services.check_in(
                actor=request.user,
                loan=loan,
                checklist=form.checklist(),
                km_in=form.cleaned_data["km_in"],
                battery_cycles=form.cleaned_data["battery_cycles"],
                damage=form.cleaned_data["damage"],
            )
        except ValidationError as error:
            _errors_to(form, error)
        else:
            paid = (
                _(" ; %(hours)s prises sur son TIC-TAC")
                % {"hours": services.hours(booking.price_minutes)}
                if booking.payment == Payment.HOURS
                else ""
            )
            messages.success(
                request, _("%(unit)s est rendu%(paid)s.") % {"unit": booking.unit, "paid": paid}
            )
            return redirect("mobility:index")
    return render(
        request,
        "mobility/form.html",
        {
            "form": form,
            "booking": booking,
            "title": _("Retour : %(unit)s") % {"unit": booking.unit},
            "submit": _("Enregistrer le retour"),
        },
    )


@login_required
@require_POST
def cancel(request, pk):
    booking = _booking(request, pk)
    own = booking.borrower_id == getattr(request.user, "person_id", None)
    if not own and not request.user.has_coope_perm("mobility.lend"):
        raise PermissionDenied
    try:
        services.cancel_booking(actor=request.user, booking=booking)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Réservation annulée ; les heures réservées sont libérées."))
    return redirect("mobility:free" if own else "mobility:index")


@require_perm("mobility.view")
def unit(request, pk):
    """A unit's history: its loans, maintenance, downtimes and papers; staff who manage the
    fleet record a maintenance or put it back in service here."""
    found = get_object_or_404(Unit.objects.select_related("house"), pk=pk)
    may_manage = request.user.has_coope_perm("mobility.manage")
    form = MaintenanceForm(
        request.POST or None, unit=found, initial={"odometer_km": found.odometer_km}
    )
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        if "back_in_service" in request.POST:
            try:
                services.end_downtime(actor=request.user, unit=found, ends_on=timezone.localdate())
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request, _("%(unit)s est de nouveau disponible.") % {"unit": found}
                )
            return redirect("mobility:unit", found.pk)
        if form.is_valid():
            try:
                services.record_maintenance(
                    actor=request.user,
                    unit=found,
                    rule=form.cleaned_data["rule"],
                    done_at=timezone.now(),
                    odometer_km=form.cleaned_data["odometer_km"],
                    note=form.cleaned_data["note"],
                    cost_cents=int(form.cleaned_data["cost_euros"] * 100),
                )
            except ValidationError as error:
                _errors_to(form, error)
            else:
                messages.success(request, _("Entretien enregistré."))
                return redirect("mobility:unit", found.pk)
    return render(
        request,
        "mobility/unit.html",
        {
            "unit": found,
            "form": form,
            "may_manage": may_manage,
            "due": services.due_maintenance(found),
            "loans": Loan.objects.filter(unit=found).select_related("borrower")[:50],
            "maintenance": MaintenanceEvent.objects.filter(unit=found).select_related("rule")[:50],
            "downtimes": Downtime.objects.filter(unit=found),
            "documents": UnitDocument.objects.filter(unit=found),
        },
    )


@require_perm("mobility.manage")
def plans(request):
    today = timezone.localdate()
    cooperation = request.user.cooperation
    purchases = [
        (purchase, services.reconciliation(purchase))
        for purchase in GroupPurchase.objects.filter(cooperation=cooperation)
    ]
    states = [
        services.plan_state(plan, today)
        for plan in PurchasePlan.objects.filter(cooperation=cooperation).select_related(
            "buyer", "purchase"
        )
    ]
    states.sort(key=lambda state: (not state.late, state.plan.buyer.last_name))
    return render(
        request, "mobility/plans.html", {"purchases": purchases, "states": states, "today": today}
    )


@require_perm("mobility.view")
def rides(request):
    found = (
        Ride.objects.filter(cooperation=request.user.cooperation)
        .select_related("requested_by", "driver", "unit", "house")
        .order_by("-date", "-pk")[:200]
    )
    return render(request, "mobility/rides.html", {"rides": found})


@login_required
def free(request):
    """An inhabitant's page: the free units, a booking paid in hours, their bookings."""
    if request.user.person_id is None:
        raise Http404
    person = get_object_or_404(Person, pk=request.user.person_id)
    cooperation = request.user.cooperation
    form = BookingForm(request.POST or None, cooperation=cooperation)
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.book_unit(
                actor=request.user,
                unit=form.cleaned_data["unit"],
                borrower=person,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                payment=Payment.HOURS,
            )
        except ValidationError as error:
            _errors_to(form, error)
        else:
            messages.success(
                request,
                _("%(unit)s est réservé pour vous ; %(hours)s sont réservées sur votre TIC-TAC.")
                % {"unit": booking.unit, "hours": services.hours(booking.price_minutes)},
            )
            return redirect("mobility:free")
    mine = (
        Booking.objects.filter(borrower=person)
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("unit", "hold")
        .order_by("-starts_at")[:20]
    )
    return render(
        request,
        "mobility/free.html",
        {
            "form": form,
            "units": form.fields["unit"].queryset,
            "mine": mine,
            "rules": services.rules_of(cooperation),
        },
    )


def _euros(cents: int) -> Decimal:
    """Cents as exact euros for a spreadsheet cell (1000.01, never 1000.0099...)."""
    return Decimal(cents).scaleb(-2)


def _sheet(request, *, fmt: str, name: str, title: str, list_name: str, headers, rows):
    if fmt not in FORMATS:
        raise Http404
    response = HttpResponse(
        write_spreadsheet(headers, rows, fmt, title=title), content_type=CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return exports.audited(
        response,
        request=request,
        list_name=list_name,
        rows=len(rows),
        label=title,
        details={"format": fmt},
    )


@require_perm("mobility.lend")
def loans_export(request, fmt):
    """Every loan of the cooperation, with its borrower: a list of people, audited."""
    loans = (
        Loan.objects.filter(cooperation=request.user.cooperation)
        .select_related("unit__house", "borrower")
        .order_by("out_at", "pk")
    )
    rows = [
        [
            loan.unit.name,
            loan.unit.house.name,
            str(loan.borrower),
            timezone.localtime(loan.out_at),
            timezone.localtime(loan.in_at) if loan.in_at else None,
            loan.distance_km,
            loan.days,
            loan.minutes_paid,
            _euros(loan.cents_paid),
            loan.damage,
        ]
        for loan in loans
    ]
    headers = [
        _("Véhicule"),
        _("Maison"),
        _("Emprunteur·se"),
        _("Sorti le"),
        _("Rendu le"),
        _("Km"),
        _("Jours"),
        _("Payé (minutes)"),
        _("Payé (€)"),
        _("Dégâts"),
    ]
    return _sheet(
        request,
        fmt=fmt,
        name="prets",
        title=_("Prêts de véhicules"),
        list_name="mobility.loans",
        headers=headers,
        rows=rows,
    )


@require_perm("mobility.manage")
def plans_export(request, fmt):
    """The buyers' plans with what is paid, what remains and what is late today."""
    today = timezone.localdate()
    plans = (
        PurchasePlan.objects.filter(cooperation=request.user.cooperation)
        .select_related("buyer")
        .order_by("signed_on", "pk")
    )
    rows = []
    for plan in plans:
        state = services.plan_state(plan, today)
        rows.append(
            [
                str(plan.buyer),
                plan.signed_on,
                _euros(plan.price_cents),
                _euros(state.paid_cents),
                _euros(state.outstanding_cents),
                len(state.late),
                _euros(state.late_cents),
            ]
        )
    headers = [
        _("Acheteur·se"),
        _("Signé le"),
        _("Prix (€)"),
        _("Payé (€)"),
        _("Reste (€)"),
        _("Échéances en retard"),
        _("En retard (€)"),
    ]
    return _sheet(
        request,
        fmt=fmt,
        name="achat-groupe",
        title=_("Achat groupé"),
        list_name="mobility.plans",
        headers=headers,
        rows=rows,
    )
