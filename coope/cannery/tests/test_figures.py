"""The cannery's key figures on a small data set computed by hand."""

import datetime

import pytest

from coope.activities.services import record_attendance, record_headcount
from coope.cannery import services
from coope.lib.indicators import Scope, compute_figures, registry
from coope.lib.periods import Period
from coope.people.services import create_person
from coope.reports.provenance import describe
from coope.timebank.services import open_account
from coope.volunteering.models import Training
from coope.volunteering.services import record_volunteer_hours

from .conftest import DAY

pytestmark = pytest.mark.django_db
SEASON = Period(datetime.date(2018, 7, 1), datetime.date(2018, 12, 31))


@pytest.fixture
def season(kit):
    """Two workshops in the season (Triors, Peyrins), one in June (outside) and one cancelled.

    - participants: Ana at both, Ben at one (2 distinct named) + 10 and 5 counted = 17
    - volunteers: Ana 3 h + Ben 1 h 30 at the workshops = 4.5 h; 2 h at another activity (not counted)
    - trainings: Ana and Ben « Conserverie … », Ben twice; Cléo « Premiers secours » (not counted) = 2
    - collections: 12 kg + 8 kg in the season (2 producers), 5 kg in June = 20 kg, 2 producers
    - batches: 7 kg → 10 × 370 ml jars; 6 kg → 4 l of soup and 3 × 500 ml jars; = 13 kg, 13 jars, 4 l
    - movements: 4 given, 2 sold 9 €, 1 sold 45 min, 1 returned, 1 lost
    """
    w = kit.w
    actor = w.coordinator
    ana, ben, cleo = (
        create_person(actor=actor, cooperation=w.coop, first_name=n, last_name="Test")
        for n in ("Ana", "Ben", "Cléo")
    )
    triors, peyrins = kit.session(DAY, "Triors"), kit.session(DAY.replace(month=9), "Peyrins")
    june = kit.session(DAY.replace(month=6), "Margès")
    cancelled = kit.session(DAY.replace(month=10), "Crépol")
    cancelled.cancelled = True
    cancelled.save()
    for session, people, counted in (
        (triors, [ana, ben], 10),
        (peyrins, [ana], 5),
        (june, [cleo], 7),
    ):
        for person in people:
            record_attendance(actor=actor, session=session, person=person)
        record_headcount(actor=actor, session=session, counts={"": counted})
    record_volunteer_hours(
        actor=actor, people=[ana], date=DAY, duration_minutes=180, kind="activity", session=triors
    )
    record_volunteer_hours(
        actor=actor, people=[ben], date=DAY, duration_minutes=90, kind="activity", session=peyrins
    )
    record_volunteer_hours(
        actor=actor, people=[cleo], date=DAY, duration_minutes=120, kind="activity"
    )
    for person, title, programme in (
        (ana, "Hygiène", "cannery"),
        (ben, "Stérilisation", "cannery"),
        (ben, "Traçabilité", "cannery"),
        (cleo, "Premiers secours", ""),
    ):
        Training.objects.create(
            cooperation=w.coop, person=person, title=title, date=DAY, programme=programme
        )
    farm, orchard = kit.producer(), kit.producer("Le Verger", "Peyrins")
    apricots = kit.collection(farm, grams=12_000)
    squash = kit.collection(orchard, grams=8_000, day=DAY.replace(month=9), produce="courges")
    kit.collection(farm, grams=5_000, day=DAY.replace(month=6))
    jam = kit.batch(triors, [(apricots, 7_000)], jars={370: 10}).lots.get()
    kit.batch(
        peyrins,
        [(squash, 6_000)],
        recipe=kit.soup,
        jars={500: 3},
        soup_centilitres=400,
        sterilisation={
            "duration_minutes": 90,
            "temperature_celsius": 116,
            "operator": "Rose",
            "closure_checked": True,
        },
    )
    services.give_jars(actor=actor, lot=jam, jars=4, location=kit.van, session=triors, date=DAY)
    services.sell_jars_for_euros(
        actor=actor, lot=jam, jars=2, location=kit.van, price_cents=900, date=DAY
    )
    open_account(actor=actor, person=ben, registered_with=w.assoc_a)
    services.sell_jars_for_time(
        actor=actor,
        lot=jam,
        jars=1,
        location=kit.van,
        payer=ben,
        minutes=45,
        association=w.assoc_a,
        idempotency_key="k1",
        date=DAY,
    )
    services.return_jars(actor=actor, lot=jam, jars=1, location=kit.van, producer=farm, date=DAY)
    services.record_loss(actor=actor, lot=jam, jars=1, location=kit.van, date=DAY)
    return kit


