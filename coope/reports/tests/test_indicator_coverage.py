"""Every indicator of the registry is tested against a small hand-computed data set, and each
one's `records` lists the rows it counts."""

import re
from pathlib import Path

import pytest

from coope.lib.indicators import Scope, registry
from coope.lib.periods import Period

pytestmark = pytest.mark.django_db
COOPE = Path(__file__).resolve().parents[2]
# Tests over the whole demo check its totals; they are not hand-computed.
NOT_HAND_COMPUTED = re.compile(r"demo|bench", re.IGNORECASE)
Y2018 = Period.year(2018)


def hand_computed_test_sources() -> str:
    return "\n".join(
        path.read_text(encoding="utf-8")
        for path in sorted(COOPE.glob("*/tests/**/test_*.py"))
        if not NOT_HAND_COMPUTED.search(path.name)
    )


def test_every_registered_indicator_appears_in_a_hand_computed_test():
    sources = hand_computed_test_sources()
    untested = [
        key for key in registry() if f'"{key}"' not in sources and f"'{key}'" not in sources
    ]
    assert not untested, (
        "Ces indicateurs n'ont aucun test sur un petit jeu de données calculé à la main "
        f"(ajoutez-en un dans les tests de leur application) : {', '.join(untested)}"
    )


# Figures that are the number of rows their `records` function returns.
COUNTED = [
    "people.reception_visits",
    "membership.members",
    "membership.households",
    "membership.new_members",
    "activities.sessions",
    "activities.attendances",
    "activities.named_participants",
    "activities.events_published",
    "volunteering.activity_volunteers",
    "volunteering.governance_volunteers",
    "volunteering.volunteers_trained",
    "people.users",
]


@pytest.mark.parametrize("key", COUNTED)
def test_the_records_of_a_counted_figure_are_as_many_as_the_figure(year, key):
    w = year
    indicator = registry()[key]
    for where in ({}, {"house": w.house_a}, {"house": w.house_b}, {"association": w.assoc_b}):
        scope = Scope(w.coop, Y2018, **where)
        figure = indicator.value(scope)
        records = indicator.records_for(scope)
        field = getattr(indicator.measure, "field", "pk")
        assert records.values(field).distinct().count() == figure, where


def test_records_of_the_hand_computed_year(year):
    """2018: sessions in March (house A) and June (house B), Ana and Ben attend, Ana and Chloé are
    members, Chloé visits house B, Ana gives 90 minutes, Ben 120."""
    w = year
    ind = registry()

    def records(key, **where):
        return ind[key].records_for(Scope(w.coop, Y2018, **where))

    def names(key, **where):
        return sorted({str(getattr(r, "person", r)) for r in records(key, **where)})

    assert names("people.users") == ["Ana Martin", "Ben Martin", "Chloé Martin"]
    assert names("activities.named_participants", house=w.house_b) == ["Ana Martin"]
    assert names("membership.members_by_house") == ["Ana Martin", "Chloé Martin"]
    assert names("people.by_sex") == ["Ana Martin", "Chloé Martin"]
    assert len(names("people.reception_visits_by_reason")) == 1
    assert sum(r.duration_minutes for r in records("volunteering.hours")) == 210
    assert records("volunteering.value_cents").count() == 2
    assert names("volunteering.governance_volunteers") == ["Ben Martin"]
    assert records("membership.fees_cents").count() == 2
    assert records("activities.headcount_participants").count() == 0
    assert records("activities.communes").count() == 0
    # Circulation: Ana (home A) came to house B; Ben (home B) came to house A.
    assert names("activities.circulation_percent") == ["Ana Martin", "Ben Martin"]
    assert records("activities.house_mix").count() == 3
    for key in (
        "membership.members_by_age_band",
        "membership.members_by_neighbourhood",
        "membership.members_by_sex",
        "people.by_age_band",
    ):
        assert len(names(key)) == 2, key


def test_indicators_of_people_membership_activities_and_volunteering_all_give_their_records():
    apps = ("people.", "membership.", "activities.", "volunteering.")
    assert [
        key for key, ind in registry().items() if key.startswith(apps) and ind.records is None
    ] == []


def test_exact_parts_by_house_add_up_to_the_whole(year):
    """Values are exact (minutes), rounded only at display: the houses' parts add up."""
    w = year
    hours = registry()["volunteering.hours"]
    parts = [hours(w.coop, Y2018, house=h) for h in (w.house_a, w.house_b)]
    assert parts == [90, 120] and sum(parts) == hours(w.coop, Y2018) == 210


def test_houses_that_swap_names_keep_their_own_part(year):
    """Breakdowns are keyed by stable codes (here the house's id), labelled at display: two
    houses that swap their names (names are unique in a cooperation) keep their parts."""
    w = year
    by_house = registry()["membership.members_by_house"]
    before = by_house(w.coop, Y2018)
    name_a, name_b = w.house_a.name, w.house_b.name
    w.house_a.name = "provisoire"
    w.house_a.save()
    w.house_b.name = name_a
    w.house_b.save()
    w.house_a.name = name_b
    w.house_a.save()
    value = by_house(w.coop, Y2018)
    assert value == before == {str(w.house_a.pk): 1, str(w.house_b.pk): 1}
    labels = by_house.labels(Scope(w.coop, Y2018), value)
    assert labels == {str(w.house_a.pk): name_b, str(w.house_b.pk): name_a}
