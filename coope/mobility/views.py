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

from coope.activities.models import Activity, ActivityKind
from coope.core import exports
from coope.core.views import require_perm
from coope.lib.spreadsheets import CONTENT_TYPES, FORMATS, write_spreadsheet
from coope.mobility import services
from coope.mobility.forms import (
    BookingForm,
    CheckInForm,
    CheckOutForm,
    DocumentForm,
    InvoiceForm,
    MaintenanceForm,
    PlanForm,
    PlanPaymentForm,
    ProgressForm,
    PurchaseForm,
    RideDoneForm,
    RideForm,
    RuleForm,
    UnitForm,
    cents,
)
from coope.mobility.models import (
    HOLDING,
    MOBILITY,
    Booking,
    BookingStatus,
    Downtime,
    GroupPurchase,
    Loan,
    MaintenanceEvent,
    MaintenanceRule,
    Payment,
    Progress,
    PurchasePlan,
    Ride,
    Unit,
    UnitDocument,
)
from coope.people.models import Person


def _errors_to(form, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    """The service's refusal on the form: on the field it names (`fields` maps the service's
    names to the form's, e.g. cents to euros), or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = (fields or {}).get(name, name)
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
    due = services.due_by_unit(units, now)
    for unit in units:
        unit.due = due[unit.pk]
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
    posted = request.POST or None
    # Three forms on the page; the button pressed says which one is sent.
    form = MaintenanceForm(
        posted if not ({"add_document", "add_rule"} & set(request.POST)) else None,
        unit=found,
        initial={"odometer_km": found.odometer_km},
    )
    document_form = DocumentForm(posted if "add_document" in request.POST else None)
    rule_form = RuleForm(posted if "add_rule" in request.POST else None)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        sent = {
            "add_document": (
                document_form,
                lambda data: services.add_document(
                    actor=request.user,
                    unit=found,
                    kind=data["kind"],
                    date=data["date"],
                    note=data["reference"],
                ),
                _("Document enregistré."),
            ),
            "add_rule": (
                rule_form,
                lambda data: services.add_maintenance_rule(actor=request.user, unit=found, **data),
                _("Règle d'entretien enregistrée."),
            ),
        }
        for button, (sent_form, write, done) in sent.items():
            if button in request.POST and _write(sent_form, write) is not None:
                messages.success(request, done)
                return redirect("mobility:unit", found.pk)
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
        if form.is_bound and form.is_valid():
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
            "document_form": document_form,
            "rule_form": rule_form,
            "may_manage": may_manage,
            "due": services.due_maintenance(found),
            "loans": Loan.objects.filter(unit=found).select_related("borrower")[:50],
            "maintenance": MaintenanceEvent.objects.filter(unit=found).select_related("rule")[:50],
            "downtimes": Downtime.objects.filter(unit=found),
            "documents": UnitDocument.objects.filter(unit=found),
            "rules": MaintenanceRule.objects.filter(unit=found),
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
        for plan in PurchasePlan.objects.filter(cooperation=cooperation)
        .select_related("buyer", "purchase")
        .prefetch_related("schedule", "payments")
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
        .prefetch_related("schedule", "payments")
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


# -- the staff's screens that write: a form, its service, a French answer --------------------------


def _write(form, write, fields: dict[str, str] | None = None):
    """The service's result when the form is valid and the service accepts it; otherwise None,
    with the reason on the form (nothing written: every service is atomic)."""
    if not form.is_bound or not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except ValidationError as error:
        _errors_to(form, error, fields)
        return None


def _form_page(request, form, write, *, title, submit, done, back, fields=None, intro=""):
    """A page with one form: on success the message `done(result)` and a redirect to `back`
    (a url name and its arguments); otherwise the form again with its French messages."""
    result = _write(form, write, fields)
    if result is not None:
        messages.success(request, done(result))
        return redirect(*back)
    return render(
        request,
        "mobility/edit.html",
        {"form": form, "title": title, "submit": submit, "back": back, "intro": intro},
    )


@require_perm("mobility.manage")
def add_unit(request):
    cooperation = request.user.cooperation
    form = UnitForm(request.POST or None, cooperation=cooperation)
    return _form_page(
        request,
        form,
        lambda data: services.add_unit(actor=request.user, cooperation=cooperation, **data),
        title=_("Ajouter un véhicule à la flotte"),
        submit=_("Ajouter le véhicule"),
        done=lambda unit: _("%(unit)s fait partie de la flotte.") % {"unit": unit},
        back=("mobility:index",),
    )


@require_perm("mobility.manage")
def add_purchase(request):
    cooperation = request.user.cooperation
    form = PurchaseForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda data: services.create_purchase(actor=request.user, cooperation=cooperation, **data),
        title=_("Nouvel achat groupé"),
        submit=_("Créer l'achat groupé"),
        done=lambda purchase: _("Achat groupé « %(name)s » créé.") % {"name": purchase.name},
        back=("mobility:plans",),
    )


@require_perm("mobility.manage")
def add_plan(request):
    form = PlanForm(request.POST or None, cooperation=request.user.cooperation)
    return _form_page(
        request,
        form,
        lambda data: services.create_plan(
            actor=request.user,
            purchase=data["purchase"],
            buyer=data["buyer"],
            signed_on=data["signed_on"],
            price_cents=cents(data["price_euros"]),
            deposit_cents=cents(data["deposit_euros"]),
            instalments=data["instalments"],
            first_due_on=data["first_due_on"],
            remainder_on=data["remainder_on"],
        ),
        fields={"price_cents": "price_euros", "deposit_cents": "deposit_euros"},
        title=_("Plan d'un·e acheteur·se"),
        submit=_("Enregistrer le plan et son échéancier"),
        done=lambda plan: (
            _("Plan de %(buyer)s enregistré : %(n)s mensualités.")
            % {"buyer": plan.buyer, "n": plan.instalments}
        ),
        back=("mobility:plans",),
    )


@require_perm("mobility.manage")
def plan_payment(request, pk):
    plan = get_object_or_404(PurchasePlan.objects.select_related("buyer"), pk=pk)
    state = services.plan_state(plan, timezone.localdate())
    form = PlanPaymentForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda data: services.record_plan_payment(
            actor=request.user,
            plan=plan,
            paid_on=data["paid_on"],
            amount_cents=cents(data["amount_euros"]),
            method=data["method"],
        ),
        fields={"amount_cents": "amount_euros"},
        title=_("Paiement de %(buyer)s") % {"buyer": plan.buyer},
        intro=_("Prix %(price)s · payé %(paid)s · reste %(left)s")
        % {
            "price": services.euros(plan.price_cents),
            "paid": services.euros(state.paid_cents),
            "left": services.euros(state.outstanding_cents),
        },
        submit=_("Enregistrer le paiement"),
        done=lambda payment: (
            _("Paiement de %(amount)s enregistré.")
            % {"amount": services.euros(payment.amount_cents)}
        ),
        back=("mobility:plans",),
    )


@require_perm("mobility.manage")
def invoice(request, pk):
    purchase = get_object_or_404(GroupPurchase, pk=pk)
    form = InvoiceForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda data: services.record_supplier_invoice(
            actor=request.user,
            purchase=purchase,
            invoice_number=data["invoice_number"],
            total_cents=cents(data["total_euros"]),
        ),
        fields={"total_cents": "total_euros"},
        title=_("Facture du fournisseur : %(name)s") % {"name": purchase.name},
        intro=_("Les plans des acheteurs font %(plans)s.")
        % {"plans": services.euros(services.reconciliation(purchase).plans_cents)},
        submit=_("Enregistrer la facture"),
        done=lambda purchase: (
            _("Facture %(number)s enregistrée : elle correspond aux plans.")
            % {"number": purchase.invoice_number}
        ),
        back=("mobility:plans",),
    )


@require_perm("mobility.lend")
def request_ride(request):
    form = RideForm(request.POST or None, cooperation=request.user.cooperation)
    return _form_page(
        request,
        form,
        lambda data: services.request_ride(
            actor=request.user,
            requested_by=data["requested_by"],
            purpose=data["purpose"],
            date=data["date"],
            house=data["house"],
            passengers=data["passengers"],
            unit=data["unit"],
            driver=data["driver"],
            payment=data["payment"],
            price_minutes=form.price(),
            note=data["note"],
        ),
        fields={"price_minutes": "price_hours"},
        title=_("Demander un trajet"),
        submit=_("Enregistrer la demande"),
        done=lambda ride: (
            _("Trajet du %(day)s demandé pour %(who)s.")
            % {"day": f"{ride.date:%d/%m/%Y}", "who": ride.requested_by}
        ),
        back=("mobility:rides",),
    )


@require_perm("mobility.lend")
def complete_ride(request, pk):
    ride = get_object_or_404(Ride.objects.select_related("requested_by", "driver"), pk=pk)
    form = RideDoneForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda data: services.complete_ride(
            actor=request.user, ride=ride, duration_minutes=form.total_minutes()
        ),
        fields={"duration_minutes": "hours"},
        title=_("Trajet fait : %(purpose)s du %(day)s")
        % {"purpose": ride.get_purpose_display(), "day": f"{ride.date:%d/%m/%Y}"},
        intro=_("Durée du trajet : comptée en heures de bénévolat pour %(driver)s.")
        % {"driver": ride.driver}
        if ride.driver_id
        else "",
        submit=_("Le trajet est fait"),
        done=lambda ride: _("Trajet enregistré comme fait."),
        back=("mobility:rides",),
    )


def _cycles(cooperation):
    return Activity.objects.filter(
        cooperation=cooperation, programme=MOBILITY, kind=ActivityKind.COURSE
    )


@require_perm("mobility.lend")
def school(request):
    """The cycling school: its cycles and the latest progress noted at each."""
    cycles = _cycles(request.user.cooperation).select_related("house").order_by("-pk")
    return render(request, "mobility/school.html", {"cycles": cycles})


@require_perm("mobility.lend")
def cycle(request, pk):
    """A cycle of the cycling school: its learners' progress, and the form to note one."""
    found = get_object_or_404(_cycles(request.user.cooperation), pk=pk)
    form = ProgressForm(request.POST or None, cycle=found)
    noted = _write(
        form,
        lambda data: services.note_progress(actor=request.user, cycle=found, **data),
    )
    if noted is not None:
        messages.success(
            request,
            _("Progrès de %(who)s noté : %(level)s.")
            % {"who": noted.learner, "level": noted.get_level_display()},
        )
        return redirect("mobility:cycle", found.pk)
    notes = (
        Progress.objects.filter(cycle=found)
        .select_related("learner")
        .order_by("-noted_on", "-pk")[:200]
    )
    return render(request, "mobility/cycle.html", {"cycle": found, "form": form, "notes": notes})
