"""What was true about people during a period: household links and home houses.

Figures of a past period count these, never today's values, so that today's edits (someone
leaves a household, moves to another house, is anonymised) leave past figures as they were.
"""

from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from coope.lib.periods import Period
from coope.people.models import HomeHouseSpell, Person, overlapping


def links_during(period: Period, prefix: str = "") -> Q:
    """HouseholdMember rows valid at some point of the period.

    `prefix` is the path to the links from the rows filtered: "" on HouseholdMember,
    "links__" on Household, "household_links__" on Person. Use it in a single `filter()` call
    with the other conditions on the same link."""
    return overlapping(period.start, period.end, prefix)


def home_house_during(period: Period, person_field: str = "pk") -> Coalesce:
    """A database expression: the id of the home house of the person of each row during the
    period (None when they had none).

    The spell in force on the period's last day, else the latest spell that overlaps the period
    (spells without a house left aside); a person without any spell has had `Person.home_house`
    since always. `person_field` is the
    path to the person from the rows annotated ("pk" on Person, "person" on Attendance)."""
    spells = HomeHouseSpell.objects.filter(person=OuterRef(person_field))
    # Spells of a person do not overlap: the latest end (an open spell first) is the one in
    # force on the last day if any, else the latest that overlaps the period. A spell without a
    # house gives way to one with a house in the same period: someone attached to house A until
    # June and to none since counts for house A that year.
    in_period = (
        spells.filter(overlapping(period.start, period.end), house__isnull=False)
        .order_by(
            F("valid_until").desc(nulls_first=True), F("valid_from").desc(nulls_last=True), "-pk"
        )
        .values("house")[:1]
    )
    without_spell = (
        Person.objects.filter(pk=OuterRef(person_field))
        .filter(~Exists(HomeHouseSpell.objects.filter(person=OuterRef("pk"))))
        .values("home_house")[:1]
    )
    return Coalesce(Subquery(in_period), Subquery(without_spell))


def of_home_house(
    queryset: QuerySet[Any],
    period: Period,
    person_field: str,
    *,
    house: Any = None,
    association: Any = None,
) -> QuerySet[Any]:
    """The rows whose person had `house` (or a house of `association`) as home house during the
    period: what every figure counted by the person's house uses. The rows as they are when
    neither is given."""
    if house is None and association is None:
        return queryset
    queryset = queryset.annotate(home_house=home_house_during(period, person_field))
    if house is not None:
        queryset = queryset.filter(home_house=house.pk)
    if association is not None:
        queryset = queryset.filter(home_house__in=association.houses.values("pk"))
    return queryset
