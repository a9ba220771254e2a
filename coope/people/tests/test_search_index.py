"""The front-desk search is served by an index on both databases (SQLite: FTS5 trigram table
kept by triggers; PostgreSQL: trigram GIN index) and finds exactly what a plain reading of the
names finds, whatever the user types."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from coope.lib.db_statistics import refresh_statistics
from coope.lib.text import normalize
from coope.membership.services import take_membership
from coope.people import search_index
from coope.people.models import Person
from coope.people.privacy import anonymise_person
from coope.people.services import (
    add_to_household,
    create_household,
    create_person,
    remove_from_household,
    update_person,
)

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(
    "connection.vendor != 'sqlite'", reason="SQLite's FTS5 table (PostgreSQL: GIN index)"
)

NAMES = [
    ("Élodie", "Dupont-Gaël"),
    ("Elodie", "Martin"),
    ("Gérard", "Bernard"),
    ("Gérard", "Berthier"),
    ("Bérénice", "Gérardin"),
    ("Lucie", "Martin"),
    ("Lucie", "Moreau"),
    ("Khadija", "Benali"),
    ("Thị Hồng", "Nguyễn"),
    ("Mehmet", "Öztürk"),
    ("Aïssata", "Traoré"),
    ("Zoé", "Le Goff"),
    ("Zoë", "Legrand"),
    ("Jean-Pierre", "D'Almeida"),
    ("Anne", "N'Diaye"),
    ("Ève", "Da Silva"),
    ("Æsa", "Œuvray"),
    ("Marie", "Müller-Straße"),
    ("Noé", "Lô"),
    ("Al", "Li"),
    ("Yu", "Xi"),
    ("Bo", "Ng"),
    ("Sophie", "Martin-Fontaine"),
    ("François", "Fontaine"),
    ("Françoise", "Lefèvre"),
    ("Inès", "Ferreira"),
    ("Samir", "Haddad"),
    ("Yasmine", "El Amrani"),
    ("Paulette", "Près"),
    ("Chloé", "Chabert"),
    ("Thérèse", "Chabrol"),
    ("Léa", "Marchand"),
    ("Ahmed", "Mansouri"),
    ("Océane", "Robert"),
    ("Luc", "Near"),
    ("Ana", "And"),
    ("Or", "Not"),
    ("Ann", "Star*"),
    ("Guy", 'O"Hara'),
    ("Émile", "Zola (fils)"),
    ("Rémi", "Caret^"),
    ("Tom", "Minus-Plus"),
]
QUERIES = [
    # parts of names as people type them, any order, accents and capitals ignored
    "elod",
    "ÉLODIE",
    "gael elo",
    "gerard ber",
    "ber gerard",
    "lucie m",
    "martin",
    "MAR",
    "nguy",
    "nguyen thi",
    "oztu",
    "öztürk",
    "traore",
    "le g",
    "le goff",
    "zoe",
    "d'al",
    "'",
    "n'd",
    "da s",
    "oeuv",
    "aesa",
    "strasse",
    "mull",
    "lo",
    "l",
    "e",
    "al li",
    "li al",
    "ng bo",
    "xi",
    "fontaine martin",
    "franc",
    "ferrei",
    "chab",
    "ch",
    "a b c",
    "zzz",
    "martin zzz",
    # what must never be read as the FTS5 query syntax
    '"',
    '""',
    '"mar',
    'o"hara',
    'o"h',
    "*",
    "star*",
    "mar*",
    "near",
    "NEAR(mar ber)",
    "near/2",
    "and",
    "AND",
    "or",
    "OR mar",
    "not",
    "NOT mar",
    "-plus",
    "minus-",
    "mar -ber",
    "^mar",
    "caret^",
    "^",
    "(fils)",
    "zola (",
    "search_name:mar",
    ":",
    "{search_name}",
    "+",
    "mar + ber",
    "日本語",
    "🙂",
    "élo 🙂",
    "%",
    "_",
    "mar%",
    "\\",
    "l_c",
]


def plain_filter(people, text):
    """What the search must find: every word of the query inside the accent-free name."""
    words = normalize(text).split()
    return {
        p.pk
        for p in people
        if words and all(w in normalize(f"{p.first_name} {p.last_name}") for w in words)
    }


@pytest.fixture
def people(in_scope):
    w = in_scope
    created = [
        create_person(actor=w.alice, cooperation=w.coop, first_name=first, last_name=last)
        for first, last in NAMES
    ]
    with scope(cooperation=w.other_coop.pk):
        # The same names in another cooperation: never found from this one.
        for first, last in NAMES[:10]:
            create_person(
                actor=w.charlie, cooperation=w.other_coop, first_name=first, last_name=last
            )
    return created


def fts_is_consistent() -> None:
    """FTS5 checks its index against people_person (the `rank` 1 form reads the content)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO people_person_fts(people_person_fts, rank) VALUES ('integrity-check', 1)"
        )


