"""Key figures of the mobility programme (code "mobility").

The fleet counts the units in service during the period (in service before its end, not retired
before its start); the group purchase counts the plans signed in the period; loans count by the
day they went out, rides by their day. Outings and the cycling school are activities of
coope/activities carrying the programme: outings are the sessions of its activities of kind
« sortie », cycles its activities of kind « cours » with a session in the period.

A unit, a loan and a ride belong to a house (the unit's house, the ride's): those figures answer
by house and association; the group purchase answers for the cooperation as a whole.

Counts of vehicles, loans, rides and cycles are shown as « évènements » until coope/lib/
indicators.py has their units (see the mobility report); their values are exact whatever the
label.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

import coope.activities.indicators
from coope.activities.models import ActivityKind, Attendance, Session
from coope.lib.indicators import (
    Breakdown,
    Distinct,
    Rows,
    Scope,
    Total,
    Unit,
    choice_labels,
    indicator,
)
from coope.mobility.models import (
    MOBILITY,
    Downtime,
    Loan,
    PurchasePlan,
    Ride,
    RidePurpose,
    RideStatus,
    UnitKind,
    UnitState,
)
from coope.mobility.models import (
    Unit as Vehicle,
)
from coope.mobility.services import local_range

BY_HOUSE = {"association", "house"}


def _by_house(queryset: QuerySet, scope: Scope, path: str) -> QuerySet:
    if scope.house is not None:
        queryset = queryset.filter(**{path: scope.house})
    if scope.association is not None:
        queryset = queryset.filter(**{f"{path}__association": scope.association})
    return queryset


def units_in_service(scope: Scope, kind: str) -> QuerySet[Vehicle]:
    period = scope.period
    units = Vehicle.objects.filter(
        Q(retired_on__isnull=True) | Q(retired_on__gte=period.start),
        cooperation=scope.cooperation,
        kind=kind,
        in_service_on__lte=period.end,
    )
    return _by_house(units, scope, "house")


UNIT_FIELDS = ("kind", "name", "house", "in_service_on", "retired_on")


@indicator(
    "mobility.ebikes_bought",
    _("Mobilité : vélos à assistance électrique achetés en achat groupé (plans signés)"),
    unit=Unit.VEHICLES,
    measure=Rows(),
    public_fields=("purchase", "signed_on", "price_cents"),
)
def ebikes_bought(scope: Scope) -> QuerySet[PurchasePlan]:
    return PurchasePlan.objects.filter(
        cooperation=scope.cooperation,
        signed_on__gte=scope.period.start,
        signed_on__lte=scope.period.end,
    ).select_related("purchase")


@indicator(
    "mobility.ebikes_for_loan",
    _("Mobilité : vélos à assistance électrique en prêt (en service pendant la période)"),
    unit=Unit.VEHICLES,
    measure=Rows(),
    dimensions=BY_HOUSE,
    public_fields=UNIT_FIELDS,
)
def ebikes_for_loan(scope: Scope) -> QuerySet[Vehicle]:
    return units_in_service(scope, UnitKind.EBIKE)


@indicator(
    "mobility.rosalies",
    _("Mobilité : rosalies électrifiées (en service pendant la période)"),
    unit=Unit.VEHICLES,
    measure=Rows(),
    dimensions=BY_HOUSE,
    public_fields=UNIT_FIELDS,
)
def rosalies(scope: Scope) -> QuerySet[Vehicle]:
    return units_in_service(scope, UnitKind.ROSALIE)


@indicator(
    "mobility.units_out_of_service",
    _("Mobilité : véhicules hors service pendant la période"),
    unit=Unit.VEHICLES,
    measure=Distinct("unit"),
    dimensions=BY_HOUSE,
    public_fields=("unit", "kind", "starts_on", "ends_on"),
)
def units_out_of_service(scope: Scope) -> QuerySet[Downtime]:
    downtimes = Downtime.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=scope.period.start),
        cooperation=scope.cooperation,
        kind=UnitState.OUT_OF_SERVICE,
        starts_on__lte=scope.period.end,
    )
    return _by_house(downtimes, scope, "unit__house")


def outing_sessions(scope: Scope) -> QuerySet[Session]:
    sessions = coope.activities.indicators.sessions_in(
        Scope(scope.cooperation, scope.period, scope.association, scope.house, MOBILITY)
    )
    return sessions.filter(activity__kind=ActivityKind.OUTING)


@indicator(
    "mobility.outings",
    _("Mobilité : sorties"),
    unit=Unit.SESSIONS,
    measure=Rows(),
    dimensions=BY_HOUSE,
    public_fields=("activity", "starts_at", "house"),
)
def outings(scope: Scope) -> QuerySet[Session]:
    return outing_sessions(scope).select_related("activity", "house")


@indicator(
    "mobility.outing_participants",
    _("Mobilité : personnes venues aux sorties (distinctes)"),
    unit=Unit.PERSONS,
    measure=Distinct("person"),
    dimensions=BY_HOUSE,
    public_fields=("session",),
)
def outing_participants(scope: Scope) -> QuerySet[Attendance]:
    return Attendance.objects.filter(session__in=outing_sessions(scope))


@indicator(
    "mobility.cycling_school_cycles",
    _("Mobilité : cycles de la vélo-école (avec une séance dans la période)"),
    unit=Unit.CYCLES,
    measure=Distinct("activity"),
    dimensions=BY_HOUSE,
    public_fields=("activity", "starts_at", "house"),
)
def cycling_school_cycles(scope: Scope) -> QuerySet[Session]:
    sessions = coope.activities.indicators.sessions_in(
        Scope(scope.cooperation, scope.period, scope.association, scope.house, MOBILITY)
    )
    return sessions.filter(activity__kind=ActivityKind.COURSE)


LOAN_FIELDS = ("unit", "out_at", "in_at", "distance_km", "minutes_paid")


def loans_out(scope: Scope) -> QuerySet[Loan]:
    start, end = local_range(scope.period.start, scope.period.end)
    loans = Loan.objects.filter(cooperation=scope.cooperation, out_at__gte=start, out_at__lt=end)
    return _by_house(loans, scope, "unit__house")


def returned_loans(scope: Scope) -> QuerySet[Loan]:
    """Loans out in the period and back: their time, distance and payment are known."""
    return loans_out(scope).filter(in_at__isnull=False)


@indicator(
    "mobility.loans",
    _("Mobilité : prêts de véhicules"),
    unit=Unit.LOANS,
    measure=Rows(),
    dimensions=BY_HOUSE,
    public_fields=LOAN_FIELDS,
)
def loans(scope: Scope) -> QuerySet[Loan]:
    return loans_out(scope).select_related("unit")


@indicator(
    "mobility.loan_time",
    _("Mobilité : durée des prêts rendus"),
    unit=Unit.MINUTES,
    measure=Total("duration_minutes"),
    dimensions=BY_HOUSE,
    public_fields=LOAN_FIELDS,
)
def loan_time(scope: Scope) -> QuerySet[Loan]:
    return returned_loans(scope)


@indicator(
    "mobility.loan_days",
    _("Mobilité : jours de prêt (jours commencés)"),
    unit=Unit.DAYS,
    measure=Total("days"),
    dimensions=BY_HOUSE,
    public_fields=LOAN_FIELDS,
)
def loan_days(scope: Scope) -> QuerySet[Loan]:
    return returned_loans(scope)


@indicator(
    "mobility.kilometres",
    _("Mobilité : kilomètres parcourus en prêt (en km)"),
    unit=Unit.KILOMETRES,
    measure=Total("distance_km"),
    dimensions=BY_HOUSE,
    public_fields=LOAN_FIELDS,
)
def kilometres(scope: Scope) -> QuerySet[Loan]:
    return returned_loans(scope)


@indicator(
    "mobility.hours_paid",
    _("Mobilité : heures de TIC-TAC payées pour des prêts"),
    unit=Unit.MINUTES,
    measure=Total("minutes_paid"),
    dimensions=BY_HOUSE,
    public_fields=LOAN_FIELDS,
)
def hours_paid(scope: Scope) -> QuerySet[Loan]:
    return returned_loans(scope)


def rides_done(scope: Scope) -> QuerySet[Ride]:
    rides = Ride.objects.filter(
        cooperation=scope.cooperation,
        status=RideStatus.DONE,
        date__gte=scope.period.start,
        date__lte=scope.period.end,
    )
    return _by_house(rides, scope, "house")


RIDE_FIELDS = ("purpose", "date", "house", "payment")


@indicator(
    "mobility.rides_by_purpose",
    _("Mobilité : trajets faits, par motif"),
    unit=Unit.RIDES,
    measure=Rows(),
    dimensions=BY_HOUSE,
    breakdown=Breakdown(
        "purpose", labels=choice_labels(RidePurpose.choices), codes=lambda: RidePurpose.values
    ),
    public_fields=RIDE_FIELDS,
)
def rides_by_purpose(scope: Scope) -> QuerySet[Ride]:
    return rides_done(scope)


@indicator(
    "mobility.health_rides",
    _("Mobilité : accompagnements à des rendez-vous santé"),
    unit=Unit.RIDES,
    measure=Rows(),
    dimensions=BY_HOUSE,
    public_fields=RIDE_FIELDS,
)
def health_rides(scope: Scope) -> QuerySet[Ride]:
    return rides_done(scope).filter(purpose=RidePurpose.HEALTH)
