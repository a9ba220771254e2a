"""Key figures of the shared membership.

A member of a period is a person covered at some point of the period by a valid membership: their
own, or their household's while they belonged to that household (links are dated).
"""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from coope.lib.indicators import (
    Breakdown,
    Rows,
    Scope,
    Total,
    Unit,
    choice_labels,
    indicator,
)
from coope.lib.periods import Period, age_band_expression
from coope.membership.models import Membership
from coope.people.history import links_during
from coope.people.models import Household, HouseholdMember, Person, Sex

MEMBERSHIP_FIELDS = ("house", "valid_from", "valid_until", "payment_method", "fee_cents")


def memberships_in(scope: Scope) -> QuerySet[Membership]:
    """Memberships valid at some point of the period (taken at `house` / `association`'s houses)."""
    queryset = Membership.objects.filter(cooperation=scope.cooperation).overlapping(
        scope.period.start, scope.period.end
    )
    if scope.house is not None:
        queryset = queryset.filter(house=scope.house)
    if scope.association is not None:
        queryset = queryset.filter(house__association=scope.association)
    return queryset


def covered_persons(memberships: QuerySet[Membership], period: Period) -> Q:
    """Persons covered by these memberships in the period: their own, or their household's
    while they belonged to it (their stay, the card and the period meet: who joined in
    November a household whose card ended in September was not covered by it)."""
    in_households = (
        HouseholdMember.objects.filter(links_during(period))
        .annotate(
            since=Coalesce("valid_from", Value(datetime.date.min)),
            until=Coalesce("valid_until", Value(datetime.date.max)),
        )
        .filter(
            Exists(
                memberships.filter(
                    household=OuterRef("household"),
                    valid_from__lte=OuterRef("until"),
                    valid_until__gte=OuterRef("since"),
                )
            )
        )
    )
    return Q(pk__in=memberships.filter(person__isnull=False).values("person")) | Q(
        pk__in=in_households.values("person")
    )


def members_queryset(scope: Scope) -> QuerySet[Person]:
    """Distinct persons covered by a valid membership at some point of the period."""
    return Person.objects.filter(cooperation=scope.cooperation).filter(
        covered_persons(memberships_in(scope), scope.period)
    )


def member_records(scope: Scope) -> QuerySet[Person]:
    return members_queryset(scope).select_related("home_house")


HOUSES = {"association", "house"}


@indicator(
    "membership.members", _("Adhérents"), unit=Unit.PERSONS, measure=Rows(), dimensions=HOUSES
)
def members(scope: Scope) -> QuerySet[Person]:
    return member_records(scope)


@indicator(
    "membership.households",
    _("Foyers adhérents"),
    unit=Unit.HOUSEHOLDS,
    measure=Rows(),
    dimensions={"association", "house"},
)
def households(scope: Scope) -> QuerySet[Household]:
    return Household.objects.filter(
        pk__in=memberships_in(scope).filter(household__isnull=False).values("household")
    )


@indicator(
    "membership.new_members",
    _("Nouveaux adhérents"),
    unit=Unit.PERSONS,
    measure=Rows(),
    dimensions=HOUSES,
)
def new_members(scope: Scope) -> QuerySet[Person]:
    """Members of the period whom no membership covered before the period began."""
    earlier = Membership.objects.filter(
        cooperation=scope.cooperation, valid_from__lt=scope.period.start
    )
    before = Period(datetime.date.min, scope.period.start - datetime.timedelta(days=1))
    return member_records(scope).exclude(covered_persons(earlier, before))


@indicator(
    "membership.fees_cents",
    _("Cotisations des adhésions prises"),
    unit=Unit.CENTS,
    measure=Total("fee_cents"),
    dimensions={"association", "house"},
    public_fields=MEMBERSHIP_FIELDS,
)
def fees(scope: Scope) -> QuerySet[Membership]:
    return (
        memberships_in(scope)
        .filter(valid_from__gte=scope.period.start, valid_from__lte=scope.period.end)
        .select_related("person", "household", "house")
    )


@indicator(
    "membership.members_by_house",
    _("Adhérents par maison d'adhésion"),
    breakdown=Breakdown(over_houses=True),
    unit=Unit.PERSONS,
    measure=Rows(),
    dimensions=HOUSES,
)
def members_by_house(scope: Scope) -> QuerySet[Person]:
    return member_records(scope)


@indicator(
    "membership.members_by_age_band",
    _("Adhérents par tranche d'âge"),
    breakdown=Breakdown("age_band"),
    unit=Unit.PERSONS,
    measure=Rows(),
    dimensions=HOUSES,
)
def members_by_age_band(scope: Scope) -> QuerySet[Person]:
    return member_records(scope).annotate(age_band=age_band_expression(scope.period.end.year))


@indicator(
    "membership.members_by_neighbourhood",
    # A person's neighbourhood is not dated yet: it is the one of their address today.
    _("Adhérents par quartier (adresse d'aujourd'hui)"),
    breakdown=Breakdown("neighbourhood"),
    unit=Unit.PERSONS,
    measure=Rows(),
    dimensions=HOUSES,
)
def members_by_neighbourhood(scope: Scope) -> QuerySet[Person]:
    return member_records(scope)


@indicator(
    "membership.members_by_sex",
    _("Adhérents par sexe"),
    breakdown=Breakdown("sex", labels=choice_labels(Sex.choices)),
    unit=Unit.PERSONS,
    measure=Rows(),
    dimensions=HOUSES,
)
def members_by_sex(scope: Scope) -> QuerySet[Person]:
    return member_records(scope)
