"""Taking a membership, computing its fee, checking a card at any house; and each cooperation's
membership rules, periods and fee grids, the next period opened when it is needed."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coope.core import audit
from coope.core.models import Cooperation
from coope.membership.models import (
    MAX_FEE_CENTS,
    FeeRule,
    MemberKind,
    Membership,
    MembershipPeriod,
    MembershipRules,
    PaymentMethod,
    add_months,
)
from coope.people.models import HouseholdMember
from coope.people.services import quotient_of


def _day(value: datetime.date) -> str:
    return f"{value:%d/%m/%Y}"


# -- the rules -----------------------------------------------------------------------------------

RULE_FIELDS = ["scheme", "start_month", "length_months", "offer_weeks"]


def rules_of(cooperation) -> MembershipRules:
    """The cooperation's membership rules, created with the defaults (and audited) the first time.

    One read when they exist: a transaction (a savepoint inside another) only to create them."""
    cooperation_id = getattr(cooperation, "pk", cooperation)
    rules = MembershipRules.objects.filter(cooperation_id=cooperation_id).first()
    return rules if rules is not None else _create_rules(cooperation_id)


@transaction.atomic
def _create_rules(cooperation_id: int) -> MembershipRules:
    rules, created = MembershipRules.objects.get_or_create(cooperation_id=cooperation_id)
    if created:
        audit.record(
            actor=None,
            action="create",
            instance=rules,
            changes=audit.snapshot(rules, RULE_FIELDS),
        )
    return rules


@transaction.atomic
def set_rules(*, actor, cooperation, **values) -> MembershipRules:
    """Change the membership rules (the scheme, its month or length, the offer's weeks).

    Memberships already taken keep their dates: the rules apply from the next one on."""
    rules = MembershipRules.objects.select_for_update().get(pk=rules_of(cooperation).pk)
    before = audit.snapshot(rules, RULE_FIELDS)
    for name, value in values.items():
        if name not in RULE_FIELDS:
            raise TypeError(name)
        setattr(rules, name, value)
    rules.full_clean(exclude=["cooperation"])
    rules.save()
    changes = audit.diff(before, audit.snapshot(rules, RULE_FIELDS))
    if changes:
        audit.record(actor=actor, action="update", instance=rules, changes=changes)
    return rules


# -- periods -------------------------------------------------------------------------------------


def period_on(cooperation, day: datetime.date) -> MembershipPeriod | None:
    return (
        MembershipPeriod.objects.filter(cooperation=cooperation, start__lte=day, end__gte=day)
        .order_by("-start")
        .first()
    )


def period_name(start: datetime.date, end: datetime.date) -> str:
    """« 2019 » for a year within one calendar year, « 2019-2020 » across two."""
    return str(start.year) if start.year == end.year else f"{start.year}-{end.year}"


def planned_period(cooperation, day: datetime.date) -> MembershipPeriod:
    """The period that contains `day`: the one in Coopé, else the one the rules give, kept clear
    of the periods around it and not saved (`pk` is None; `open_period` creates it)."""
    return Periods.read(cooperation).planned(day)


def grid_of(period: MembershipPeriod) -> MembershipPeriod | None:
    """The period whose fee grid applies: the period itself, or for one not yet created, the
    last period before it that has a grid (the grid it will be opened with)."""
    if period.pk is not None:
        return period
    return (
        MembershipPeriod.objects.filter(
            cooperation_id=period.cooperation_id, start__lt=period.start, fee_rules__isnull=False
        )
        .distinct()
        .order_by("-start")
        .first()
    )


class Periods:
    """A cooperation's periods read in one query, and its rules read when first needed: the
    period of a day, created or planned, the grid that applies to it, the offers of a day and
    their fees, answered without reading them again (a page showing several offers reads them
    once). A cooperation has a period a year: tens of them, not thousands."""

    def __init__(
        self,
        cooperation_id: int,
        periods: list[MembershipPeriod],
        with_fees: set[int],
        rules: MembershipRules | None = None,
    ):
        self.cooperation_id = cooperation_id
        self.periods = periods  # by start
        self.with_fees = with_fees  # the ids of the periods that have a fee grid
        self._rules = rules
        self._fees: dict[tuple[int | None, str], list[FeeRule]] = {}

    @classmethod
    def read(cls, cooperation, *, rules: MembershipRules | None = None) -> "Periods":
        cooperation_id = getattr(cooperation, "pk", cooperation)
        periods: list[MembershipPeriod] = []
        with_fees: set[int] = set()
        for period in (
            MembershipPeriod.objects.filter(cooperation_id=cooperation_id)
            .annotate(has_fees=Exists(FeeRule.objects.filter(period=OuterRef("pk"))))
            .order_by("start", "pk")
        ):
            periods.append(period)
            if period.has_fees:
                with_fees.add(period.pk)
        return cls(cooperation_id, periods, with_fees, rules)

    @property
    def rules(self) -> MembershipRules:
        if self._rules is None:
            self._rules = rules_of(self.cooperation_id)
        return self._rules

    def period_on(self, day: datetime.date) -> MembershipPeriod | None:
        """As `period_on`: the period in Coopé that contains `day` (the latest to start)."""
        return next((p for p in reversed(self.periods) if p.start <= day <= p.end), None)

    def planned(self, day: datetime.date) -> MembershipPeriod:
        """As `planned_period`."""
        found = self.period_on(day)
        if found is not None:
            return found
        start, end = self.rules.bounds_on(day)
        before = max((p for p in self.periods if p.end < day), key=lambda p: p.end, default=None)
        after = next((p for p in self.periods if p.start > day), None)
        if before is not None:
            start = max(start, before.end + datetime.timedelta(days=1))
        if after is not None:
            end = min(end, after.start - datetime.timedelta(days=1))
        name = period_name(start, end)
        if any(p.name == name for p in self.periods):
            name = _("du %(s)s au %(e)s") % {"s": _day(start), "e": _day(end)}
        return MembershipPeriod(cooperation_id=self.cooperation_id, name=name, start=start, end=end)

    def grid_of(self, period: MembershipPeriod) -> MembershipPeriod | None:
        """As `grid_of`."""
        if period.pk is not None:
            return period
        earlier = (p for p in reversed(self.periods) if p.start < period.start)
        return next((p for p in earlier if p.pk in self.with_fees), None)

    def offers(self, day: datetime.date) -> list["Offer"]:
        """As `offers`."""
        current = self.planned(day)
        found = [Offer(current, day, self.rules.valid_until(current, day))]
        if self.rules.offers_next(current, day):
            after = self.planned(current.end + datetime.timedelta(days=1))
            found.insert(0, Offer(after, day, self.rules.valid_until(after, day), offered=True))
        return found

    def read_fees(self, periods, kind: str) -> None:
        """The fee rules of `kind` of the grids of `periods`, in one query, for `compute_fee`."""
        self._fees.setdefault((None, kind), [])  # no grid: no fee rule
        grids = {grid.pk for grid in map(self.grid_of, periods) if grid is not None}
        wanted = [pk for pk in grids if (pk, kind) not in self._fees]
        if not wanted:
            return
        for pk in wanted:
            self._fees[pk, kind] = []
        for rule in FeeRule.objects.filter(period_id__in=wanted, kind=kind):
            self._fees[rule.period_id, kind].append(rule)

    def compute_fee(self, *, period: MembershipPeriod, kind: str, quotient: int | None) -> FeeRule:
        """As `compute_fee`, from the fee rules read once per grid."""
        grid = self.grid_of(period)
        key = (grid.pk if grid is not None else None, kind)
        if key not in self._fees:
            self.read_fees([period], kind)
        return matching_fee(self._fees[key], period=period, kind=kind, quotient=quotient)


PERIOD_FIELDS = ["name", "start", "end"]
FEE_FIELDS = ["period_id", "kind", "quotient_min", "quotient_max", "amount_cents", "label"]


@transaction.atomic
def open_period(*, actor, cooperation, day: datetime.date) -> MembershipPeriod:
    """The period that contains `day`, created from the rules when there is none, with a copy of
    the last fee grid (audited): next year's period is never typed by hand."""
    # One at a time: two front desks opening next year make one period.
    Cooperation.objects.select_for_update(no_key=True).get(
        pk=getattr(cooperation, "pk", cooperation)
    )
    period = planned_period(cooperation, day)
    if period.pk is not None:
        return period
    source = grid_of(period)
    period.save()
    copied = []
    if source is not None:
        copied = FeeRule.objects.bulk_create(
            FeeRule(
                cooperation_id=period.cooperation_id,
                period=period,
                kind=rule.kind,
                quotient_min=rule.quotient_min,
                quotient_max=rule.quotient_max,
                amount_cents=rule.amount_cents,
                label=rule.label,
            )
            for rule in FeeRule.objects.filter(period=source).order_by("pk")
        )
    audit.record(
        actor=actor,
        action="open_period",
        instance=period,
        changes={
            **audit.snapshot(period, PERIOD_FIELDS),
            "fee_grid_from": source.name if source is not None else None,
        },
    )
    audit.record_many(
        actor=actor,
        action="copy_fee_grid",
        instances=copied,
        changes=lambda rule: audit.snapshot(rule, FEE_FIELDS),
    )
    return period


def open_next_period(*, actor, cooperation) -> MembershipPeriod:
    """The period after the last one (or today's when there is none), with its fee grid copied."""
    last = MembershipPeriod.objects.filter(cooperation=cooperation).order_by("-end").first()
    day = last.end + datetime.timedelta(days=1) if last else timezone.localdate()
    return open_period(actor=actor, cooperation=cooperation, day=day)


def check_period_dates(
    cooperation, start: datetime.date, end: datetime.date, *, exclude: int | None = None
) -> None:
    """A period ends after it starts, lasts at most two years and overlaps no other period."""
    if end < start:
        raise ValidationError(
            {
                "end": _("La fin (%(e)s) est avant le début (%(s)s).")
                % {"e": _day(end), "s": _day(start)}
            }
        )
    if end > add_months(start, 24):
        raise ValidationError({"end": _("Une période dure au plus deux ans : vérifiez la fin.")})
    others = MembershipPeriod.objects.filter(
        cooperation=cooperation, start__lte=end, end__gte=start
    )
    other = (others.exclude(pk=exclude) if exclude is not None else others).first()
    if other is not None:
        raise ValidationError(
            {
                "start": _(
                    "Ces dates chevauchent la période %(p)s (du %(s)s au %(e)s) : une journée "
                    "n'appartient qu'à une période."
                )
                % {"p": other.name, "s": _day(other.start), "e": _day(other.end)}
            }
        )


def check_period_name(cooperation, name: str, *, exclude: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Donnez un nom à la période, ex. 2019 ou 2019-2020.")})
    if len(name) > 60:
        raise ValidationError({"name": _("Le nom d'une période a 60 caractères au plus.")})
    namesakes = MembershipPeriod.objects.filter(cooperation=cooperation, name__iexact=name)
    if (namesakes.exclude(pk=exclude) if exclude is not None else namesakes).exists():
        raise ValidationError({"name": _("Une période s'appelle déjà « %(n)s ».") % {"n": name}})
    return name


@transaction.atomic
def create_period(
    *, actor, cooperation, name: str, start: datetime.date, end: datetime.date
) -> MembershipPeriod:
    """A period with the dates given (an import of past years), without fee grid."""
    Cooperation.objects.select_for_update(no_key=True).get(pk=cooperation.pk)
    name = check_period_name(cooperation, name)
    check_period_dates(cooperation, start, end)
    period = MembershipPeriod.objects.create(
        cooperation=cooperation, name=name, start=start, end=end
    )
    audit.record(
        actor=actor,
        action="create",
        instance=period,
        changes=audit.snapshot(period, PERIOD_FIELDS),
    )
    return period


@transaction.atomic
def change_period(
    *, actor, period: MembershipPeriod, name: str, start: datetime.date, end: datetime.date
) -> MembershipPeriod:
    """Rename a period or move its dates, while no membership belongs to it."""
    period = MembershipPeriod.objects.select_for_update().get(pk=period.pk)
    if period.memberships.exists():
        raise ValidationError(
            _(
                "Des adhésions appartiennent déjà à la période %(p)s : son nom et ses dates ne "
                "changent plus."
            )
            % {"p": period.name}
        )
    before = audit.snapshot(period, PERIOD_FIELDS)
    period.name = check_period_name(period.cooperation_id, name, exclude=period.pk)
    check_period_dates(period.cooperation_id, start, end, exclude=period.pk)
    period.start, period.end = start, end
    period.save()
    changes = audit.diff(before, audit.snapshot(period, PERIOD_FIELDS))
    if changes:
        audit.record(actor=actor, action="update", instance=period, changes=changes)
    return period


# -- fee grids -----------------------------------------------------------------------------------


@dataclass
class FeeRow:
    """One row of a fee grid as typed: a kind, a band of family quotient, an amount."""

    kind: str
    quotient_min: int | None
    quotient_max: int | None
    amount_cents: int
    label: str = ""


def check_fee_row(row: FeeRow) -> None:
    """A known kind, a band whose bounds are in order, an amount from 0 to 9 999,99 €."""
    errors = {}
    if row.kind not in MemberKind.values:
        errors["kind"] = _("Type d'adhésion inconnu : écrivez %(k)s.") % {
            "k": " ou ".join(f"« {label} »" for label in MemberKind.labels)
        }
    for name in ("quotient_min", "quotient_max"):
        value = getattr(row, name)
        if value is not None and not 0 <= value < 1_000_000:
            errors[name] = _("Un quotient familial va de 0 à 999 999 €.")
    if (
        row.quotient_min is not None
        and row.quotient_max is not None
        and row.quotient_min > row.quotient_max
    ):
        errors["quotient_max"] = _(
            "Le QF maximum (%(high)s €) est plus petit que le minimum (%(low)s €)."
        ) % {"high": row.quotient_max, "low": row.quotient_min}
    if not 0 <= row.amount_cents < MAX_FEE_CENTS:
        errors["amount_cents"] = _(
            "Le montant va de 0 € (gratuit) à 9 999,99 € : vérifiez la virgule."
        )
    if len(row.label) > 100:
        errors["label"] = _("Le libellé a 100 caractères au plus.")
    if errors:
        raise ValidationError(errors)


def _band(row) -> str:
    low, high = row.quotient_min, row.quotient_max
    if low is None and high is None:
        return str(_("tout QF"))
    if low is None:
        return _("QF jusqu'à %(h)s €") % {"h": high}
    if high is None:
        return _("QF à partir de %(l)s €") % {"l": low}
    return _("QF de %(l)s à %(h)s €") % {"l": low, "h": high}


def band_overlap(rows) -> tuple | None:
    """Two rows of the same kind whose quotient bands share a value (bounds included), or None."""
    by_kind: dict[str, list] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    for same in by_kind.values():
        # A total order (the lower bound, then the upper one): the pair named is the same
        # whatever order the database gave the rows in.
        ordered = sorted(
            same,
            key=lambda r: (
                -1 if r.quotient_min is None else r.quotient_min,
                float("inf") if r.quotient_max is None else r.quotient_max,
            ),
        )
        for first, second in zip(ordered, ordered[1:], strict=False):
            low = -1 if second.quotient_min is None else second.quotient_min
            if first.quotient_max is None or first.quotient_max >= low:
                return first, second
    return None


def overlap_message(first, second) -> str:
    return _(
        "Deux tarifs « %(kind)s » se chevauchent : %(a)s et %(b)s. Un quotient ne doit avoir "
        "qu'un tarif."
    ) % {"kind": MemberKind(first.kind).label, "a": _band(first), "b": _band(second)}


@transaction.atomic
def set_fee_grid(*, actor, period: MembershipPeriod, rows: list[FeeRow]) -> list[FeeRule]:
    """Replace the fee grid of a period. Memberships already taken keep the fee they paid."""
    period = MembershipPeriod.objects.select_for_update().get(pk=period.pk)
    for row in rows:
        check_fee_row(row)
    pair = band_overlap(rows)
    if pair is not None:
        raise ValidationError(overlap_message(*pair))
    old = list(FeeRule.objects.filter(period=period).order_by("pk"))
    wanted = {(r.kind, r.quotient_min, r.quotient_max, r.amount_cents, r.label) for r in rows}
    kept = [
        rule
        for rule in old
        if (rule.kind, rule.quotient_min, rule.quotient_max, rule.amount_cents, rule.label)
        in wanted
    ]
    kept_keys = {(r.kind, r.quotient_min, r.quotient_max, r.amount_cents, r.label) for r in kept}
    gone = [rule for rule in old if rule not in kept]
    if gone:
        audit.record_deletion(actor=actor, objects=gone, action="fee_grid_delete")
        FeeRule.objects.filter(pk__in=[rule.pk for rule in gone]).delete()
    for row in rows:
        key = (row.kind, row.quotient_min, row.quotient_max, row.amount_cents, row.label)
        if key in kept_keys:
            kept_keys.discard(key)
            continue
        _create_fee_rule(actor=actor, period=period, row=row)
    return list(FeeRule.objects.filter(period=period))


def _create_fee_rule(*, actor, period: MembershipPeriod, row: FeeRow) -> FeeRule:
    rule = FeeRule.objects.create(
        cooperation_id=period.cooperation_id,
        period=period,
        kind=row.kind,
        quotient_min=row.quotient_min,
        quotient_max=row.quotient_max,
        amount_cents=row.amount_cents,
        label=row.label,
    )
    audit.record(
        actor=actor, action="create", instance=rule, changes=audit.snapshot(rule, FEE_FIELDS)
    )
    return rule


@transaction.atomic
def add_fee_rule(*, actor, period: MembershipPeriod, row: FeeRow) -> FeeRule:
    """One more tier of a period's grid (an import), refused when its band overlaps another's."""
    check_fee_row(row)
    others = list(
        FeeRule.objects.select_for_update()
        .filter(period=period, kind=row.kind)
        .order_by(F("quotient_min").asc(nulls_first=True), "pk")  # the first one it overlaps
    )
    for other in others:
        if band_overlap([other, row]) is not None:
            raise ValidationError({"quotient_min": overlap_message(other, row)})
    return _create_fee_rule(actor=actor, period=period, row=row)


def compute_fee(*, period: MembershipPeriod, kind: str, quotient: int | None) -> FeeRule:
    """The fee rule that applies to a kind of membership and a family quotient (for a period not
    yet created, in the grid it will be opened with)."""
    grid = grid_of(period)
    rules = FeeRule.objects.filter(period=grid, kind=kind) if grid is not None else []
    return matching_fee(rules, period=period, kind=kind, quotient=quotient)


def matching_fee(rules, *, period: MembershipPeriod, kind: str, quotient: int | None) -> FeeRule:
    """Among the fee rules of a grid for `kind`, the one for `quotient` (the lowest band first);
    ValidationError saying which is missing when none matches."""
    for rule in sorted(rules, key=lambda r: -1 if r.quotient_min is None else r.quotient_min):
        if rule.matches(quotient):
            return rule
    raise ValidationError(
        _(
            "Aucun tarif « %(kind)s » n'est défini pour %(period)s (QF %(qf)s). "
            "Une direction peut l'ajouter dans Configuration, « Périodes et tarifs d'adhésion »."
        )
        % {
            "kind": MemberKind(kind).label,
            "period": period,
            "qf": quotient if quotient is not None else "inconnu",
        }
    )


# -- what the front desk offers ------------------------------------------------------------------


@dataclass
class Offer:
    """A membership the front desk may take on a day: its period (maybe not created yet) and
    its validity. `offered`: the next period, proposed in the last weeks of the current one."""

    period: MembershipPeriod
    valid_from: datetime.date
    valid_until: datetime.date
    offered: bool = False

    @property
    def key(self) -> str:
        """How a form names it: the period's id, or « nouvelle-<start> » for one not yet created."""
        if self.period.pk is not None:
            return str(self.period.pk)
        return f"nouvelle-{self.period.start.isoformat()}"


def offers(cooperation, day: datetime.date) -> list[Offer]:
    """The memberships that may be taken starting on `day`, the one to propose first: in the last
    weeks of a period, the next period (valid from `day` to its end, or its length for rolling
    memberships), then the current one; otherwise the current one alone."""
    return Periods.read(cooperation).offers(day)


def offer_for(cooperation, day: datetime.date, key: str) -> Offer:
    """The offer named `key` (as in a form) for `day`: one of `offers`, or an existing period
    that `day` may start (a period chosen by hand)."""
    for offer in offers(cooperation, day):
        if offer.key == key:
            return offer
    period = (
        MembershipPeriod.objects.filter(cooperation=cooperation, pk=key).first()
        if key.isdigit()
        else None
    )
    if period is None:
        raise ValidationError(_("Cette période n'est plus proposée : choisissez-en une autre."))
    return Offer(period, day, rules_of(cooperation).valid_until(period, day))


def first_free_day(*, person=None, household=None, on: datetime.date) -> datetime.date:
    """`on`, or the day after the holder's own membership that is still valid on or after it."""
    holder = {"person": person} if person is not None else {"household": household}
    last = (
        Membership.objects.filter(**holder, valid_until__gte=on)
        .order_by("-valid_until")
        .values_list("valid_until", flat=True)
        .first()
    )
    return max(on, last + datetime.timedelta(days=1)) if last else on


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
    valid_until: datetime.date | None = None,
    card_number: str | None = None,
) -> Membership:
    """A membership for a person or a household, taken at a house, with the fee from the rules.

    `period` is the period whose fees it pays; one not created yet (see `offers`) is opened
    first, with a copy of the last fee grid. `valid_until` keeps the end of a membership already
    sold (imports); otherwise the cooperation's rules give it. `card_number` keeps a number
    already printed (imports); otherwise the next one is given."""
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
    # Lock the cooperation row: card numbers are handed out one at a time. NO KEY: every row
    # written meanwhile in the cooperation (a TIC-TAC entry...) takes a share lock on it
    # that must not wait for this one (a fee paid in time then waits for its accounts).
    cooperation = Cooperation.objects.select_for_update(no_key=True).get(pk=house.cooperation_id)
    rules = rules_of(cooperation)
    today = timezone.localdate()
    opens = rules.opens_on(period)
    valid_from = valid_from or (today if opens <= today else period.start)
    if not opens <= valid_from <= period.end:
        raise ValidationError(
            _("La date de début doit être dans la période %(p)s (du %(s)s au %(e)s).")
            % {"p": period, "s": _day(max(opens, period.start)), "e": _day(period.end)}
        )
    valid_until = valid_until or rules.valid_until(period, valid_from)
    if valid_until < valid_from:
        raise ValidationError(
            _("La fin de validité (%(e)s) est avant le début (%(s)s).")
            % {"e": _day(valid_until), "s": _day(valid_from)}
        )
    if valid_until > add_months(valid_from, 36):
        raise ValidationError(
            _("Une adhésion dure au plus trois ans : vérifiez la fin de validité (%(e)s).")
            % {"e": _day(valid_until)}
        )
    if period.pk is None:
        period = open_period(actor=actor, cooperation=cooperation, day=period.start)
    existing = Membership.objects.filter(person=person, household=household).overlapping(
        valid_from, valid_until
    )
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
    if not 0 <= fee_cents < MAX_FEE_CENTS:
        raise ValidationError(
            _("Le montant va de 0 € (gratuit) à 9 999,99 € : vérifiez la virgule.")
        )
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
        valid_until=valid_until,
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
    """Memberships ending within `within_days` or ended recently, whose holder has no later one.

    A later membership of the same person and one of the same household are two `NOT EXISTS`,
    each served by its index (cooperation, holder, end): one condition that ORs them is served by
    none, and the list grew with the square of its length."""
    on = on or timezone.localdate()
    later = Membership.objects.filter(valid_until__gt=OuterRef("valid_until"))
    return (
        Membership.objects.filter(
            ~Exists(later.filter(person=OuterRef("person"))),
            ~Exists(later.filter(household=OuterRef("household"))),
            valid_until__lte=on + datetime.timedelta(days=within_days),
            valid_until__gte=on - datetime.timedelta(days=expired_since_days),
        )
        .select_related("person", "household", "house")
        .order_by("valid_until", "pk")  # pages that neither skip nor repeat a row
    )


@dataclass
class Renewal:
    """What renewing a membership would take: the period (maybe not created yet), the dates and
    the fee. `offered`: the next period, proposed in the last weeks of the current one."""

    membership: Membership
    period: MembershipPeriod
    valid_from: datetime.date
    valid_until: datetime.date
    fee: FeeRule
    offered: bool = False
    key: str = ""


def renewal_options(membership: Membership, *, on: datetime.date | None = None) -> list[Renewal]:
    """The renewals of `membership` as the front desk would take them, the one to propose first:
    from the day after it ends (or today, when it has already ended), in the period of that day
    or, in its last weeks, in the next one; the fee from the rules and the family quotient of
    that day. ValidationError with a French message when it cannot be renewed."""
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
    kind = MemberKind.INDIVIDUAL if membership.person_id else MemberKind.HOUSEHOLD
    quotient = quotient_of(person=membership.person, household=membership.household, on=start)
    periods = Periods.read(membership.cooperation_id)
    found = periods.offers(start)
    periods.read_fees([offer.period for offer in found], kind)
    return [
        Renewal(
            membership=membership,
            period=offer.period,
            valid_from=offer.valid_from,
            valid_until=offer.valid_until,
            fee=periods.compute_fee(period=offer.period, kind=kind, quotient=quotient),
            offered=offer.offered,
            key=offer.key,
        )
        for offer in found
    ]


def renewal_of(membership: Membership, *, on: datetime.date | None = None) -> Renewal:
    """The renewal the front desk proposes first (see `renewal_options`)."""
    return renewal_options(membership, on=on)[0]


@transaction.atomic
def renew_membership(
    *,
    actor,
    membership: Membership,
    house,
    payment_method: str,
    on: datetime.date | None = None,
    choice: str | None = None,
) -> Membership:
    """Renew a membership in one step: a new one for the same person or household, for the
    period after it (or the one chosen among `renewal_options` by its `key`), with the fee
    computed from the rules as at the front desk."""
    # Lock the old membership: two clicks on « renouveler » make one renewal.
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("person", "household", "cooperation")
        .get(pk=membership.pk)
    )
    options = renewal_options(membership, on=on)
    renewal = options[0]
    if choice:
        chosen = [option for option in options if option.key == choice]
        if not chosen:
            raise ValidationError(_("Cette période n'est plus proposée : choisissez-en une autre."))
        renewal = chosen[0]
    renewed = take_membership(
        actor=actor,
        house=house,
        period=renewal.period,
        payment_method=payment_method,
        person=membership.person,
        household=membership.household,
        valid_from=renewal.valid_from,
        valid_until=renewal.valid_until,
    )
    audit.record(
        actor=actor,
        action="renew_membership",
        instance=renewed,
        changes={"renewed_from": membership.card_number, "card_number": renewed.card_number},
    )
    return renewed
