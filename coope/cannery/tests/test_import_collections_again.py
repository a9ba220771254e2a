"""Importing the weighing sheet twice: nothing doubles (the collected weight stays), a row that
says another weight is reported, the same weighing twice in one file is reported."""

import pytest

from coope.cannery.models import Collection, Tour
from coope.imports import run_import
from coope.lib.indicators import compute_figures
from coope.lib.periods import Period
from coope.lib.spreadsheets import read_spreadsheet
from coope.people.tests.spreadsheet_files import xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["date", "producteur", "commune", "produit", "variete", "poids_kg", "don_achat", "prix"]
ROWS = [
    ["12/07/2018", "Ferme des Chirouzes", "", "abricots", "Bergeron", "12,5", "don", ""],
    ["12/07/2018", "Ferme des Chirouzes", "", "abricots", "Orangé", "4", "don", ""],
    ["13/07/2018", "Le Verger Neuf", "Margès", "pêches", "", "800 g", "achat", "1,50"],
]


@pytest.fixture
def farm(kit):
    kit.producer()
    Tour.objects.create(
        cooperation=kit.w.coop, name="Été 2018", starts_on="2018-06-01", ends_on="2018-09-30"
    )
    return kit


def weighing(farm, rows, **options):
    sheet = read_spreadsheet(xlsx_bytes([HEADER, *rows]), "pesees.xlsx")
    return run_import(
        "collections", sheet, actor=farm.w.coordinator, cooperation=farm.w.coop, **options
    )


def collected_grams(farm):
    figures = compute_figures(farm.w.coop, Period.year(2018), keys=["cannery.collected_weight"])
    return figures["cannery.collected_weight"]


def test_the_same_sheet_twice_records_nothing_more(farm):
    first = weighing(farm, ROWS)
    assert first.written and first.errors == []
    assert first.new_and_present == "3 nouvelles lignes, 0 déjà présente"
    assert collected_grams(farm) == 12_500 + 4_000 + 800

    again = weighing(farm, ROWS)
    assert again.written and again.errors == []
    assert again.new_and_present == "0 nouvelle ligne, 3 déjà présentes"
    assert again.counts == {"collectes enregistrées": 0, "producteurs créés": 0}
    assert Collection.objects.count() == 3
    assert collected_grams(farm) == 12_500 + 4_000 + 800  # not doubled


def test_another_weight_price_or_commune_is_reported_and_nothing_is_written(farm):
    weighing(farm, ROWS)
    changed = [
        ["12/07/2018", "Ferme des Chirouzes", "", "Abricots", "bergeron", "13", "don", ""],
        ["13/07/2018", "Le Verger Neuf", "", "pêches", "", "0,8", "achat", "2"],
        ["12/07/2018", "Ferme des Chirouzes", "Romans", "tomates", "", "3", "", ""],
        # Another variety of the same day is another collection.
        ["12/07/2018", "Ferme des Chirouzes", "", "abricots", "Polonais", "2", "", ""],
    ]
    report = weighing(farm, changed)
    assert not report.written
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "poids_kg"),
        (3, "prix"),
        (4, "commune"),
    ]
    assert report.errors[0].message == (
        "La collecte de abricots du 12/07/2018 (Ferme des Chirouzes) est déjà dans Coopé, avec "
        "« 12,5 kg » dans cette colonne et non « 13 kg » : rien n'est changé. Corrigez le "
        "fichier, ou la fiche dans Coopé."
    )
    assert "« 1,50 € »" in report.errors[1].message and "« 2,00 € »" in report.errors[1].message
    assert "« Triors »" in report.errors[2].message
    assert Collection.objects.count() == 3

    partial = weighing(farm, changed, only_good_rows=True)
    assert partial.written and partial.new_and_present == "1 nouvelle ligne, 0 déjà présente"
    assert Collection.objects.filter(variety="Polonais").exists()
    assert Collection.objects.get(variety="Bergeron").weight_grams == 12_500  # not overwritten


def test_the_same_weighing_twice_in_one_file_is_reported_not_dropped(farm):
    report = weighing(farm, [ROWS[0], ROWS[0]])
    assert not report.written
    [error] = report.errors
    assert (error.row, error.column) == (3, "poids_kg")
    assert "Même collecte que la ligne 2 de ce fichier" in error.message
    assert "s'additionnent sur une ligne" in error.message
    assert not Collection.objects.exists()
