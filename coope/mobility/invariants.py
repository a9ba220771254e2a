"""What `coope check` verifies in the mobility programme."""

from collections.abc import Iterable

from django.db.models import Exists, F, OuterRef, Sum
from django.utils.translation import gettext_lazy as _

from coope.lib.invariants import invariant
from coope.mobility.models import HOLDING, Booking, BookingStatus, Loan, PurchasePlan


@invariant(_("Mobilité : deux réservations d'un véhicule ne se chevauchent jamais"))
def bookings_never_overlap() -> Iterable[str]:
    # The exclusion constraint guarantees it on PostgreSQL; this checks SQLite's guard too.
    other = Booking.objects.filter(
        unit=OuterRef("unit"),
        status__in=HOLDING,
        starts_at__lt=OuterRef("blocked_until"),
        blocked_until__gt=OuterRef("starts_at"),
    ).exclude(pk=OuterRef("pk"))
    clashing = Booking.objects.filter(status__in=HOLDING).filter(Exists(other))
    for booking in clashing.order_by("pk"):
        yield f"Réservation n°{booking.pk} : elle chevauche une autre réservation du même véhicule."


@invariant(_("Mobilité : un prêt rendu en heures a pris exactement les heures réservées"))
def loans_paid_their_hold() -> Iterable[str]:
    loans = Loan.objects.filter(in_at__isnull=False, booking__hold__isnull=False).select_related(
        "booking__hold"
    )
    for loan in loans.order_by("pk"):
        hold = loan.booking.hold
        if hold is None:  # filtered out above
            continue
        if hold.status != "taken" or hold.minutes != loan.minutes_paid:
            yield (
                f"Prêt n°{loan.pk} : {loan.minutes_paid} minutes payées, la réservation de temps "
                f"n°{hold.pk} est « {hold.status} » pour {hold.minutes} minutes."
            )
    for booking in Booking.objects.filter(status=BookingStatus.CANCELLED, hold__status="held"):
        yield f"Réservation n°{booking.pk} : annulée, mais ses heures sont toujours réservées."


@invariant(_("Mobilité : chaque échéancier d'achat groupé fait le prix du vélo au centime près"))
def schedules_add_up() -> Iterable[str]:
    totals = PurchasePlan.objects.annotate(scheduled=Sum("schedule__amount_cents"))
    for plan in totals.order_by("pk"):
        if plan.scheduled != plan.price_cents:
            yield (
                f"Plan n°{plan.pk} : l'échéancier fait {plan.scheduled} centimes, le prix "
                f"{plan.price_cents}."
            )
    overpaid = (
        PurchasePlan.objects.annotate(paid=Sum("payments__amount_cents"))
        .filter(paid__gt=F("price_cents"))
        .values_list("pk", "paid", "price_cents")
    )
    for pk, paid, price in overpaid.order_by("pk"):
        yield f"Plan n°{pk} : {paid} centimes versés pour un prix de {price}."