def cannery_figures(world, period=SEASON, **where):
    keys = [key for key in registry() if key.startswith("cannery.")]
    return compute_figures(world.coop, period, keys=keys, **where)


def test_the_cannery_figures_on_a_hand_computed_season(season):
    figures = cannery_figures(season.w)
    assert figures == {
        "cannery.workshops": 2,
        "cannery.participants": 17,
        "cannery.named_participants": 2,
        "cannery.counted_participants": 15,
        "cannery.volunteer_hours": 270,  # minutes
        "cannery.volunteers_trained": 2,
        "cannery.villages": 2,
        "cannery.workshops_by_village": {"Peyrins": 1, "Triors": 1},
        "cannery.collected_weight": 20_000,  # grams
        "cannery.transformed_weight": 13_000,
        "cannery.producers": 2,
        "cannery.soup_volume": 400,  # centilitres
        "cannery.jars": 13,
        "cannery.jars_by_destination": {
            "given": 4,
            "returned": 1,
            "sold_euros": 2,
            "sold_time": 1,
            "lost": 1,
        },
        "cannery.sales_cents": 900,
        "cannery.time_sales": 45,  # minutes
    }


def test_the_records_behind_the_figures(season):
    w, indicators = season.w, registry()
    scope = Scope(w.coop, SEASON)
    assert indicators["cannery.workshops"].records_for(scope).count() == 2
    assert indicators["cannery.collected_weight"].records_for(scope).count() == 2
    assert indicators["cannery.jars"].records_for(scope).count() == 2  # two lots
    assert indicators["cannery.volunteers_trained"].records_for(scope).count() == 3
    # A figure made of two others says so, and each part gives its records.
    assert indicators["cannery.participants"].parts == (
        "cannery.named_participants",
        "cannery.counted_participants",
    )
    assert indicators["cannery.named_participants"].records_for(scope).count() >= 2


def test_asked_for_a_house_the_cannery_counts_nothing_so_houses_add_up(season):
    figures = cannery_figures(season.w, house=season.w.house_a)
    assert figures["cannery.workshops"] == 0  # its workshops are held in villages
    # Its own records belong to the whole cooperation: they do not answer for one house.
    assert figures["cannery.jars"] is None
    by_association = cannery_figures(season.w, association=season.w.assoc_a)
    assert by_association["cannery.collected_weight"] is None


def test_without_a_cannery_the_figures_are_zero(in_scope):
    figures = cannery_figures(in_scope)
    assert figures["cannery.workshops"] == 0 and figures["cannery.volunteers_trained"] == 0
    assert services.workshops(in_scope.coop).count() == 0


def test_a_reader_who_may_not_see_people_reads_no_producer_name(season):
    """A producer may be a person (a farm is often its farmer): shown by number only."""
    w, indicators = season.w, registry()
    for key in ("cannery.collected_weight", "cannery.transformed_weight"):
        indicator = indicators[key]
        for record in indicator.records_for(Scope(w.coop, SEASON)):
            text = describe(record, with_names=False, public_fields=indicator.public_fields)["text"]
            assert "Ferme" not in text and "Verger" not in text, text
            assert "n°" in text


def test_a_programme_figure_answers_for_its_own_programme_only(season):
    workshops = registry()["cannery.workshops"]
    assert workshops.value(Scope(season.w.coop, SEASON, programme="cannery")) == 2
    assert workshops.value(Scope(season.w.coop, SEASON, programme="mobility")) is None
    # A figure made of two says nothing where one of its parts does not answer.
    assert (
        registry()["cannery.participants"].value(Scope(season.w.coop, SEASON, programme="mobility"))
        is None
    )
