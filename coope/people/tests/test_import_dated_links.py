"""Imported household links tell the past: since before Coopé knew, or since the file's date."""

import datetime

import pytest
from django.utils import timezone
from django_scopes import scope

from coope.imports import run_import
from coope.lib.indicators import compute_figures
from coope.lib.periods import Period
from coope.lib.spreadsheets import read_spreadsheet
from coope.membership.services import take_membership
from coope.people.models import Household, HouseholdMember
from coope.people.services import create_person
from coope.people.tests.spreadsheet_files import csv_bytes

pytestmark = pytest.mark.django_db

D = datetime.date
Y2018 = Period.year(2018)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def dupont(in_scope):
    w = in_scope
    return {
        first: create_person(
            actor=w.alice, cooperation=w.coop, first_name=first, last_name="Dupont"
        )
        for first in ("Élodie", "Marc", "Lina", "Noé")
    }


def import_households(world, rows):
    sheet = read_spreadsheet(csv_bytes(rows), "foyers.csv")
    with scope(cooperation=world.coop.pk):
        return run_import("households", sheet, actor=world.alice, cooperation=world.coop)


def links(household):
    return {
        (m.person.first_name, m.valid_from, m.valid_until)
        for m in HouseholdMember.objects.filter(household=household).select_related("person")
    }


def test_an_imported_household_with_a_2018_membership_counts_its_members_in_2018(world, dupont):
    report = import_households(
        world,
        [
            ["foyer", "prenom", "nom", "lien"],
            ["Famille Dupont", "Élodie", "Dupont", "responsable"],
            ["Famille Dupont", "Marc", "Dupont", "conjoint"],
        ],
    )
    assert report.errors == [] and report.written
    with scope(cooperation=world.coop.pk):
        family = Household.objects.get(name="Famille Dupont")
        # Since before Coopé knew, not since the day of the import.
        assert links(family) == {("Élodie", None, None), ("Marc", None, None)}
        take_membership(
            actor=world.alice,
            house=world.house_a,
            period=world.period,
            payment_method="cash",
            household=family,
            fee_cents=1200,
            valid_from=D(2018, 3, 1),
        )
        figures = compute_figures(world.coop, Y2018, keys=["membership.members"])
        assert figures["membership.members"] == 2


def test_the_file_dates_are_kept_and_a_former_member_stays_in_the_past(world, dupont):
    report = import_households(
        world,
        [
            ["Foyer", "Prénom", "Nom", "Lien", "Dans le foyer depuis", "A quitté le foyer le"],
            ["Famille Dupont", "Élodie", "Dupont", "responsable", "", ""],
            ["Famille Dupont", "Marc", "Dupont", "conjoint", "01/02/2016", "30/06/2018"],
            ["Famille Dupont", "Lina", "Dupont", "enfant", "15/09/2018", ""],
            # Noé was born in 2021: in the household since then only.
            ["Famille Dupont", "Noé", "Dupont", "enfant", "03/04/2021", ""],
            # Marc came back in 2020: one row per stay.
            ["Famille Dupont", "Marc", "Dupont", "conjoint", "01/01/2020", ""],
        ],
    )
    assert report.errors == [] and report.counts["membres ajoutés"] == 5
    with scope(cooperation=world.coop.pk):
        family = Household.objects.get()
        assert links(family) == {
            ("Élodie", None, None),
            ("Marc", D(2016, 2, 1), D(2018, 6, 30)),
            ("Lina", D(2018, 9, 15), None),
            ("Noé", D(2021, 4, 3), None),
            ("Marc", D(2020, 1, 1), None),
        }
        take_membership(
            actor=world.alice,
            house=world.house_a,
            period=world.period,
            payment_method="cash",
            household=family,
            fee_cents=1200,
            valid_from=D(2018, 1, 1),
        )
        # 2018: Élodie, Marc until June, Lina from September; not Noé.
        assert compute_figures(world.coop, Y2018, keys=["membership.members"]) == {
            "membership.members": 3
        }


def test_bad_dates_of_a_household_link_are_the_rows_problems(world, dupont):
    future = timezone.localdate() + datetime.timedelta(days=40)
    report = import_households(
        world,
        [
            ["foyer", "prenom", "nom", "date_entree", "date_sortie"],
            ["Famille Dupont", "Élodie", "Dupont", f"{future:%d/%m/%Y}", ""],
            ["Famille Dupont", "Marc", "Dupont", "01/02/2018", "01/01/2018"],
            ["Famille Dupont", "Lina", "Dupont", "01/02/2015", "01/03/2016"],
            # Back before she left: refused with the day she left.
            ["Famille Dupont", "Lina", "Dupont", "01/01/2016", ""],
        ],
    )
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "date_entree"),
        (3, "date_sortie"),
        (5, "date_entree"),
    ]
    assert "dans le futur" in report.errors[0].message
    assert "précède la date d'entrée" in report.errors[1].message
    assert "01/03/2016" in report.errors[2].message


def test_a_member_already_there_is_not_given_another_start(world, dupont):
    import_households(
        world,
        [["foyer", "prenom", "nom", "date_entree"], ["Famille Dupont", "Élodie", "Dupont", ""]],
    )
    report = import_households(
        world,
        [
            ["foyer", "prenom", "nom", "date_entree"],
            ["Famille Dupont", "Élodie", "Dupont", "01/01/2017"],
        ],
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "date_entree")]
    assert "déjà dans ce foyer (depuis avant que Coopé ne le sache)" in report.errors[0].message
    with scope(cooperation=world.coop.pk):
        assert links(Household.objects.get()) == {("Élodie", None, None)}
