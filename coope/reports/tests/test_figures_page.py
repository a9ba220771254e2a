"""The key-figures page: for directors, grouped by programme, compared, downloadable."""

import datetime

import time_machine
from django.urls import reverse

from coope.lib.spreadsheets import read_spreadsheet
from coope.people.services import record_visit


def _page_2018(client) -> str:
    return client.get(reverse("figures"), {"du": "2018-01-01", "au": "2018-12-31"}).content.decode()


@time_machine.travel("2026-12-01 10:00 +0000")
def test_it_opens_on_the_last_complete_year_with_records(year, client_as):
    page = client_as(year.coordinator).get(reverse("figures")).content.decode()
    assert 'Chiffres clés <span class="muted">· 2018</span>' in page  # 2019-2025 hold nothing
    assert "comparé à la période 2017" in page


def test_figures_read_as_people_write_them_grouped_by_programme_without_codes(year, client_as):
    page = _page_2018(client_as(year.coordinator))
    # Groups are the programmes' names; no internal code is written on the page.
    assert "<h2>Adhésion commune</h2>" in page or "<h2>Adhésions" in page or "Adhésion" in page
    assert ">membership.members<" not in page and "centimes" not in page
    assert "3,5\u00a0h" in page  # 210 minutes of volunteering
    assert "<svg" in page  # each group is drawn against the earlier period
    for fmt in ("xlsx", "ods", "csv"):
        assert f"format={fmt}" in page


def test_the_figures_download_as_a_spreadsheet(year, client_as):
    client = client_as(year.coordinator)
    for fmt in ("xlsx", "ods", "csv"):
        response = client.get(
            reverse("figures"), {"du": "2018-01-01", "au": "2018-12-31", "format": fmt}
        )
        assert response.status_code == 200
        sheet = read_spreadsheet(response.content, f"chiffres.{fmt}")
        rows = {(r.get("Chiffre"), r.get("Détail")): r for r in sheet.rows}
        hours = rows[("Heures de bénévolat", "")]
        assert str(hours.get("Valeur")) in ("3.5", "3,5") and hours.get("Unité") == "h"
        assert str(rows[("Adhérents", "")].get("Valeur")) in ("2", "2.0")
    assert client.get(reverse("figures"), {"format": "pdf"}).status_code == 404


def test_dates_that_make_no_period_are_said_plainly(year, client_as):
    client = client_as(year.coordinator)
    page = client.get(reverse("figures"), {"du": "2018-12-31", "au": "2018-01-01"}).content.decode()
    assert "avant de commencer" in page
    page = client.get(reverse("figures"), {"du": "31/12/2018", "au": "x"}).content.decode()
    assert "Dates non comprises" in page


def test_an_earlier_period_without_records_reads_no_data_not_zero(year, client_as):
    page = _page_2018(client_as(year.coordinator))
    # 2017 holds one session and Ana's attendance, but no front-desk visit and no volunteering.
    assert "2017 : pas de données à comparer." in page
    assert page.count("pas de données à comparer") < page.count("<h2>")


@time_machine.travel("2026-12-01 10:00 +0000")
def test_a_later_year_with_records_of_one_programme_only_is_not_where_it_opens(year, client_as):
    # A front-desk visit in 2021 is all that was recorded after 2018: the page still opens on
    # 2018, the last complete year where the programmes recorded something.
    record_visit(
        actor=year.bob,
        house=year.house_b,
        date=datetime.date(2021, 4, 4),
        reason="information",
        person=year.chloe,
    )
    page = client_as(year.coordinator).get(reverse("figures")).content.decode()
    assert 'Chiffres clés <span class="muted">· 2018</span>' in page


def test_a_breakdown_whose_parts_count_a_person_twice_says_why(year, client_as):
    page = _page_2018(client_as(year.coordinator))
    # Ana came to the workshops of two houses: the house mix counts her in two parts.
    assert (
        "Une personne peut compter dans plusieurs parts : les parts font 3\u00a0personnes, "
        "pour 2\u00a0personnes au total."
    ) in page


def test_a_figure_without_records_in_the_earlier_period_reads_no_data(year, client_as):
    # 2017 holds one session (so the activities' group has data) but no front-desk visit: the
    # visits figure says « pas de données » for 2017 in the chart, and an empty cell in the file.
    client = client_as(year.coordinator)
    page = _page_2018(client)
    assert "pas de données" in page
    sheet = read_spreadsheet(
        client.get(
            reverse("figures"), {"du": "2018-01-01", "au": "2018-12-31", "format": "csv"}
        ).content,
        "chiffres.csv",
    )
    rows = {(r.get("Chiffre"), r.get("Détail")): r for r in sheet.rows}
    assert rows[("Séances", "")].get("Valeur de comparaison") in (1, "1", 1.0)
    assert rows[("Passages à l'accueil", "")].get("Valeur de comparaison") in (None, "")


def test_dates_far_out_of_sense_are_refused_and_the_page_stays_on_the_default_year(year, client_as):
    client = client_as(year.coordinator)
    page = client.get(reverse("figures"), {"du": "0001-01-01", "au": "9999-12-31"})
    assert page.status_code == 200
    assert "Choisissez des dates entre 1900 et 2100." in page.content.decode()
