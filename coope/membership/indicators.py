"""Key figures of the shared membership."""

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from coope.core.models import House
from coope.lib.indicators import count_by, indicator
from coope.lib.periods import Period, age_band_expression
from coope.membership.models import Membership
from coope.people.models import Household, HouseholdMember, Person


def memberships_in(cooperation, period: Period, association=None, house=None):
    """Memberships valid at some point of the period (taken at `house` / `association`'s houses)."""
    queryset = Membership.objects.filter(cooperation=cooperation).overlapping(
        period.start, period.end
    )
    if house is not None:
        queryset = queryset.filter(house=house)
    if association is not None:
        queryset = queryset.filter(house__association=association)
    return queryset


def covered_persons(memberships):
    """Persons covered by these memberships: their own, or their household's."""
    in_households = HouseholdMember.objects.filter(
        household__in=memberships.filter(household__isnull=False).values("household")
    ).values("person")
    return Q(pk__in=memberships.filter(person__isnull=False).values("person")) | Q(
        pk__in=in_households
    )


def members_queryset(cooperation, period: Period, association=None, house=None):
    """Distinct persons covered by a valid membership at some point of the period."""
    return Person.objects.filter(cooperation=cooperation).filter(
        covered_persons(memberships_in(cooperation, period, association, house))
    )


def member_records(cooperation, period, *, association=None, house=None):
    return members_queryset(cooperation, period, association, house).select_related("home_house")


def household_records(cooperation, period, *, association=None, house=None):
    return Household.objects.filter(
        pk__in=memberships_in(cooperation, period, association, house)
        .filter(household__isnull=False)
        .values("household")
    )


def new_member_records(cooperation, period, *, association=None, house=None):
    earlier = Membership.objects.filter(cooperation=cooperation, valid_from__lt=period.start)
    return member_records(cooperation, period, association=association, house=house).exclude(
        covered_persons(earlier)
    )


def fee_records(cooperation, period, *, association=None, house=None):
    return (
        memberships_in(cooperation, period, association, house)
        .filter(valid_from__gte=period.start, valid_from__lte=period.end)
        .select_related("person", "household", "house")
    )


@indicator("membership.members", _("Adhérents"), unit="personnes", records=member_records)
def members(cooperation, period, *, association=None, house=None) -> int:
    return members_queryset(cooperation, period, association, house).count()


@indicator("membership.households", _("Foyers adhérents"), unit="foyers", records=household_records)
def households(cooperation, period, *, association=None, house=None) -> int:
    return (
        memberships_in(cooperation, period, association, house)
        .filter(household__isnull=False)
        .values("household")
        .distinct()
        .count()
    )


@indicator(
    "membership.new_members", _("Nouveaux adhérents"), unit="personnes", records=new_member_records
)
def new_members(cooperation, period, *, association=None, house=None) -> int:
    """Members of the period whom no membership covered before the period began."""
    earlier = Membership.objects.filter(cooperation=cooperation, valid_from__lt=period.start)
    return (
        members_queryset(cooperation, period, association, house)
        .exclude(covered_persons(earlier))
        .count()
    )


@indicator(
    "membership.fees_cents",
    _("Cotisations des adhésions prises"),
    unit="centimes",
    records=fee_records,
)
def fees(cooperation, period, *, association=None, house=None) -> int:
    queryset = memberships_in(cooperation, period, association, house).filter(
        valid_from__gte=period.start, valid_from__lte=period.end
    )
    return queryset.aggregate(total=Sum("fee_cents"))["total"] or 0


@indicator(
    "membership.members_by_house",
    _("Adhérents par maison d'adhésion"),
    unit="personnes",
    breakdown=True,
    records=member_records,
)
def members_by_house(cooperation, period, *, association=None, house=None) -> dict[str, int]:
    houses = House.objects.filter(cooperation=cooperation)
    if house is not None:
        houses = houses.filter(pk=house.pk)
    if association is not None:
        houses = houses.filter(association=association)
    return {h.name: members_queryset(cooperation, period, house=h).count() for h in houses}


@indicator(
    "membership.members_by_age_band",
    _("Adhérents par tranche d'âge"),
    unit="personnes",
    breakdown=True,
    records=member_records,
)
def members_by_age_band(cooperation, period, *, association=None, house=None) -> dict[str, int]:
    return count_by(
        members_queryset(cooperation, period, association, house),
        age_band_expression(period.end.year),
    )


@indicator(
    "membership.members_by_neighbourhood",
    _("Adhérents par quartier"),
    unit="personnes",
    breakdown=True,
    records=member_records,
)
def members_by_neighbourhood(
    cooperation, period, *, association=None, house=None
) -> dict[str, int]:
    return count_by(members_queryset(cooperation, period, association, house), "neighbourhood")


@indicator(
    "membership.members_by_sex",
    _("Adhérents par sexe"),
    unit="personnes",
    breakdown=True,
    records=member_records,
)
def members_by_sex(cooperation, period, *, association=None, house=None) -> dict[str, int]:
    return count_by(members_queryset(cooperation, period, association, house), "sex")
