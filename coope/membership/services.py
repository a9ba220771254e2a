"""Taking a membership, computing its fee, and checking a card at any house."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coope.core import audit
from coope.core.models import Cooperation
from coope.membership.models import FeeRule, MemberKind, Membership, MembershipPeriod, PaymentMethod
from coope.people.models import HouseholdMember
from coope.people.services import quotient_of


def period_on(cooperation, day: datetime.date) -> MembershipPeriod | None:
    return (
        MembershipPeriod.objects.filter(cooperation=cooperation, start__lte=day, end__gte=day)
        .order_by("-start")
        .first()
    )


def compute_fee(*, period: MembershipPeriod, kind: str, quotient: int | None) -> FeeRule:
    """The fee rule that applies to a kind of membership and a family quotient."""
    for rule in FeeRule.objects.filter(period=period, kind=kind).order_by("quotient_min"):
        if rule.matches(quotient):
            return rule
    raise ValidationError(
        _(
            "Aucun tarif « %(kind)s » n'est défini pour %(period)s (QF %(qf)s). "
            "Une direction peut l'ajouter dans l'administration, Tarifs d'adhésion."
        )
        % {
            "kind": MemberKind(kind).label,
            "period": period,
            "qf": quotient if quotient is not None else "inconnu",
        }
    )


def next_card_number(cooperation: Cooperation, period: MembershipPeriod) -> str:
    """The next free card number, e.g. ROM-2018-00042. Call inside the locking transaction."""
    prefix = f"{cooperation.card_prefix}-{period.start.year}-"
    last = (
        Membership.objects.filter(cooperation=cooperation, card_number__startswith=prefix)
        .order_by("-card_number")
        .values_list("card_number", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:05d}"


@transaction.atomic
def take_membership(
    *,
    actor,
    house,
    period: MembershipPeriod,
    payment_method: str,
    person=None,
    household=None,
    fee_cents: int | None = None,
    valid_from: datetime.date | None = None,
    card_number: str | None = None,
) -> Membership:
    """A membership for a person or a household, taken at a house, with the fee from the rules.

    `card_number` keeps a number already printed (imports); otherwise the next one is given."""
    if (person is None) == (household is None):
        raise ValidationError(
            _("Une adhésion est pour une personne ou pour un foyer, pas les deux.")
        )
    holder = person or household
    if (
        holder.cooperation_id != house.cooperation_id
        or period.cooperation_id != house.cooperation_id
    ):
        raise ValidationError(_("Cette personne ou ce foyer appartient à une autre coopération."))
    # Lock the cooperation row: card numbers are handed out one at a time.
    cooperation = Cooperation.objects.select_for_update().get(pk=house.cooperation_id)
    valid_from = valid_from or max(period.start, timezone.localdate())
    if not period.start <= valid_from <= period.end:
        raise ValidationError(
            _("La date de début doit être dans la période %(p)s.") % {"p": period}
        )
    existing = Membership.objects.filter(
        period=period, person=person, household=household
    ).valid_on(valid_from)
    if person is not None and not existing.exists():
        # A person already covered by their household's card needs no card of their own: the
        # card of a household they are in on the first day of this membership.
        existing = Membership.objects.filter(
            Exists(
                HouseholdMember.objects.on(valid_from).filter(
                    household=OuterRef("household"), person=person
                )
            )
        ).valid_on(valid_from)
    if existing.exists():
        raise ValidationError(
            _("%(holder)s a déjà une adhésion valable (carte %(card)s).")
            % {"holder": holder, "card": existing.first().card_number}
        )
    if fee_cents is None:
        kind = MemberKind.INDIVIDUAL if person else MemberKind.HOUSEHOLD
        fee_cents = compute_fee(
            period=period,
            kind=kind,
            quotient=quotient_of(person=person, household=household, on=valid_from),
        ).amount_cents
    if fee_cents == 0:
        payment_method = PaymentMethod.FREE
    elif payment_method == PaymentMethod.FREE:
        raise ValidationError(
            _(
                "« Gratuit » ne convient pas : cette adhésion coûte %(euros)s €. "
                "Choisissez espèces, chèque, carte ou virement."
            )
            % {"euros": f"{fee_cents / 100:.2f}".replace(".", ",")}
        )
    if card_number and Membership.objects.filter(card_number=card_number.strip().upper()).exists():
        raise ValidationError(
            _("Le numéro de carte %(card)s est déjà pris.") % {"card": card_number}
        )
    membership = Membership.objects.create(
        cooperation=cooperation,
        period=period,
        person=person,
        household=household,
        house=house,
        card_number=card_number.strip().upper()
        if card_number
        else next_card_number(cooperation, period),
        fee_cents=fee_cents,
        payment_method=payment_method,
        valid_from=valid_from,
        valid_until=period.end,
        taken_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit.record(
        actor=actor,
        action="take_membership",
        instance=membership,
        changes=audit.snapshot(
            membership,
            [
                "person_id",
                "household_id",
                "house_id",
                "card_number",
                "fee_cents",
                "payment_method",
                "valid_from",
                "valid_until",
            ],
        ),
    )
    if payment_method == PaymentMethod.TIME:
        _pay_membership_in_time(actor=actor, membership=membership, holder=holder)
    return membership


def _pay_membership_in_time(*, actor, membership: Membership, holder) -> None:
    """The fee in hours (the cooperation's TIC-TAC rules), from the person's or the household
    referent's time account to the association of the house; refused means no membership."""
    from coope.people.models import Link
    from coope.timebank import services as timebank

    payer = holder
    if membership.household_id is not None:
        # The referent of today, not a former one who left the household.
        referent = (
            holder.links.on(timezone.localdate())
            .filter(link=Link.REFERENT)
            .select_related("person")
            .first()
        )
        if referent is None:
            raise ValidationError(
                _("Pour payer en TIC-TAC, le foyer doit avoir un·e responsable avec un compte.")
            )
        payer = referent.person
    timebank.pay_in_time(
        actor=actor,
        payer=payer,
        payee_kind="association",
        association=membership.house.association,
        minutes=timebank.rules_of(membership.cooperation_id).membership_fee_minutes,
        item=membership,
        idempotency_key=f"membership:{membership.pk}",
        memo=_("Adhésion %(card)s") % {"card": membership.card_number},
    )


@dataclass
class CardStatus:
    card_number: str
    membership: Membership | None
    valid: bool
    message: str


def card_status(card_number: str, *, on: datetime.date | None = None) -> CardStatus:
    """Whether a card is valid today, for whom and until when (in the active cooperation)."""
    on = on or timezone.localdate()
    number = card_number.strip().upper()
    membership = (
        Membership.objects.select_related("person", "household", "house")
        .filter(card_number=number)
        .first()
    )
    if membership is None:
        return CardStatus(number, None, False, _("Carte inconnue : vérifiez le numéro."))
    if membership.is_valid_on(on):
        return CardStatus(
            number,
            membership,
            True,
            _("Carte valable jusqu'au %(d)s.") % {"d": membership.valid_until.strftime("%d/%m/%Y")},
        )
    if membership.valid_from > on:
        return CardStatus(
            number,
            membership,
            False,
            _("Carte valable seulement à partir du %(d)s.")
            % {"d": membership.valid_from.strftime("%d/%m/%Y")},
        )
    return CardStatus(
        number,
        membership,
        False,
        _("Carte expirée le %(d)s : adhésion à renouveler.")
        % {"d": membership.valid_until.strftime("%d/%m/%Y")},
    )


def memberships_to_renew(
    *, on: datetime.date | None = None, within_days: int = 30, expired_since_days: int = 365
):
    """Memberships ending within `within_days` or ended recently, whose holder has no later one."""
    on = on or timezone.localdate()
    later = Membership.objects.filter(
        Q(person=OuterRef("person"), person__isnull=False)
        | Q(household=OuterRef("household"), household__isnull=False),
        valid_until__gt=OuterRef("valid_until"),
    )
    return (
        Membership.objects.filter(
            valid_until__lte=on + datetime.timedelta(days=within_days),
            valid_until__gte=on - datetime.timedelta(days=expired_since_days),
        )
        .exclude(Exists(later))
        .select_related("person", "household", "house")
        .order_by("valid_until")
    )


@dataclass
class Renewal:
    """What renewing a membership would take: the period, the first day and the fee."""

    membership: Membership
    period: MembershipPeriod
    valid_from: datetime.date
    fee: FeeRule


def renewal_of(membership: Membership, *, on: datetime.date | None = None) -> Renewal:
    """The renewal of `membership` as the front desk would take it: the period that covers the
    day after it ends (or today, when it has already ended), the fee from the rules and the
    family quotient of that day. ValidationError with a French message when it cannot be."""
    on = on or timezone.localdate()
    if membership.person is not None and membership.person.anonymised_at is not None:
        raise ValidationError(
            _("Cette personne a été anonymisée : son adhésion ne se renouvelle pas.")
        )
    holder = (
        Q(person_id=membership.person_id)
        if membership.person_id is not None
        else Q(household_id=membership.household_id)
    )
    later = (
        Membership.objects.filter(holder, valid_until__gt=membership.valid_until)
        .order_by("valid_from")
        .first()
    )
    if later is not None:
        raise ValidationError(
            _("%(holder)s a déjà renouvelé son adhésion (carte %(card)s).")
            % {"holder": membership.holder, "card": later.card_number}
        )
    start = max(on, membership.valid_until + datetime.timedelta(days=1))
    period = period_on(membership.cooperation, start) or (
        MembershipPeriod.objects.filter(cooperation_id=membership.cooperation_id, start__gt=start)
        .order_by("start")
        .first()
    )
    if period is None:
        raise ValidationError(
            _(
                "Aucune période d'adhésion ne commence après le %(d)s : "
                "une direction doit la créer avant de renouveler."
            )
            % {"d": membership.valid_until.strftime("%d/%m/%Y")}
        )
    valid_from = max(start, period.start)
    kind = MemberKind.INDIVIDUAL if membership.person_id else MemberKind.HOUSEHOLD
    fee = compute_fee(
        period=period,
        kind=kind,
        quotient=quotient_of(
            person=membership.person, household=membership.household, on=valid_from
        ),
    )
    return Renewal(membership=membership, period=period, valid_from=valid_from, fee=fee)


@transaction.atomic
def renew_membership(
    *, actor, membership: Membership, house, payment_method: str, on: datetime.date | None = None
) -> Membership:
    """Renew a membership in one step: a new one for the same person or household, for the
    period after it, with the fee computed from the rules as at the front desk."""
    # Lock the old membership: two clicks on « renouveler » make one renewal.
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("person", "household", "cooperation")
        .get(pk=membership.pk)
    )
    renewal = renewal_of(membership, on=on)
    renewed = take_membership(
        actor=actor,
        house=house,
        period=renewal.period,
        payment_method=payment_method,
        person=membership.person,
        household=membership.household,
        valid_from=renewal.valid_from,
    )
    audit.record(
        actor=actor,
        action="renew_membership",
        instance=renewed,
        changes={"renewed_from": membership.card_number, "card_number": renewed.card_number},
    )
    return renewed
