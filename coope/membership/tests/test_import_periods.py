"""Importing periods and their fee grids (kind « periods »): one row per tier, the period created
at its first row; the same file twice writes nothing; a row that says otherwise is reported;
bad values are refused in French and nothing is written."""

import datetime

import pytest
from django_scopes import scope, scopes_disabled

from coope.core.models import AuditEntry
from coope.imports import find_kind, kinds, run_import
from coope.lib.spreadsheets import read_spreadsheet
from coope.membership.importing import PeriodImporter
from coope.membership.models import FeeRule, MembershipPeriod
from coope.people.tests.spreadsheet_files import csv_bytes, ods_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db
D = datetime.date
HEADER = ["periode", "debut", "fin", "type", "qf_min", "qf_max", "montant", "libelle"]
ROWS = [
    ["2019", "01/01/2019", "31/12/2019", "individuelle", "", "300", "0", "Individuelle gratuite"],
    ["2019", "01/01/2019", "31/12/2019", "individuelle", "301", "", "10", ""],
    ["2019", "01/01/2019", "31/12/2019", "familiale", "", "", "20,50", ""],
    ["2020-2021", "01/09/2020", "31/08/2021", "", "", "", "", ""],
]


def run(world, content, filename, actor=None, **options):
    sheet = read_spreadsheet(content, filename)
    with scope(cooperation=world.coop.pk):
        return run_import(
            "periodes", sheet, actor=actor or world.director, cooperation=world.coop, **options
        )


def errors_of(report):
    return [(e.row, e.column, e.message) for e in report.errors]


def periods(world):
    with scopes_disabled():
        return {
            p.name: (p.start, p.end)
            for p in MembershipPeriod.objects.filter(cooperation=world.coop)
        }


def test_the_kind_is_declared_with_its_french_names_and_no_dependency():
    assert kinds()["periods"] is PeriodImporter
    assert find_kind("baremes") is PeriodImporter and find_kind("periodes") is PeriodImporter
    assert PeriodImporter.depends_on == ()
    assert "periods" in find_kind("memberships").depends_on
    assert all(column.help and column.example for column in PeriodImporter.columns)


@pytest.mark.parametrize(
    ("build", "filename"),
    [(csv_bytes, "baremes.csv"), (xlsx_bytes, "b.xlsx"), (ods_bytes, "b.ods")],
)
def test_periods_and_fee_grids_are_imported_then_found_already_present(world, build, filename):
    content = build([HEADER, *ROWS])
    report = run(world, content, filename)
    assert errors_of(report) == []
    assert report.counts == {"périodes créées": 2, "tarifs enregistrés": 3}
    assert periods(world) == {
        "2018": (D(2018, 1, 1), D(2018, 12, 31)),
        "2019": (D(2019, 1, 1), D(2019, 12, 31)),
        "2020-2021": (D(2020, 9, 1), D(2021, 8, 31)),
    }
    with scopes_disabled():
        p2019 = MembershipPeriod.objects.get(cooperation=world.coop, name="2019")
        assert sorted(
            FeeRule.objects.filter(period=p2019).values_list(
                "kind", "quotient_min", "quotient_max", "amount_cents", "label"
            ),
            key=str,
        ) == [
            ("household", None, None, 2050, ""),
            ("individual", 301, None, 1000, ""),
            ("individual", None, 300, 0, "Individuelle gratuite"),
        ]
        assert (
            AuditEntry.objects.filter(action="import", model="membership.membershipperiod").count()
            == 2
        )
        assert AuditEntry.objects.filter(action="import", model="membership.feerule").count() == 3

    again = run(world, content, filename)
    assert errors_of(again) == [] and again.written
    assert (again.new_row_count, again.present_rows) == (0, 4)
    with scopes_disabled():
        assert FeeRule.objects.filter(period__cooperation=world.coop).count() == 6 + 3
        assert MembershipPeriod.objects.filter(cooperation=world.coop).count() == 3