def fts_pages(*, after_merge: bool = False) -> list:
    with connection.cursor() as cursor:
        if after_merge:
            cursor.execute("INSERT INTO people_person_fts(people_person_fts) VALUES ('optimize')")
        cursor.execute("SELECT id, block FROM people_person_fts_data ORDER BY id")
        return [(row[0], bytes(row[1])) for row in cursor.fetchall()]


def test_search_finds_what_a_plain_reading_of_the_names_finds(people):
    everyone = list(Person.objects.all())
    wrong = {}
    for text in QUERIES:
        found = list(Person.objects.search(text).values_list("pk", flat=True))
        expected = plain_filter(everyone, text)
        if len(found) != len(set(found)) or set(found) != expected:
            wrong[text] = (sorted(found), sorted(expected))
    assert wrong == {}


def test_the_queries_above_find_something_most_of_the_time(people):
    """The comparison above is not between two empty sets."""
    matched = [text for text in QUERIES if plain_filter(Person.objects.all(), text)]
    assert len(matched) > len(QUERIES) * 2 // 3
    assert len(plain_filter(Person.objects.all(), "gerard ber")) == 3  # Bérénice Gérardin
    assert len(plain_filter(Person.objects.all(), 'o"h')) == 1


def test_search_is_bounded_to_the_cooperation_and_empty_input_finds_nobody(people, world):
    assert Person.objects.search("elodie").count() == 2
    with scope(cooperation=world.other_coop.pk):
        assert Person.objects.search("elodie").count() == 2
        assert not Person.objects.search("fontaine").exists()
    for text in ["", "   ", "\x00", None]:
        assert not Person.objects.search(text).exists()


@sqlite_only
def test_sqlite_search_goes_through_the_fts_table_and_the_primary_key(people):
    # Statistics of the rows there now, as production keeps them (not those an earlier test left).
    refresh_statistics()
    for text in ["elod", "gerard ber", "lucie m", "mar"]:
        sql, params = Person.objects.search(text)[:30].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
        assert "SCAN people_person_fts VIRTUAL TABLE INDEX" in plan, plan
        # Each row the FTS table names is read by its key (with or without the cooperation).
        assert re.search(r"SEARCH people_person USING [^|]*\browid=\?", plan), plan


@sqlite_only
def test_edits_anonymisation_and_deletes_keep_the_fts_table_in_step(people, in_scope):
    w = in_scope
    elodie = people[0]
    update_person(actor=w.alice, person=elodie, first_name="Éléonore", last_name="Quillard")
    assert not Person.objects.search("dupont").exists()
    assert list(Person.objects.search("quill")) == [elodie]
    fts_is_consistent()

    anonymise_person(actor=w.director, person=elodie)
    assert not Person.objects.search("quill").exists()
    assert not Person.objects.search("eleonore").exists()
    assert list(Person.objects.search(f"#{elodie.pk}")) == []  # a number: a card, none
    fts_is_consistent()
    # The erased name's entries are gone from the index's pages, not only marked deleted:
    # the index is already merged (a merge now changes nothing).
    assert fts_pages() == fts_pages(after_merge=True)
    update_person(actor=w.alice, person=people[1], last_name="Martin-Roux")
    assert fts_pages() != fts_pages(after_merge=True)  # an edit only marks (the test can fail)

    lone = create_person(actor=w.alice, cooperation=w.coop, first_name="Vladimir", last_name="Zut")
    assert list(Person.objects.search("vladi zut")) == [lone]
    lone.delete()
    assert not Person.objects.search("vladi").exists()
    fts_is_consistent()


@sqlite_only
def test_bulk_writes_raw_updates_and_loaddata_keep_the_fts_table_in_step(people, tmp_path):
    first = people[1]
    first.first_name, first.search_name = "Wolfgang", "wolfgang martin"
    Person.objects.bulk_update([first], ["first_name", "search_name"])
    assert list(Person.objects.search("wolfg")) == [first]
    Person.objects.filter(pk=first.pk).update(search_name="quentin martin")
    assert list(Person.objects.search("quent")) == [first]
    assert not Person.objects.search("wolfg").exists()
    fts_is_consistent()

    # A fixture loaded back (loaddata writes through the ORM: the triggers see every row).
    fixture = tmp_path / "people.json"
    with scopes_disabled():
        loner = Person.objects.create(
            cooperation=first.cooperation, first_name="Ysolde", last_name="Fixture"
        )
        pk = loner.pk
        call_command("dumpdata", "people.person", f"--pks={pk}", f"--output={fixture}")
        loner.delete()
    assert not Person.objects.search("ysold").exists()
    call_command("loaddata", str(fixture), verbosity=0)
    assert list(Person.objects.search("ysolde fix").values_list("pk", flat=True)) == [pk]
    fts_is_consistent()


