"""Imported memberships keep their own dates (debut, fin) or get them from the cooperation's
rules; their period is found, or opened, from the dates; the same file twice writes nothing,
a row that says otherwise is reported, bad dates are refused in French."""

import datetime

import pytest
from django_scopes import scope, scopes_disabled

from coope.core.models import AuditEntry
from coope.imports import run_import
from coope.lib.indicators import compute_figures
from coope.lib.periods import Period
from coope.lib.spreadsheets import read_spreadsheet
from coope.membership.models import FeeRule, Membership, MembershipPeriod, Scheme
from coope.membership.services import set_rules
from coope.people.services import create_household, create_person
from coope.people.tests.spreadsheet_files import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db
D = datetime.date
HEADER = ["carte", "prenom", "nom", "foyer", "maison", "paiement", "montant", "debut", "fin"]


@pytest.fixture
def people(world):
    with scope(cooperation=world.coop.pk):
        found = {
            first: create_person(
                actor=world.alice, cooperation=world.coop, first_name=first, last_name=last
            )
            for first, last in (("Ana", "Costa"), ("Omar", "Haddad"), ("Léa", "Roux"))
        }
        create_household(
            actor=world.alice,
            cooperation=world.coop,
            name="Famille Roux",
            members=[(found["Léa"], "referent")],
        )
    return found


def run(world, rows, filename="adhesions.csv", build=csv_bytes, actor=None):
    sheet = read_spreadsheet(build(rows), filename)
    with scope(cooperation=world.coop.pk):
        return run_import("adhesions", sheet, actor=actor or world.director, cooperation=world.coop)


def errors_of(report):
    return [(e.row, e.column, e.message) for e in report.errors]


def members(world, start, end):
    with scope(cooperation=world.coop.pk):
        return compute_figures(world.coop, Period(start, end))["membership.members"]


def test_a_rolling_membership_from_15_june_2018_counts_in_2018_and_2019_until_14_june(
    world, people
):
    with scope(cooperation=world.coop.pk):
        set_rules(actor=world.director, cooperation=world.coop, scheme=Scheme.ROLLING)
    report = run(world, [HEADER, ["", "Ana", "Costa", "", "A", "chèque", "", "15/06/2018", ""]])
    assert errors_of(report) == [] and report.written
    with scopes_disabled():
        ana = Membership.objects.get(person=people["Ana"])
    assert (ana.period, ana.valid_from, ana.valid_until) == (
        world.period,
        D(2018, 6, 15),
        D(2019, 6, 14),
    )
    assert ana.fee_cents == 1000  # 2018's grid, no quotient known: the open-ended tier
    assert members(world, D(2018, 1, 1), D(2018, 12, 31)) == 1
    assert members(world, D(2019, 1, 1), D(2019, 12, 31)) == 1
    assert members(world, D(2019, 6, 14), D(2019, 6, 14)) == 1
    assert members(world, D(2019, 6, 15), D(2019, 12, 31)) == 0
    assert members(world, D(2018, 1, 1), D(2018, 6, 14)) == 0


def test_own_dates_are_kept_whatever_the_rules(world, people):
    # Calendar rules, yet the file says 12 months from the day paid: the file wins.
    report = run(
        world,
        [
            ["prenom", "nom", "maison", "paiement", "valable_du", "valable_jusqu_au"],
            ["Omar", "Haddad", "B", "espèces", D(2018, 9, 3), D(2019, 9, 2)],
            ["Ana", "Costa", "A", "espèces", "01/02/2018", ""],
        ],
        filename="adhesions.xlsx",
        build=xlsx_bytes,
    )
    assert errors_of(report) == []
    with scopes_disabled():
        omar = Membership.objects.get(person=people["Omar"])
        ana = Membership.objects.get(person=people["Ana"])
    assert (omar.period, omar.valid_from, omar.valid_until) == (
        world.period,
        D(2018, 9, 3),
        D(2019, 9, 2),
    )
    assert (ana.valid_until, ana.payment_method, ana.fee_cents) == (D(2018, 12, 31), "cash", 1000)
    assert members(world, D(2019, 1, 1), D(2019, 12, 31)) == 1  # Omar


def test_the_period_is_found_or_opened_from_the_dates(world, people):
    report = run(
        world,
        [
            HEADER,
            # Taken on 5 December and valid through 2019: next year's membership, offered then.
            ["", "Ana", "Costa", "", "A", "espèces", "", "05/12/2018", "31/12/2019"],
            # A day with no period: 2020 is opened with the last fee grid.
            ["", "Omar", "Haddad", "", "B", "espèces", "", "10/03/2020", ""],
            ["", "", "", "Famille Roux", "A", "chèque", "", "05/12/2018", ""],
        ],
    )
    assert errors_of(report) == []
    with scopes_disabled():
        ana = Membership.objects.get(person=people["Ana"])
        omar = Membership.objects.get(person=people["Omar"])
        roux = Membership.objects.get(household__name="Famille Roux")
        p2020 = MembershipPeriod.objects.get(cooperation=world.coop, name="2020")
        assert (ana.period.name, ana.valid_until) == ("2019", D(2019, 12, 31))
        assert (omar.period, omar.valid_until, omar.fee_cents) == (p2020, D(2020, 12, 31), 1000)
        assert (p2020.start, p2020.end) == (D(2020, 1, 1), D(2020, 12, 31))
        assert FeeRule.objects.filter(period=p2020).count() == 6
        # Without an end, the rules say: the period of its first day, to that period's end.
        assert (roux.period, roux.valid_until) == (world.period, D(2018, 12, 31))
        assert (
            AuditEntry.objects.filter(action="import", model="membership.membershipperiod").count()
            == 2
        )


