"""CSV exports: a text cell a spreadsheet would compute gets an apostrophe, and the apostrophe
comes off when the file is imported again."""

import pytest

from coope.lib.spreadsheets import read_spreadsheet, write_spreadsheet

GUARDED = ["=1+1", "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3", "+1-1", "-1*2", "-3/4", "+2^8", "- a"]
KEPT = ["-5", "+33 6 12 34 56 78", "-1,5", "+ 3", "-", "Dupont-Martin", "2-3", "texte"]


def cells(values: list[str]) -> list[str]:
    data = write_spreadsheet(["Valeur"], [[value] for value in values], "csv")
    return data.decode("utf-8-sig").split("\r\n")[1:-1]


@pytest.mark.parametrize("value", GUARDED)
def test_a_cell_a_spreadsheet_would_compute_starts_with_an_apostrophe(value):
    (line,) = cells([value])
    assert line.strip('"').startswith("'" + value[:1]), line


@pytest.mark.parametrize("value", KEPT)
def test_numbers_phone_numbers_and_words_stay_as_they_are(value):
    (line,) = cells([value])
    assert not line.strip('"').startswith("'"), line


def test_the_apostrophe_comes_off_when_the_file_comes_back():
    values = GUARDED + KEPT + ["'déjà entre apostrophes"]
    data = write_spreadsheet(["Valeur", "Ligne"], [[v, i] for i, v in enumerate(values)], "csv")
    assert [row.values["Valeur"] for row in read_spreadsheet(data, "a.csv").rows] == values
