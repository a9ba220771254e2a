"""Importing the weighing spreadsheet: collections, bad rows reported, nothing half-written."""

import pytest

from coope.cannery.models import Collection, Producer, Tour
from coope.imports import run_import
from coope.lib.spreadsheets import read_spreadsheet

pytestmark = pytest.mark.django_db

GOOD = [
    {
        "Date": "12/07/2018",
        "Producteur": "Ferme des Chirouzes",
        "Produit": "abricots",
        "Variété": "Bergeron",
        "Poids (kg)": "12,5",
        "Don / achat": "don",
        "Qualité": "déclassé",
        "Tournée": "Été 2018",
    },
    {
        "Date": "2018-07-12",
        "Producteur": "Le Verger Neuf",
        "Commune": "Margès",
        "Produit": "pêches",
        "Poids (kg)": "800 g",
        "Don / achat": "achat",
        "Prix": "1,50",
        "Bio": "oui",
    },
]


@pytest.fixture
def farm(kit):
    kit.producer()
    Tour.objects.create(
        cooperation=kit.w.coop, name="Été 2018", starts_on="2018-06-01", ends_on="2018-09-30"
    )
    return kit


def test_the_weighing_sheet_imports_collections_and_creates_new_producers(farm):
    report = run_import("collectes", GOOD, actor=farm.w.coordinator, cooperation=farm.w.coop)
    assert report.errors == [] and report.written
    assert report.counts == {"collectes enregistrées": 2, "producteurs créés": 1}
    apricots, peaches = Collection.objects.order_by("weight_grams").reverse()
    assert (apricots.weight_grams, apricots.quality, apricots.tour.name, apricots.variety) == (
        12_500,
        "downgraded",
        "Été 2018",
        "Bergeron",
    )
    assert (peaches.weight_grams, peaches.price_cents, peaches.acquisition) == (800, 150, "bought")
    assert Producer.objects.get(name="Le Verger Neuf").organic


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(farm):
    rows = GOOD + [
        {
            "Date": "31/02/2018",
            "Producteur": "Ferme des Chiruzes",
            "Produit": "",
            "Poids (kg)": "beaucoup",
            "Don / achat": "don",
            "Prix": "3",
        },
    ]
    report = run_import("collectes", rows, actor=farm.w.coordinator, cooperation=farm.w.coop)
    assert not report.written
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(4, "Date"), (4, "Producteur"), (4, "Produit"), (4, "Poids (kg)"), (4, "Prix")}
    message = next(e.message for e in report.errors if e.column == "Producteur")
    assert "« Ferme des Chiruzes » inconnu" in message and "commune" in message
    assert (
        not Collection.objects.exists()
        and not Producer.objects.filter(name="Le Verger Neuf").exists()
    )
    partial = run_import(
        "collectes", rows, actor=farm.w.coordinator, cooperation=farm.w.coop, only_good_rows=True
    )
    assert partial.written and Collection.objects.count() == 2


def test_a_role_without_the_cannery_cannot_import_collections(farm):
    report = run_import("collections", GOOD[:1], actor=farm.w.alice, cooperation=farm.w.coop)
    assert report.errors and "conserverie" in report.errors[0].message
    assert not Collection.objects.exists()


def test_the_command_reads_a_csv_file(farm, tmp_path):
    path = tmp_path / "pesees.csv"
    path.write_text(
        "date;producteur;produit;poids_kg\n12/07/2018;Ferme des Chirouzes;tomates;20\n",
        encoding="utf-8",
    )
    with open(path, "rb") as handle:
        sheet = read_spreadsheet(handle, path.name)
    report = run_import("collections", sheet, actor=None, cooperation=farm.w.coop)
    assert report.written and Collection.objects.get().weight_grams == 20_000
