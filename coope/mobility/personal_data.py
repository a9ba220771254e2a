"""A person's mobility records in their personal-data export, and anonymisation (declared in
apps.py): their bookings and loans, their purchase plan with its payments, the rides they asked
for, drove or rode in, and their progress at the cycling school. Anonymisation scrubs their name
from the free texts (damage notes, ride notes, progress notes); dates, kilometres, amounts and
the figures do not move."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coope.mobility.models import Booking, Loan, PlanPayment, Progress, PurchasePlan, Ride
from coope.people.privacy import names_of, scrub_records

SECTIONS = ("reservations", "plans_achat_groupe", "trajets", "velo_ecole")
LABELS = {
    "reservations": _("Mobilité : réservations et prêts"),
    "plans_achat_groupe": _("Mobilité : achat groupé de vélo"),
    "trajets": _("Mobilité : trajets"),
    "velo_ecole": _("Mobilité : vélo-école"),
    "vehicule": _("Véhicule"),
    "debut": _("Début"),
    "fin": _("Fin"),
    "etat": _("État"),
    "paiement": _("Paiement"),
    "minutes": _("Minutes de TIC-TAC"),
    "prix_centimes": _("Prix (centimes)"),
    "km": _("Kilomètres"),
    "degats": _("Dégâts"),
    "signe_le": _("Signé le"),
    "versements": _("Versements"),
    "date": _("Date"),
    "montant_centimes": _("Montant (centimes)"),
    "motif": _("Motif"),
    "role": _("Rôle"),
    "niveau": _("Niveau"),
    "remarque": _("Remarque"),
}


def _choice(code, label) -> dict:
    return {"code": code, "libelle": str(label)}


def _rides(person):
    return (
        Ride.objects.filter(Q(requested_by=person) | Q(driver=person) | Q(passengers=person))
        .distinct()
        .order_by("date", "pk")
    )


def export_person(person) -> dict:
    loans = {loan.booking_id: loan for loan in Loan.objects.filter(borrower=person)}
    bookings = Booking.objects.filter(borrower=person).select_related("unit").order_by("starts_at")
    return {
        "reservations": [
            {
                "vehicule": b.unit.name,
                "debut": b.starts_at.isoformat(),
                "fin": b.ends_at.isoformat(),
                "etat": _choice(b.status, b.get_status_display()),
                "paiement": _choice(b.payment, b.get_payment_display()),
                "minutes": b.price_minutes,
                "prix_centimes": b.price_cents,
                "km": loans[b.pk].distance_km if b.pk in loans else None,
                "degats": loans[b.pk].damage if b.pk in loans else "",
            }
            for b in bookings
        ],
        "plans_achat_groupe": [
            {
                "signe_le": plan.signed_on.isoformat(),
                "prix_centimes": plan.price_cents,
                "versements": [
                    {"date": p.paid_on.isoformat(), "montant_centimes": p.amount_cents}
                    for p in PlanPayment.objects.filter(plan=plan).order_by("paid_on", "pk")
                ],
            }
            for plan in PurchasePlan.objects.filter(buyer=person).order_by("signed_on", "pk")
        ],
        "trajets": [
            {
                "date": ride.date.isoformat(),
                "motif": _choice(ride.purpose, ride.get_purpose_display()),
                "role": "demande"
                if ride.requested_by_id == person.pk
                else ("conduite" if ride.driver_id == person.pk else "passager"),
                "remarque": ride.note,
            }
            for ride in _rides(person)
        ],
        "velo_ecole": [
            {
                "date": p.noted_on.isoformat(),
                "niveau": _choice(p.level, p.get_level_display()),
                "remarque": p.note,
            }
            for p in Progress.objects.filter(learner=person).order_by("noted_on", "pk")
        ],
    }


def anonymise_person(*, actor, person, old_label: str, new_label: str) -> None:
    names = names_of(person)
    scrub_records(list(Loan.objects.filter(borrower=person)), ["damage"], names, new_label)
    scrub_records(list(_rides(person)), ["note"], names, new_label)
    scrub_records(list(Progress.objects.filter(learner=person)), ["note"], names, new_label)
