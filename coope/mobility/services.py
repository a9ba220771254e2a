"""Writes of the mobility programme: the fleet, bookings and loans, maintenance, the group
purchase's plans and payments, rides, the cycling school and outings.

Every function is one transaction (`@atomic_service`) and writes an audit entry. Two bookings of
one unit never overlap (the buffer between loans included): on PostgreSQL the exclusion
constraint `mobility_booking_no_overlap` refuses the second insert (it waits for the first
transaction, then fails), on SQLite the write lock taken when the transaction begins (Coopé
opens SQLite transactions IMMEDIATE, and `_take_write_lock` makes sure of it) makes the check
below and the insert one step. Both give the same French message.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from coope.activities import services as activities
from coope.activities.models import Activity, ActivityKind, Session
from coope.core.audit import CREATE, UPDATE, record, snapshot
from coope.lib.atomic import atomic_service
from coope.mobility.models import (
    HOLDING,
    MOBILITY,
    OVERLAP_CONSTRAINT,
    Booking,
    BookingStatus,
    Downtime,
    GroupPurchase,
    Instalment,
    Level,
    Loan,
    MaintenanceEvent,
    MaintenanceRule,
    Payment,
    PlanPayment,
    Progress,
    PurchasePlan,
    Remainder,
    Ride,
    RideStatus,
    Rules,
    Unit,
    UnitDocument,
    UnitKind,
    UnitState,
)
from coope.timebank import services as timebank
from coope.volunteering import services as volunteering
from coope.volunteering.models import VolunteerHours

BIKES_PAYEE = "bikes"  # declared by coope/timebank/apps.py
CARPOOL_PAYEE = "carpool"


def rules_of(cooperation) -> Rules:
    """The cooperation's lending rules, created with the defaults the first time."""
    rules, _created = Rules.objects.get_or_create(cooperation_id=cooperation.pk)
    return rules


def _same_cooperation(*objects) -> None:
    if len({obj.cooperation_id for obj in objects if obj is not None}) != 1:
        raise ValidationError(_("Ces éléments n'appartiennent pas à la même coopération."))


def _take_write_lock(unit: Unit) -> None:
    """On SQLite, hold the database's write lock from here to the commit, whatever the
    transaction mode: a write to the unit's row (an UPDATE that changes nothing). PostgreSQL
    needs no lock here: its exclusion constraint refuses the overlap."""
    if connection.vendor == "sqlite":
        Unit.objects.filter(pk=unit.pk).update(odometer_km=unit.odometer_km + 0)


def hours(minutes: int) -> str:
    whole, rest = divmod(minutes, 60)
    return f"{whole} h {rest:02d}" if rest else f"{whole} h"