def test_the_same_file_twice_writes_nothing_and_says_so(world, people):
    rows = [
        HEADER,
        ["ROM-2018-00500", "Ana", "Costa", "", "A", "chèque", "12", "15/06/2018", "14/06/2019"],
        ["", "Omar", "Haddad", "", "B", "espèces", "", "03/09/2018", ""],
        ["", "", "", "Famille Roux", "A", "cb", "20", "01/03/2018", ""],
        # 0 € with a payment mode: recorded as free, and read again as the same row.
        ["", "Omar", "Haddad", "", "B", "virement", "0", "01/10/2019", ""],
    ]
    first = run(world, rows)
    assert errors_of(first) == [] and first.counts == {"adhésions enregistrées": 4}
    with scopes_disabled():
        journal = AuditEntry.objects.count()
    again = run(world, rows)
    assert errors_of(again) == [] and again.written
    assert (again.new_row_count, again.present_rows) == (0, 4)
    assert again.counts == {"adhésions enregistrées": 0}
    with scopes_disabled():
        assert Membership.objects.filter(cooperation=world.coop).count() == 4
        assert AuditEntry.objects.count() == journal


def test_a_row_that_says_otherwise_is_reported_and_nothing_is_changed(world, people):
    run(
        world,
        [
            HEADER,
            ["ROM-2018-00500", "Ana", "Costa", "", "A", "chèque", "12", "15/06/2018", "14/06/2019"],
            ["", "Omar", "Haddad", "", "B", "espèces", "", "03/09/2018", ""],
        ],
    )
    report = run(
        world,
        [
            HEADER,
            ["ROM-2018-00500", "Ana", "Costa", "", "B", "chèque", "15", "15/06/2018", "31/12/2018"],
            ["ROM-2018-00500", "Omar", "Haddad", "", "A", "chèque", "12", "15/06/2018", ""],
            ["", "Omar", "Haddad", "", "B", "chèque", "", "03/09/2018", ""],
        ],
    )
    said = "La carte ROM-2018-00500 est déjà dans Coopé"
    assert errors_of(report) == [
        (2, "maison", f"{said} avec « Maison A romans » ; le fichier dit « Maison B romans »."),
        (2, "montant", f"{said} avec « 12,00 € » ; le fichier dit « 15,00 € »."),
        (2, "fin", f"{said} avec « 14/06/2019 » ; le fichier dit « 31/12/2018 »."),
        (3, "carte", f"{said}, pour Ana Costa."),
        (
            4,
            "paiement",
            "La carte ROM-2018-00501 est déjà dans Coopé avec « Espèces » ; le fichier dit "
            "« Chèque ».",
        ),
    ]
    assert not report.written
    with scopes_disabled():
        ana = Membership.objects.get(card_number="ROM-2018-00500")
        assert (ana.house, ana.fee_cents, ana.valid_until) == (
            world.house_a,
            1200,
            D(2019, 6, 14),
        )


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            ["", "Ana", "Costa", "", "A", "cb", "", "15/06/2018", "14/06/2018"],
            "fin",
            "La fin (14/06/2018) est avant le début (15/06/2018).",
        ),
        (
            ["", "Ana", "Costa", "", "A", "cb", "", "15/06/2018", "15/06/2028"],
            "fin",
            "Une adhésion dure au plus trois ans : vérifiez la fin de validité (15/06/2028).",
        ),
        (
            ["", "Ana", "Costa", "", "A", "cb", "", "31/02/2018", ""],
            "debut",
            "« 31/02/2018 » n'est pas une date : écrivez-la JJ/MM/AAAA, ex. 04/05/1980.",
        ),
        (
            ["", "Ana", "Costa", "", "A", "cb", "10000", "15/06/2018", ""],
            "montant",
            "Le montant va de 0 € (gratuit) à 9 999,99 € : vérifiez la virgule.",
        ),
        (
            ["", "Ana", "Costa", "", "A", "cb", "", "", ""],
            "periode",
            "Indiquez la période d'adhésion (ex. 2018) ou la date de début.",
        ),
    ],
)
def test_bad_dates_and_amounts_are_refused_in_french_and_nothing_is_written(
    world, people, row, column, message
):
    report = run(world, [HEADER, ["", "Omar", "Haddad", "", "B", "cb", "", "01/03/2018", ""], row])
    assert errors_of(report) == [(3, column, message)]
    assert not report.written
    with scopes_disabled():
        assert not Membership.objects.filter(cooperation=world.coop).exists()
        assert set(
            MembershipPeriod.objects.filter(cooperation=world.coop).values_list("name", flat=True)
        ) == {"2018"}
