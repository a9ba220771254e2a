"""The report's outputs (PDF, JSON, spreadsheets) show the figures computed from the records."""

import datetime
import io
import re
from fractions import Fraction

import pypdf
import pytest

from coope.lib.indicators import Unit, compute_figures, registry
from coope.lib.periods import Period
from coope.lib.spreadsheets import read_spreadsheet
from coope.people.models import Person
from coope.people.privacy import anonymise_person
from coope.reports import exports
from coope.reports.rendering import build_sections, load_report, number, text_parts
from coope.reports.tests.conftest import add_participants

pytestmark = pytest.mark.django_db


def pdf_text(report) -> str:
    reader = pypdf.PdfReader(io.BytesIO(exports.report_pdf(load_report(report.pk))))
    return "\n".join(page.extract_text() for page in reader.pages)


def figures_of(report) -> dict:
    return {
        f.key + "@" + view.section.title: f.value
        for view in build_sections(load_report(report.pk))
        for f in view.figures
    }


def test_the_pdf_has_each_section_on_its_page_with_its_figures_and_texts(report):
    w = report
    reader = pypdf.PdfReader(io.BytesIO(exports.report_pdf(load_report(w.report.pk))))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) == 3  # the cover, then one page per section
    assert "Rapport d'activités 2018" in pages[0]
    whole, bikes = pages[1], pages[2]
    assert "LA COOPÉRATION" in whole and "PROGRAMME VÉLO" in bikes  # titles, set in capitals
    assert "Juillet 2017 à juin 2018" in bikes  # the section's own period
    # Hand-computed: 2 sessions, 2 named participants, 3 users, 2 members, 3.5 hours in 2018.
    for value, label in (
        ("2", "séances"),
        ("3", "usagers"),
        ("2", "adhérents"),
        (r"3,5\s*h", "heures de bénévolat"),  # 210 minutes, shown in hours
    ):
        assert re.search(f"{value}{label}", whole.replace("\n", "")), label
    assert "un an avant : 1" in whole  # 2017: one session
    assert "3présences aux ateliers" in bikes.replace("\n", "")
    assert "Quatre associations." in whole and "SOLIDARITÉ : on répare ensemble." in bikes


def test_a_changed_record_changes_the_figure_in_the_next_report(report):
    w = report
    assert "2participants" in pdf_text(w.report).replace("\n", "")
    add_participants(w, w.march, 5)
    text = pdf_text(w.report).replace("\n", "")
    assert "7participants" in text
    assert figures_of(w.report)["activities.named_participants@La Coopération"] == 7


def test_anonymising_people_leaves_every_figure_unchanged(report):
    w = report
    periods = [
        Period.year(2017),
        Period.year(2018),
        Period(datetime.date(2017, 7, 1), datetime.date(2018, 6, 30)),
    ]
    scopes = [{}, {"house": w.house_a}, {"house": w.house_b}, {"association": w.assoc_a}]
    before = [compute_figures(w.coop, p, **s) for p in periods for s in scopes]
    before_report, before_json = figures_of(w.report), exports.report_json(load_report(w.report.pk))
    people = list(Person.objects.filter(cooperation=w.coop))
    assert len(people) == 3
    for person in people:
        anonymise_person(actor=w.director, person=person)
    assert not Person.objects.filter(first_name__in=["Ana", "Ben", "Chloé"]).exists()
    assert [compute_figures(w.coop, p, **s) for p in periods for s in scopes] == before
    assert figures_of(w.report) == before_report
    assert exports.report_json(load_report(w.report.pk)) == before_json
    assert set(before[0]) == set(registry())  # every indicator of the registry was compared


def test_the_json_gives_each_figure_its_key_period_and_scope(report):
    w = report
    data = exports.report_json(load_report(w.report.pk))
    assert data["period"] == {"start": "2018-01-01", "end": "2018-12-31", "label": "2018"}
    whole, bikes = data["sections"]
    sessions = whole["figures"][0]
    assert sessions == {
        "key": "activities.sessions",
        "label": "séances",
        "unit": "sessions",
        "display_unit": "séances",
        "value": 2,
        "shown": "2",
        "previous_year": 1,
        "period": {"start": "2018-01-01", "end": "2018-12-31", "label": "2018"},
        "scope": {"kind": "cooperation", "name": w.coop.name},
    }
    participants = whole["figures"][1]
    assert participants["by_house"] == {w.house_a.name: 2, w.house_b.name: 1}
    assert whole["figures"][5]["value"] == [
        {"code": str(w.house_a.pk), "label": w.house_a.name, "value": 1, "shown": "1"},
        {"code": str(w.house_b.pk), "label": w.house_b.name, "value": 1, "shown": "1"},
    ]
    [attendances] = bikes["figures"]
    assert (attendances["value"], attendances["previous_year"]) == (3, 1)
    assert attendances["period"]["start"] == "2017-07-01"


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_the_spreadsheet_has_a_row_per_figure(report, fmt):
    w = report
    sheet = read_spreadsheet(exports.report_sheet(load_report(w.report.pk), fmt), f"chiffres.{fmt}")
    rows = {(r.get("Indicateur"), r.get("Détail")): r for r in sheet.rows}
    assert rows[("activities.sessions", "")].get("Valeur") == "2"
    assert rows[("activities.named_participants", w.house_b.name)].get("Valeur") == "1"
    assert rows[("membership.members_by_house", w.house_a.name)].get("Valeur") == "1"
    assert rows[("activities.attendances", "")].get("Du") == datetime.date(2017, 7, 1)
    assert rows[("volunteering.hours", "")].get("Valeur") == "3.5"


def test_charts_compare_with_the_year_before_and_draw_houses_in_their_colours(report):
    w = report
    whole = build_sections(load_report(w.report.pk))[0]
    assert "2017" in whole.comparison_chart and "<svg" in whole.comparison_chart
    participants = whole.figures[1]
    assert (
        w.house_a.colour in participants.by_house_chart
        and w.house_b.name in participants.by_house_chart
    )
    assert "<svg" in whole.figures[5].breakdown_chart


def test_numbers_and_text_read_as_french_readers_write_them():
    assert number(1350) == "1\u202f350"
    assert number(820) == "820"
    assert number(210, Unit.MINUTES) == "3,5\u00a0h"  # values are exact, shown in hours
    assert number(96_000, Unit.MINUTES) == "1\u202f600\u00a0h"
    assert number(1_900_000, Unit.GRAMS) == "1\u202f900\u00a0kg"
    assert number(984000, Unit.CENTS) == "9\u202f840\u00a0€"
    assert number(1234, Unit.CENTS) == "12,34\u00a0€"
    assert number(Fraction(100, 3), Unit.PERCENT) == "33,3\u00a0%"
    # A spreadsheet cell holds the value as the page shows it (half away from zero).
    assert (number(15, Unit.MINUTES), Unit.MINUTES.rounded(15)) == ("0,3\u00a0h", 0.3)
    assert (number(150, Unit.GRAMS), Unit.GRAMS.rounded(150)) == ("0,2\u00a0kg", 0.2)
    assert Unit.MINUTES.rounded(-15) == -0.3
    assert text_parts("Un\ndeux.\n\n- a\n  suite\n- b\nFin") == [
        ("p", "Un deux."),
        ("ul", ["a suite", "b Fin"]),
    ]