def local_range(
    first: datetime.date, last: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """From the first day's local midnight to the midnight after the last day."""

    def midnight(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    return midnight(first), midnight(last + datetime.timedelta(days=1))


def started_days(seconds: float) -> int:
    return max(1, -(-int(seconds) // 86400))


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# -- the fleet --------------------------------------------------------------------------------------


@atomic_service
def add_unit(
    *,
    actor,
    cooperation,
    kind: str,
    name: str,
    house,
    in_service_on: datetime.date,
    odometer_km: int = 0,
    battery_cycles: int = 0,
) -> Unit:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Donnez un nom au véhicule.")})
    if kind not in UnitKind.values:
        raise ValidationError({"kind": _("Choisissez un type de véhicule dans la liste.")})
    if house.cooperation_id != cooperation.pk:
        raise ValidationError(_("Cette maison appartient à une autre coopération."))
    if Unit.objects.filter(cooperation=cooperation, name__iexact=name).exists():
        raise ValidationError({"name": _("Un véhicule porte déjà ce nom.")})
    unit = Unit.objects.create(
        cooperation=cooperation,
        kind=kind,
        name=name,
        house=house,
        in_service_on=in_service_on,
        odometer_km=odometer_km,
        battery_cycles=battery_cycles,
    )
    record(actor=actor, action=CREATE, instance=unit, changes=snapshot(unit))
    return unit


@atomic_service
def add_document(
    *, actor, unit: Unit, kind: str, date: datetime.date, file_name: str = "", note: str = ""
) -> UnitDocument:
    document = UnitDocument(
        cooperation_id=unit.cooperation_id,
        unit=unit,
        kind=kind,
        date=date,
        file_name=file_name,
        note=note,
    )
    document.full_clean()
    document.save()
    record(actor=actor, action=CREATE, instance=document, changes=snapshot(document))
    return document


@atomic_service
def start_downtime(
    *, actor, unit: Unit, kind: str, starts_on: datetime.date, reason: str = ""
) -> Downtime:
    """Put a unit in maintenance or out of service from a day on (until `end_downtime`)."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if kind not in (UnitState.MAINTENANCE, UnitState.OUT_OF_SERVICE):
        raise ValidationError(_("Choisissez « en entretien » ou « hors service »."))
    if unit.state != UnitState.AVAILABLE:
        raise ValidationError(
            _("Ce véhicule est déjà %(state)s.") % {"state": unit.get_state_display().lower()}
        )
    downtime = Downtime.objects.create(
        cooperation_id=unit.cooperation_id,
        unit=unit,
        kind=kind,
        starts_on=starts_on,
        reason=reason,
    )
    record(actor=actor, action=CREATE, instance=downtime, changes=snapshot(downtime))
    _set_state(actor=actor, unit=unit, state=kind)
    return downtime


@atomic_service
def end_downtime(*, actor, unit: Unit, ends_on: datetime.date) -> Downtime:
    """The unit is available again from `ends_on`: its open downtime is closed, never deleted."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    downtime = Downtime.objects.filter(unit=unit, ends_on__isnull=True).first()
    if downtime is None:
        raise ValidationError(_("Ce véhicule est déjà disponible."))
    if ends_on < downtime.starts_on:
        raise ValidationError(
            _("La remise en service ne peut pas précéder le %(day)s.")
            % {"day": f"{downtime.starts_on:%d/%m/%Y}"}
        )
    downtime.ends_on = ends_on
    downtime.save(update_fields=["ends_on"])
    record(actor=actor, action=UPDATE, instance=downtime, changes={"ends_on": ends_on.isoformat()})
    _set_state(actor=actor, unit=unit, state=UnitState.AVAILABLE)
    return downtime


def _set_state(*, actor, unit: Unit, state: str) -> None:
    before = unit.state
    unit.state = state
    unit.save(update_fields=["state"])
    record(actor=actor, action=UPDATE, instance=unit, changes={"state": [before, state]})


# -- maintenance ------------------------------------------------------------------------------------


@atomic_service
def add_maintenance_rule(
    *,
    actor,
    unit: Unit,
    label: str,
    every_km: int | None = None,
    every_months: int | None = None,
    after_each_loan: bool = False,
) -> MaintenanceRule:
    if not (every_km or every_months or after_each_loan):
        raise ValidationError(
            _(
                "Dites quand l'entretien revient : tous les … km, tous les … mois ou après chaque prêt."
            )
        )
    rule = MaintenanceRule.objects.create(
        cooperation_id=unit.cooperation_id,
        unit=unit,
        label=label.strip() or _("Entretien"),
        every_km=every_km or None,
        every_months=every_months or None,
        after_each_loan=after_each_loan,
    )
    record(actor=actor, action=CREATE, instance=rule, changes=snapshot(rule))
    return rule


@dataclass(frozen=True)
class Due:
    rule: MaintenanceRule
    reason: str


def _rules_with_history(rules):
    """Each rule with its last maintenance (km and moment) and its unit's last return, read in
    the one query that reads the rules."""
    last = MaintenanceEvent.objects.filter(rule=OuterRef("pk")).order_by("-done_at", "-pk")
    returned = Loan.objects.filter(unit=OuterRef("unit_id"), in_at__isnull=False).order_by("-in_at")
    return rules.annotate(
        last_km=Subquery(last.values("odometer_km")[:1]),
        last_at=Subquery(last.values("done_at")[:1]),
        last_return=Subquery(returned.values("in_at")[:1]),
    ).order_by("pk")


def _due(rule: MaintenanceRule, unit: Unit, today: datetime.date) -> Due | None:
    since_km = rule.last_km if rule.last_at is not None else 0  # type: ignore[attr-defined]
    last_at = rule.last_at  # type: ignore[attr-defined]
    since_day = timezone.localdate(last_at) if last_at is not None else unit.in_service_on
    if rule.every_km and unit.odometer_km >= since_km + rule.every_km:
        return Due(rule, _("%(km)s km depuis le dernier") % {"km": unit.odometer_km - since_km})
    if rule.every_months and today >= add_months(since_day, rule.every_months):
        return Due(
            rule,
            _("dû depuis le %(day)s")
            % {"day": f"{add_months(since_day, rule.every_months):%d/%m/%Y}"},
        )
    returned = rule.last_return  # type: ignore[attr-defined]
    if rule.after_each_loan and returned is not None and (last_at is None or returned > last_at):
        return Due(rule, _("après le dernier prêt"))
    return None


def due_by_unit(units, now: datetime.datetime | None = None) -> dict[int, list[Due]]:
    """The rules that are due of each of `units`, in one query whatever their number."""
    today = timezone.localdate(now or timezone.now())
    by_pk = {unit.pk: unit for unit in units}
    found: dict[int, list[Due]] = {pk: [] for pk in by_pk}
    for rule in _rules_with_history(MaintenanceRule.objects.filter(unit_id__in=list(by_pk))):
        due = _due(rule, by_pk[rule.unit_id], today)
        if due is not None:
            found[rule.unit_id].append(due)
    return found


def due_maintenance(unit: Unit, now: datetime.datetime | None = None) -> list[Due]:
    """The unit's rules that are due (overdue maintenance blocks its loans), each with why."""
    return due_by_unit([unit], now)[unit.pk]


@atomic_service
def record_maintenance(
    *,
    actor,
    unit: Unit,
    done_at: datetime.datetime,
    odometer_km: int,
    rule: MaintenanceRule | None = None,
    note: str = "",
    cost_cents: int = 0,
) -> MaintenanceEvent:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if rule is not None and rule.unit_id != unit.pk:
        raise ValidationError(_("Cette règle d'entretien est celle d'un autre véhicule."))
    if odometer_km < unit.odometer_km:
        raise ValidationError(
            _("Le compteur ne recule pas : il indiquait déjà %(km)s km.") % {"km": unit.odometer_km}
        )
    event = MaintenanceEvent.objects.create(
        cooperation_id=unit.cooperation_id,
        unit=unit,
        rule=rule,
        done_at=done_at,
        odometer_km=odometer_km,
        note=note,
        cost_cents=cost_cents,
    )
    record(actor=actor, action=CREATE, instance=event, changes=snapshot(event))
    if odometer_km != unit.odometer_km:
        record(
            actor=actor,
            action=UPDATE,
            instance=unit,
            changes={"odometer_km": [unit.odometer_km, odometer_km]},
        )
        unit.odometer_km = odometer_km
        unit.save(update_fields=["odometer_km"])
    return event


# -- bookings and loans -----------------------------------------------------------------------------

OVERLAP_MESSAGE = (
    "Ce véhicule est déjà réservé sur ce créneau (battement entre deux prêts compris) : rien n'a "
    "été enregistré. Choisissez un autre créneau ou un autre véhicule."
)


def overlap_refusal() -> ValidationError:
    return ValidationError(_(OVERLAP_MESSAGE), code="overlap")


def overdue_loans(now: datetime.datetime | None = None):
    return Booking.objects.filter(status=BookingStatus.OUT, ends_at__lt=now or timezone.now())


def _check_bookable(unit: Unit, borrower, starts_at, ends_at, now) -> None:
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("La fin doit être après le début.")})
    if starts_at < now - datetime.timedelta(minutes=15):
        raise ValidationError(
            {"starts_at": _("Ce créneau est déjà passé : choisissez un début à venir.")}
        )
    rules = rules_of(unit.cooperation)
    if (ends_at - starts_at) > datetime.timedelta(minutes=rules.max_booking_minutes):
        raise ValidationError(
            {
                "ends_at": _("Une réservation dure au plus %(length)s dans cette coopération.")
                % {"length": hours(rules.max_booking_minutes)}
            }
        )
    if unit.retired_on is not None or unit.state != UnitState.AVAILABLE:
        state = _("retiré") if unit.retired_on else unit.get_state_display().lower()
        raise ValidationError(
            _("%(unit)s est %(state)s : on ne peut pas le réserver.")
            % {"unit": unit, "state": state}
        )
    late = overdue_loans(now)
    if late.filter(unit=unit).exists():
        raise ValidationError(
            _("%(unit)s n'a pas été rendu à temps : pas de réservation avant son retour.")
            % {"unit": unit}
        )
    if late.filter(borrower=borrower).exists():
        raise ValidationError(
            _(
                "%(who)s n'a pas rendu un véhicule à temps : pas de nouvelle réservation avant ce retour."
            )
            % {"who": borrower}
        )


def price_in_minutes(rules: Rules, starts_at, ends_at) -> int:
    """The price in hours: each started day of the booking at the cooperation's day price."""
    return started_days((ends_at - starts_at).total_seconds()) * rules.minutes_per_day


@atomic_service
def book_unit(
    *,
    actor,
    unit: Unit,
    borrower,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    payment: str,
    price_cents: int = 0,
) -> Booking:
    """Reserve a unit for a person; in hours, the price is held on their TIC-TAC account at once
    (taken at check-in, released on cancellation). Refused with a French message, nothing
    written: end before start, a past start, longer than the cooperation allows, a unit in
    maintenance or out of service, an overdue unit or borrower, an overlapping booking."""
    _same_cooperation(unit, borrower)
    unit = Unit.objects.select_related("house", "cooperation").get(pk=unit.pk)
    if payment not in Payment.values:
        raise ValidationError({"payment": _("Choisissez un mode de paiement dans la liste.")})
    if payment == Payment.EUROS and price_cents <= 0:
        raise ValidationError({"price_cents": _("Donnez le prix en euros.")})
    _take_write_lock(unit)
    now = timezone.now()
    _check_bookable(unit, borrower, starts_at, ends_at, now)
    rules = rules_of(unit.cooperation)
    blocked_until = ends_at + datetime.timedelta(minutes=rules.buffer_minutes)
    # The buffer goes both ways: an earlier booking's buffer must end before this one starts.
    if Booking.objects.filter(
        unit=unit, status__in=HOLDING, starts_at__lt=blocked_until, blocked_until__gt=starts_at
    ).exists():
        raise overlap_refusal()
    booking = Booking(
        cooperation_id=unit.cooperation_id,
        unit=unit,
        borrower=borrower,
        starts_at=starts_at,
        ends_at=ends_at,
        blocked_until=blocked_until,
        payment=payment,
        price_minutes=price_in_minutes(rules, starts_at, ends_at)
        if payment == Payment.HOURS
        else 0,
        price_cents=price_cents if payment == Payment.EUROS else 0,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as error:
        if OVERLAP_CONSTRAINT in str(error):
            raise overlap_refusal() from error
        raise
    record(actor=actor, action=CREATE, instance=booking, changes=snapshot(booking))
    if payment == Payment.HOURS:
        booking.hold = timebank.hold_time(
            actor=actor,
            payer=borrower,
            payee_kind=BIKES_PAYEE,
            association=unit.house.association,
            minutes=booking.price_minutes,
            item=booking,
            idempotency_key=f"mobility:booking:{booking.pk}",
        )
        booking.save(update_fields=["hold"])
        record(actor=actor, action=UPDATE, instance=booking, changes={"hold": booking.hold.pk})
    return booking


def _locked_booking(booking: Booking, *expected: str) -> Booking:
    booking = (
        Booking.objects.select_for_update().select_related("unit", "borrower").get(pk=booking.pk)
    )
    if booking.status not in expected:
        raise ValidationError(
            _("Cette réservation est déjà « %(state)s ».") % {"state": booking.get_status_display()}
        )
    return booking


@atomic_service
def cancel_booking(*, actor, booking: Booking) -> Booking:
    """A booking not yet out is cancelled (it stays, cancelled): the hours held are released."""
    booking = _locked_booking(booking, BookingStatus.BOOKED)
    booking.status = BookingStatus.CANCELLED
    booking.save(update_fields=["status"])
    record(
        actor=actor, action=UPDATE, instance=booking, changes={"status": ["booked", "cancelled"]}
    )
    if booking.hold is not None:
        timebank.release_hold(actor=actor, hold=booking.hold)
    return booking


@atomic_service
def check_out(
    *,
    actor,
    booking: Booking,
    checklist: dict,
    deposit_cents: int,
    now: datetime.datetime | None = None,
) -> Loan:
    """The unit leaves with its borrower: the checklist as seen, the deposit taken. Refused when
    the unit's maintenance is overdue, when it is not available, or when it is still out."""
    now = now or timezone.now()
    booking = _locked_booking(booking, BookingStatus.BOOKED)
    unit = Unit.objects.select_for_update().get(pk=booking.unit_id)
    if unit.state != UnitState.AVAILABLE:
        raise ValidationError(
            _("%(unit)s est %(state)s : pas de prêt.")
            % {"unit": unit, "state": unit.get_state_display().lower()}
        )
    due = due_maintenance(unit, now)
    if due:
        raise ValidationError(
            _("Entretien en retard pour %(unit)s (%(what)s) : pas de prêt avant l'entretien.")
            % {"unit": unit, "what": "; ".join(f"{d.rule.label}, {d.reason}" for d in due)}
        )
    if Booking.objects.filter(unit=unit, status=BookingStatus.OUT).exists():
        raise ValidationError(_("%(unit)s n'est pas encore rendu.") % {"unit": unit})
    if now >= booking.ends_at:
        raise ValidationError(_("Cette réservation est terminée : faites-en une nouvelle."))
    if deposit_cents < 0:
        raise ValidationError({"deposit_cents": _("La caution ne peut pas être négative.")})
    loan = Loan.objects.create(
        cooperation_id=booking.cooperation_id,
        booking=booking,
        unit=unit,
        borrower=booking.borrower,
        out_at=now,
        out_checklist=checklist,
        deposit_cents=deposit_cents,
        km_out=unit.odometer_km,
    )
    record(actor=actor, action=CREATE, instance=loan, changes=snapshot(loan))
    booking.status = BookingStatus.OUT
    booking.save(update_fields=["status"])
    record(actor=actor, action=UPDATE, instance=booking, changes={"status": ["booked", "out"]})
    return loan


@atomic_service
def check_in(
    *,
    actor,
    loan: Loan,
    checklist: dict,
    km_in: int,
    damage: str = "",
    battery_cycles: int | None = None,
    now: datetime.datetime | None = None,
) -> Loan:
    """The unit is back: checklist, odometer, damage. The hours held are taken (or the euros
    counted); a damaged unit goes into maintenance until it is repaired."""
    now = now or timezone.now()
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if loan.in_at is not None:
        raise ValidationError(_("Ce véhicule est déjà rendu."))
    booking = _locked_booking(loan.booking, BookingStatus.OUT)
    unit = Unit.objects.select_for_update().get(pk=loan.unit_id)
    if km_in < loan.km_out:
        raise ValidationError(
            {
                "km_in": _("Le compteur ne recule pas : il indiquait %(km)s km au départ.")
                % {"km": loan.km_out}
            }
        )
    if booking.hold is not None:
        timebank.take_hold(actor=actor, hold=booking.hold)
        loan.minutes_paid = booking.price_minutes
    loan.cents_paid = booking.price_cents
    loan.in_at, loan.in_checklist, loan.km_in = now, checklist, km_in
    loan.distance_km, loan.damage = km_in - loan.km_out, damage.strip()
    seconds = (now - loan.out_at).total_seconds()
    loan.duration_minutes, loan.days = int(seconds // 60), started_days(seconds)
    loan.save()
    record(
        actor=actor,
        action=UPDATE,
        instance=loan,
        changes=snapshot(
            loan, ["in_at", "km_in", "distance_km", "damage", "minutes_paid", "cents_paid"]
        ),
    )
    booking.status = BookingStatus.RETURNED
    booking.save(update_fields=["status"])
    record(actor=actor, action=UPDATE, instance=booking, changes={"status": ["out", "returned"]})
    changes = {"odometer_km": [unit.odometer_km, km_in]}
    unit.odometer_km = km_in
    if battery_cycles is not None and battery_cycles >= unit.battery_cycles:
        changes["battery_cycles"] = [unit.battery_cycles, battery_cycles]
        unit.battery_cycles = battery_cycles
    unit.save(update_fields=["odometer_km", "battery_cycles"])
    record(actor=actor, action=UPDATE, instance=unit, changes=changes)
    if loan.damage:
        start_downtime(
            actor=actor,
            unit=unit,
            kind=UnitState.MAINTENANCE,
            starts_on=timezone.localdate(now),
            reason=_("Dégâts au retour du prêt n°%(pk)s") % {"pk": loan.pk},
        )
    return loan


# -- the group purchase ---------------------------------------------------------------------------


def schedule_amounts(
    *, price_cents: int, deposit_cents: int, instalments: int, remainder_on: str = Remainder.LAST
) -> list[int]:
    """The monthly amounts: (price - deposit) shared in `instalments` whole cents; the cents left
    over go on the last (or the first) one. They add up to the price with the deposit, exactly."""
    base, extra = divmod(price_cents - deposit_cents, instalments)
    amounts = [base] * instalments
    amounts[-1 if remainder_on == Remainder.LAST else 0] += extra
    return amounts


@atomic_service
def create_purchase(
    *, actor, cooperation, name: str, supplier: str, ordered_on: datetime.date
) -> GroupPurchase:
    purchase = GroupPurchase.objects.create(
        cooperation=cooperation, name=name.strip(), supplier=supplier.strip(), ordered_on=ordered_on
    )
    record(actor=actor, action=CREATE, instance=purchase, changes=snapshot(purchase))
    return purchase


@atomic_service
def create_plan(
    *,
    actor,
    purchase: GroupPurchase,
    buyer,
    signed_on: datetime.date,
    price_cents: int,
    deposit_cents: int,
    instalments: int,
    first_due_on: datetime.date,
    remainder_on: str = Remainder.LAST,
) -> PurchasePlan:
    """A buyer's plan and its schedule: the deposit (n°0, due the day it is signed) and the
    monthly instalments from `first_due_on`."""
    _same_cooperation(purchase, buyer)
    if price_cents <= 0:
        raise ValidationError({"price_cents": _("Le prix doit être positif.")})
    if not 0 <= deposit_cents <= price_cents:
        raise ValidationError({"deposit_cents": _("L'acompte est entre 0 et le prix.")})
    if not 1 <= instalments <= 60:
        raise ValidationError({"instalments": _("Entre 1 et 60 mensualités.")})
    if first_due_on < signed_on:
        raise ValidationError(
            {"first_due_on": _("La première mensualité vient après la signature.")}
        )
    if remainder_on not in Remainder.values:
        raise ValidationError({"remainder_on": _("Choisissez où vont les centimes restants.")})
    plan = PurchasePlan.objects.create(
        cooperation_id=purchase.cooperation_id,
        purchase=purchase,
        buyer=buyer,
        signed_on=signed_on,
        price_cents=price_cents,
        deposit_cents=deposit_cents,
        instalments=instalments,
        first_due_on=first_due_on,
        remainder_on=remainder_on,
    )
    rows = (
        [
            Instalment(
                cooperation_id=plan.cooperation_id,
                plan=plan,
                number=0,
                due_on=signed_on,
                amount_cents=deposit_cents,
            )
        ]
        if deposit_cents
        else []
    )
    amounts = schedule_amounts(
        price_cents=price_cents,
        deposit_cents=deposit_cents,
        instalments=instalments,
        remainder_on=remainder_on,
    )
    rows += [
        Instalment(
            cooperation_id=plan.cooperation_id,
            plan=plan,
            number=number,
            due_on=add_months(first_due_on, number - 1),
            amount_cents=amount,
        )
        for number, amount in enumerate(amounts, start=1)
    ]
    Instalment.objects.bulk_create(rows)
    schedule = [[row.number, row.due_on.isoformat(), row.amount_cents] for row in rows]
    record(
        actor=actor, action=CREATE, instance=plan, changes=snapshot(plan) | {"schedule": schedule}
    )
    return plan


@dataclass
class InstalmentState:
    number: int
    due_on: datetime.date
    amount_cents: int
    paid_cents: int

    @property
    def unpaid_cents(self) -> int:
        return self.amount_cents - self.paid_cents


@dataclass
class PlanState:
    plan: PurchasePlan
    paid_cents: int
    instalments: list[InstalmentState] = field(default_factory=list)
    late: list[InstalmentState] = field(default_factory=list)

    @property
    def outstanding_cents(self) -> int:
        return self.plan.price_cents - self.paid_cents

    @property
    def paid_off(self) -> bool:
        return self.outstanding_cents == 0

    @property
    def late_cents(self) -> int:
        return sum(i.unpaid_cents for i in self.late)


def plan_state(plan: PurchasePlan, today: datetime.date) -> PlanState:
    """What is paid, what remains, and the late instalments on `today`: payments pay the
    schedule in order, the oldest instalment first."""
    # plan.payments and plan.schedule: read with the plans when a list prefetched them
    paid = sum(payment.amount_cents for payment in plan.payments.all())
    state, left = PlanState(plan=plan, paid_cents=paid), paid
    for instalment in sorted(plan.schedule.all(), key=lambda row: row.number):
        covered = min(instalment.amount_cents, left)
        left -= covered
        row = InstalmentState(
            instalment.number, instalment.due_on, instalment.amount_cents, covered
        )
        state.instalments.append(row)
        if row.unpaid_cents and row.due_on < today:
            state.late.append(row)
    return state


def late_plans(cooperation, today: datetime.date) -> list[PlanState]:
    """Every plan of the cooperation with an instalment late on `today`."""
    plans = (
        PurchasePlan.objects.filter(cooperation=cooperation)
        .select_related("buyer", "purchase")
        .prefetch_related("schedule", "payments")
    )
    states = (plan_state(plan, today) for plan in plans)
    return [state for state in states if state.late]


@atomic_service
def record_plan_payment(
    *, actor, plan: PurchasePlan, paid_on: datetime.date, amount_cents: int, method: str
) -> PlanPayment:
    """Money received against a plan; more than what remains is refused (an early payoff is
    exactly what remains)."""
    plan = PurchasePlan.objects.select_for_update().get(pk=plan.pk)
    if amount_cents <= 0:
        raise ValidationError({"amount_cents": _("Le montant doit être positif.")})
    state = plan_state(plan, paid_on)
    if amount_cents > state.outstanding_cents:
        raise ValidationError(
            {
                "amount_cents": _(
                    "Il ne reste que %(left)s à payer sur ce plan : rien n'a été enregistré."
                )
                % {"left": euros(state.outstanding_cents)}
            }
        )
    payment = PlanPayment.objects.create(
        cooperation_id=plan.cooperation_id,
        plan=plan,
        paid_on=paid_on,
        amount_cents=amount_cents,
        method=method,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    record(actor=actor, action=CREATE, instance=payment, changes=snapshot(payment))
    return payment


def euros(cents: int) -> str:
    whole, rest = divmod(cents, 100)
    return f"{whole:,}".replace(",", "\u202f") + f",{rest:02d}\u00a0€"


@dataclass(frozen=True)
class Reconciliation:
    invoice_cents: int | None
    plans_cents: int
    schedules_cents: int
    paid_cents: int

    @property
    def balanced(self) -> bool:
        return self.invoice_cents == self.plans_cents == self.schedules_cents

    @property
    def outstanding_cents(self) -> int:
        return self.plans_cents - self.paid_cents


def reconciliation(purchase: GroupPurchase) -> Reconciliation:
    """The supplier's invoice, the plans' prices, their schedules and the payments, in cents."""
    from django.db.models import Sum

    def total(queryset, name):
        return queryset.aggregate(s=Sum(name))["s"] or 0

    return Reconciliation(
        invoice_cents=purchase.invoice_total_cents,
        plans_cents=total(PurchasePlan.objects.filter(purchase=purchase), "price_cents"),
        schedules_cents=total(Instalment.objects.filter(plan__purchase=purchase), "amount_cents"),
        paid_cents=total(PlanPayment.objects.filter(plan__purchase=purchase), "amount_cents"),
    )


@atomic_service
def record_supplier_invoice(
    *, actor, purchase: GroupPurchase, invoice_number: str, total_cents: int
) -> GroupPurchase:
    """The supplier's invoice, refused unless it equals the plans' prices to the cent."""
    purchase = GroupPurchase.objects.select_for_update().get(pk=purchase.pk)
    plans = reconciliation(purchase).plans_cents
    if total_cents != plans:
        raise ValidationError(
            {
                "total_cents": _(
                    "La facture (%(invoice)s) ne correspond pas aux plans des acheteurs "
                    "(%(plans)s) : écart de %(gap)s. Rien n'a été enregistré."
                )
                % {
                    "invoice": euros(total_cents),
                    "plans": euros(plans),
                    "gap": euros(abs(total_cents - plans)),
                }
            }
        )
    purchase.invoice_number, purchase.invoice_total_cents = invoice_number.strip(), total_cents
    purchase.save(update_fields=["invoice_number", "invoice_total_cents"])
    record(
        actor=actor,
        action=UPDATE,
        instance=purchase,
        changes={"invoice_number": purchase.invoice_number, "invoice_total_cents": total_cents},
    )
    return purchase


# -- rides ------------------------------------------------------------------------------------------


@atomic_service
def request_ride(
    *,
    actor,
    requested_by,
    purpose: str,
    date: datetime.date,
    house,
    passengers=(),
    unit: Unit | None = None,
    driver=None,
    payment: str = Payment.FREE,
    price_minutes: int = 0,
    note: str = "",
) -> Ride:
    """A ride asked for: served by a rosalie (`unit`, with its rider as `driver`) or by a
    volunteer driver (`driver` without a unit)."""
    passengers = list(passengers)
    _same_cooperation(requested_by, house, unit, driver, *passengers)
    if unit is not None and unit.kind != UnitKind.ROSALIE:
        raise ValidationError(
            {"unit": _("Les trajets se font en rosalie : choisissez une rosalie.")}
        )
    if payment not in (Payment.HOURS, Payment.FREE):
        raise ValidationError({"payment": _("Un trajet se paie en heures ou il est gratuit.")})
    if (payment == Payment.HOURS) != (price_minutes > 0):
        raise ValidationError(
            {"price_minutes": _("Un trajet en heures a un prix ; un trajet gratuit n'en a pas.")}
        )
    ride = Ride.objects.create(
        cooperation_id=requested_by.cooperation_id,
        purpose=purpose,
        requested_by=requested_by,
        date=date,
        house=house,
        unit=unit,
        driver=driver,
        payment=payment,
        price_minutes=price_minutes,
        note=note,
    )
    ride.passengers.set(passengers)
    record(
        actor=actor,
        action=CREATE,
        instance=ride,
        changes=snapshot(ride) | {"passengers": [p.pk for p in passengers]},
    )
    return ride


@atomic_service
def complete_ride(*, actor, ride: Ride, duration_minutes: int) -> Ride:
    """The ride was made: paid in hours by the person who asked (to the fleet for a rosalie, to
    the carpools for a driver), and the driver's time recorded as volunteer hours of the
    mobility programme."""
    ride = Ride.objects.select_for_update().select_related("house__association").get(pk=ride.pk)
    if ride.status != RideStatus.REQUESTED:
        raise ValidationError(
            _("Ce trajet est déjà « %(state)s ».") % {"state": ride.get_status_display()}
        )
    if duration_minutes < 0 or duration_minutes > 24 * 60:
        raise ValidationError({"duration_minutes": _("La durée est entre 0 et 24 heures.")})
    if ride.payment == Payment.HOURS:
        ride.transfer = timebank.pay_in_time(
            actor=actor,
            payer=ride.requested_by,
            payee_kind=BIKES_PAYEE if ride.unit_id else CARPOOL_PAYEE,
            association=ride.house.association,
            minutes=ride.price_minutes,
            item=ride,
            idempotency_key=f"mobility:ride:{ride.pk}",
        )
    ride.status, ride.duration_minutes = RideStatus.DONE, duration_minutes
    ride.save(update_fields=["status", "duration_minutes", "transfer"])
    record(
        actor=actor,
        action=UPDATE,
        instance=ride,
        changes={
            "status": "done",
            "duration_minutes": duration_minutes,
            "transfer": ride.transfer_id,
        },
    )
    if ride.driver_id and duration_minutes:
        rows = volunteering.record_volunteer_hours(
            actor=actor,
            people=[ride.driver],
            date=ride.date,
            duration_minutes=duration_minutes,
            kind="activity",
            comment=_("Trajet n°%(pk)s (%(purpose)s)")
            % {"pk": ride.pk, "purpose": ride.get_purpose_display()},
        )
        # The programme the time was given for (the service takes no programme yet).
        VolunteerHours.objects.filter(pk__in=[row.pk for row in rows]).update(programme=MOBILITY)
        for row in rows:
            record(actor=actor, action=UPDATE, instance=row, changes={"programme": ["", MOBILITY]})
    return ride


@atomic_service
def cancel_ride(*, actor, ride: Ride) -> Ride:
    ride = Ride.objects.select_for_update().get(pk=ride.pk)
    if ride.status != RideStatus.REQUESTED:
        raise ValidationError(
            _("Ce trajet est déjà « %(state)s ».") % {"state": ride.get_status_display()}
        )
    ride.status = RideStatus.CANCELLED
    ride.save(update_fields=["status"])
    record(actor=actor, action=UPDATE, instance=ride, changes={"status": "cancelled"})
    return ride


# -- outings and the cycling school ----------------------------------------------------------------


@atomic_service
def create_outing(
    *,
    actor,
    cooperation,
    title: str,
    house,
    starts_at: datetime.datetime,
    duration: datetime.timedelta,
) -> Session:
    """An outing of the mobility programme: an activity (kind « sortie ») and its one session,
    whose attendance is the roll call of coope/activities."""
    activity = activities.create_activity(
        actor=actor,
        cooperation=cooperation,
        title=title,
        house=house,
        programme=MOBILITY,
        kind=ActivityKind.OUTING,
    )
    [session] = activities.schedule_sessions(
        actor=actor, activity=activity, first_start=starts_at, duration=duration
    )
    return session


@atomic_service
def create_cycle(
    *,
    actor,
    cooperation,
    title: str,
    house,
    first_start: datetime.datetime,
    weeks: int,
    duration: datetime.timedelta = datetime.timedelta(hours=2),
) -> Activity:
    """A cycle of the cycling school: an activity (kind « cours ») with its weekly sessions;
    learners register and are ticked at sessions like any activity's."""
    activity = activities.create_activity(
        actor=actor,
        cooperation=cooperation,
        title=title,
        house=house,
        programme=MOBILITY,
        kind=ActivityKind.COURSE,
    )
    activities.schedule_sessions(
        actor=actor, activity=activity, first_start=first_start, duration=duration, weeks=weeks
    )
    return activity


@atomic_service
def note_progress(
    *, actor, cycle: Activity, learner, noted_on: datetime.date, level: str, note: str = ""
) -> Progress:
    _same_cooperation(cycle, learner)
    if cycle.programme != MOBILITY or cycle.kind != ActivityKind.COURSE:
        raise ValidationError(_("Ce n'est pas un cycle de la vélo-école."))
    if level not in Level.values:
        raise ValidationError({"level": _("Choisissez un niveau dans la liste.")})
    progress = Progress.objects.create(
        cooperation_id=cycle.cooperation_id,
        cycle=cycle,
        learner=learner,
        noted_on=noted_on,
        level=level,
        note=note,
    )
    record(actor=actor, action=CREATE, instance=progress, changes=snapshot(progress))
    return progress