def test_rows_that_say_otherwise_than_coope_are_reported_and_nothing_is_changed(world):
    run(world, csv_bytes([HEADER, *ROWS]), "b.csv")
    changed = run(
        world,
        csv_bytes(
            [
                HEADER,
                ["2019", "01/01/2019", "31/12/2019", "individuelle", "301", "", "12", ""],
                ["2019", "01/02/2019", "31/12/2019", "familiale", "", "", "20,50", ""],
                ["2019", "01/01/2019", "31/12/2019", "familiale", "", "", "20,50", "Autre"],
                ["2019", "01/01/2019", "31/12/2019", "individuelle", "200", "400", "3", ""],
                ["2018 bis", "01/06/2018", "31/12/2018", "", "", "", "", ""],
            ]
        ),
        "b.csv",
    )
    assert errors_of(changed) == [
        (
            2,
            "montant",
            "Ce tarif est déjà dans Coopé à 10,00 € ; le fichier dit 12,00 €. Corrigez le "
            "fichier, ou la grille dans Configuration.",
        ),
        (
            3,
            "debut",
            "La période « 2019 » existe déjà dans Coopé du 01/01/2019 au 31/12/2019 ; le fichier "
            "dit du 01/02/2019 au 31/12/2019. Corrigez le fichier, ou la période dans "
            "Configuration.",
        ),
        (
            4,
            "libelle",
            "Ce tarif est déjà dans Coopé avec le libellé vide ; le fichier dit « Autre ».",
        ),
        (
            5,
            "qf_min",
            "Deux tarifs « Individuelle » se chevauchent : QF jusqu'à 300 € et QF de 200 à "
            "400 €. Un quotient ne doit avoir qu'un tarif.",
        ),
        (
            6,
            "debut",
            "Ces dates chevauchent la période 2018 (du 01/01/2018 au 31/12/2018) : une journée "
            "n'appartient qu'à une période.",
        ),
    ]
    assert not changed.written
    with scopes_disabled():
        assert (
            FeeRule.objects.get(
                period__name="2019", period__cooperation=world.coop, quotient_min=301
            ).amount_cents
            == 1000
        )
        assert "2018 bis" not in periods(world)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            ["2020", "01/01/2020", "31/12/2019", "familiale", "", "", "5", ""],
            "fin",
            "La fin (31/12/2019) est avant le début (01/01/2020).",
        ),
        (
            ["2020", "01/01/2020", "31/12/2020", "familiale", "", "", "10000", ""],
            "montant",
            "Le montant va de 0 € (gratuit) à 9 999,99 € : vérifiez la virgule.",
        ),
        (
            ["2020", "01/01/2020", "31/12/2020", "familiale", "", "", "-3", ""],
            "montant",
            "« -3 » n'est pas un montant en euros, ex. 12 ou 12,50.",
        ),
        (
            ["2020", "01/01/2020", "31/12/2020", "collective", "", "", "5", ""],
            "type",
            "« collective » n'est pas reconnu : écrivez « individuelle » ou « familiale ».",
        ),
        (
            ["2020", "01/01/2020", "31/12/2020", "familiale", "800", "300", "5", ""],
            "qf_max",
            "Le QF maximum (300 €) est plus petit que le minimum (800 €).",
        ),
        (
            ["2020", "2020-13-01", "31/12/2020", "familiale", "", "", "5", ""],
            "debut",
            "« 2020-13-01 » n'est pas une date : écrivez-la JJ/MM/AAAA, ex. 04/05/1980.",
        ),
        (
            ["", "01/01/2020", "31/12/2020", "familiale", "", "", "5", ""],
            "periode",
            "Le nom de la période manque (ex. 2019).",
        ),
        (
            ["2020", "01/01/2020", "31/12/2020", "familiale", "", "", "", ""],
            "montant",
            "Le montant manque (0 pour gratuit).",
        ),
        (
            ["2020", "01/01/2020", "31/12/2024", "", "", "", "", ""],
            "fin",
            "Une période dure au plus deux ans : vérifiez la fin.",
        ),
    ],
)
def test_bad_values_are_refused_in_french_and_nothing_is_written(world, row, column, message):
    report = run(world, csv_bytes([HEADER, ROWS[0], row]), "b.csv")
    assert errors_of(report) == [(3, column, message)]
    assert not report.written
    assert "2020" not in periods(world) and "2019" not in periods(world)


def test_only_a_director_imports_periods(world):
    report = run(world, csv_bytes([HEADER, *ROWS]), "b.csv", actor=world.alice)
    assert report.file_error
    assert [e.message for e in report.errors] == [
        "Seule une direction importe les périodes et les tarifs d'adhésion."
    ]
    assert set(periods(world)) == {"2018"}


def test_another_cooperations_periods_are_not_ours(world):
    # Valence has its own 2018 period: Romans' file of a 2018 period with other dates is ours only.
    with scope(cooperation=world.coop.pk):
        MembershipPeriod.objects.filter(cooperation=world.coop).delete()
    report = run(
        world,
        csv_bytes([HEADER, ["2018", "01/09/2018", "31/08/2019", "familiale", "", "", "15", ""]]),
        "b.csv",
    )
    assert errors_of(report) == []
    with scopes_disabled():
        assert MembershipPeriod.objects.get(cooperation=world.other_coop).start == D(2018, 1, 1)