@sqlite_only
def test_the_migration_installs_the_table_and_ensure_repairs_a_rebuilt_person_table(people):
    with connection.cursor() as cursor:
        assert search_index.missing(cursor) == []
        # What a later migration that rebuilds people_person on SQLite does to the triggers.
        for trigger in search_index.TRIGGERS:
            cursor.execute(f"DROP TRIGGER {trigger}")
        cursor.execute(
            "UPDATE people_person SET search_name = 'hors index' WHERE id = %s", [people[2].pk]
        )
        assert search_index.missing(cursor) == list(search_index.TRIGGERS)
    assert not Person.objects.search("hors index").exists()  # the index is behind

    # Every migrate repairs it (the people app listens to post_migrate).
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    with connection.cursor() as cursor:
        assert search_index.missing(cursor) == []
    assert list(Person.objects.search("hors index")) == [people[2]]
    fts_is_consistent()
    assert search_index.ensure(connection) is False  # nothing left to repair

    # The reverse migration drops it all; installing again indexes the people already there.
    with connection.cursor() as cursor:
        search_index.uninstall(cursor)
        assert search_index.missing(cursor) == [search_index.TABLE, *search_index.TRIGGERS]
        search_index.install(cursor)
        assert search_index.missing(cursor) == []
    assert list(Person.objects.search("gerard ber")) == people[3:5]  # people[2] renamed
    fts_is_consistent()


@pytest.fixture
def cards(in_scope):
    """A card of one's own; a household's card, held also by a member who left the household."""
    w = in_scope
    own = create_person(actor=w.alice, cooperation=w.coop, first_name="Ida", last_name="Seule")
    parent = create_person(actor=w.alice, cooperation=w.coop, first_name="Paul", last_name="Parent")
    child = create_person(actor=w.alice, cooperation=w.coop, first_name="Cleo", last_name="Parent")
    household = create_household(
        actor=w.alice,
        cooperation=w.coop,
        name="Famille Parent",
        members=[(parent, "referent"), (child, "child")],
        members_since=datetime.date(2017, 1, 1),
    )
    remove_from_household(
        actor=w.alice, household=household, person=child, on=datetime.date(2018, 2, 1)
    )
    # Someone in another household with no card: never found by the card.
    other = create_person(actor=w.alice, cooperation=w.coop, first_name="Max", last_name="Autre")
    add_to_household(
        actor=w.alice,
        household=create_household(actor=w.alice, cooperation=w.coop, name="Autre"),
        person=other,
        link="referent",
    )
    dates = {"valid_from": w.period.start, "valid_until": w.period.end, "fee_cents": 1000}
    own_card = take_membership(
        actor=w.alice, house=w.house_a, period=w.period, person=own, payment_method="cash", **dates
    )
    household_card = take_membership(
        actor=w.alice,
        house=w.house_a,
        period=w.period,
        household=household,
        payment_method="cash",
        **dates,
    )
    return own, parent, child, own_card.card_number, household_card.card_number


def test_card_number_finds_its_holder_or_the_household_members_once(cards, world):
    own, parent, child, own_card, household_card = cards
    assert list(Person.objects.search(own_card)) == [own]
    assert list(Person.objects.search(f"  {own_card.lower()} ")) == [own]
    # Any link, past or present (as before): each member once, in the desk's order.
    assert list(Person.objects.search(household_card)) == [child, parent]
    assert not Person.objects.search("ROM-1999-00001").exists()
    with scope(cooperation=world.other_coop.pk):
        assert not Person.objects.search(own_card).exists()


def test_card_number_search_is_one_query_with_a_union_and_no_distinct(cards):
    household_card = cards[-1]
    with CaptureQueriesContext(connection) as queries:
        found = list(Person.objects.search(household_card)[:30])
    assert len(found) == 2
    assert len(queries) == 1
    sql = queries[0]["sql"].upper()
    assert "UNION" in sql and "DISTINCT" not in sql and " OR " not in sql
