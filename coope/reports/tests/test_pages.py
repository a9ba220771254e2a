"""Report pages: who may see and edit them, editing in place, the records behind a figure, and
query counts that do not grow with the records."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coope.reports.models import Report, Section, SectionFigure, TextBlock
from coope.reports.tests.conftest import add_participants

pytestmark = pytest.mark.django_db


def urls(w) -> dict:
    r = w.report
    figure = w.whole.figures.get(indicator_key="activities.named_participants")
    return {
        "list": reverse("reports:list"),
        "detail": reverse("reports:detail", args=[r.pk]),
        "pdf": reverse("reports:pdf", args=[r.pk]),
        "json": reverse("reports:json", args=[r.pk]),
        "xlsx": reverse("reports:sheet", args=[r.pk, "xlsx"]),
        "ods": reverse("reports:sheet", args=[r.pk, "ods"]),
        "records": reverse("reports:records", args=[figure.pk]),
    }


def test_direction_coordination_and_evaluation_read_reports_reception_does_not(report, client_as):
    w = report
    for user in (w.director, w.coordinator, w.evaluator):
        client = client_as(user)
        for name, url in urls(w).items():
            response = client.get(url)
            # The PDF is made in the background: its page shows it coming (test_report_pdf.py).
            assert response.status_code == (302 if name == "pdf" else 200), (user, name)
    for user in (w.alice, w.volunteer):
        assert client_as(user).get(urls(w)["detail"]).status_code == 403


def test_another_cooperation_gets_404_for_our_report(report, client_as):
    w = report
    from coope.conftest import make_user

    outsider = make_user(w.other_coop, "directrice-valence", "director", w.other_assoc)
    client = client_as(outsider)
    for name, url in urls(w).items():
        if name != "list":
            assert client.get(url).status_code == 404, name
    assert w.report.title not in client.get(urls(w)["list"]).content.decode()
    text = w.whole.texts.get()
    assert (
        client.post(reverse("reports:text_edit", args=[text.pk]), {"body": "piraté"}).status_code
        == 404
    )


def test_the_report_page_links_each_figure_to_its_records(report, client_as):
    w = report
    page = client_as(w.coordinator).get(urls(w)["detail"]).content.decode()
    for figure in SectionFigure.objects.all():
        assert reverse("reports:records", args=[figure.pk]) in page
    assert "Quatre associations." in page and "<svg" in page


def test_records_show_names_only_to_roles_that_see_people(report, client_as):
    w = report
    url = urls(w)["records"]
    named = client_as(w.coordinator).get(url).content.decode()
    # Participants are distinct people among the attendances: the records are the attendances.
    assert "Ana Martin" in named and "Ben Martin" in named and "3 enregistrements comptés" in named
    anonymous = client_as(w.evaluator).get(url).content.decode()
    assert "3 enregistrements comptés" in anonymous
    assert "Ana" not in anonymous and "Martin" not in anonymous
    assert f"personne n° {w.ana.pk}" in anonymous
    # No combination of sex, birth year, postcode or neighbourhood that could point at someone.
    assert "Femme" not in anonymous and "né·e" not in anonymous


def test_records_are_scoped_to_the_figures_period_and_paginated(report, client_as):
    w = report
    bikes_attendances = w.bikes.figures.get()
    page = (
        client_as(w.coordinator)
        .get(reverse("reports:records", args=[bikes_attendances.pk]))
        .content.decode()
    )
    assert "3 enregistrements comptés" in page  # July 2017 – June 2018: the 2017 session is outside
    add_participants(w, w.march, 60)
    url = urls(w)["records"]
    first = client_as(w.coordinator).get(url).content.decode()
    assert "63 enregistrements comptés" in first and "Page 1 sur 2" in first
    assert "Page 2 sur 2" in client_as(w.coordinator).get(url + "?page=2").content.decode()


def test_a_text_is_edited_in_place_with_htmx(report, client_as):
    w = report
    client = client_as(w.director)
    block = w.bikes.texts.get()
    url = reverse("reports:text_edit", args=[block.pk])
    form = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<textarea" in form and "SOLIDARITÉ" in form and "<html" not in form
    shown = client.post(
        url, {"title": "Zoom", "body": "DIGNITÉ :\n- une\n- deux"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<li>une</li>" in shown and "Zoom" in shown and "<html" not in shown
    block.refresh_from_db()
    assert (block.title, block.body) == ("Zoom", "DIGNITÉ :\n- une\n- deux")
    # Without JavaScript, the same form saves and goes back to the report.
    response = client.post(url, {"title": "", "body": "Sans htmx."})
    assert response.status_code == 302 and f"#section-{w.bikes.pk}" in response["Location"]
    # The evaluator reads reports and may edit them; reception may not.
    assert client_as(w.alice).post(url, {"body": "non"}).status_code == 403


def test_the_structure_is_edited_from_the_report_page(report, client_as):
    w = report
    client = client_as(w.coordinator)
    client.post(
        reverse("reports:section_add", args=[w.report.pk]),
        {"title": "Conserverie", "period_start": "2017-07-01", "period_end": "2018-12-31"},
    )
    cannery = Section.objects.get(title="Conserverie")
    assert (cannery.period_start, cannery.order) == (datetime.date(2017, 7, 1), 3)
    client.post(
        reverse("reports:figure_add", args=[cannery.pk]),
        {"indicator_key": "activities.communes", "label": "villages", "by_house": "on"},
    )
    assert cannery.figures.get().by_house
    response = client.post(
        reverse("reports:figure_add", args=[cannery.pk]), {"indicator_key": "nope.nope"}
    )
    assert response.status_code == 302 and cannery.figures.count() == 1
    client.post(
        reverse("reports:section_update", args=[cannery.pk]),
        {"title": "La conserverie", "period_start": "", "period_end": ""},
    )
    cannery.refresh_from_db()
    assert (cannery.title, cannery.period_start) == ("La conserverie", None)
    figure = cannery.figures.get()
    client.post(reverse("reports:figure_update", args=[figure.pk]), {"label": "communes visitées"})
    figure.refresh_from_db()
    assert (figure.label, figure.by_house) == ("communes visitées", False)
    # A section may show one house's figures only.
    client.post(
        reverse("reports:section_update", args=[w.bikes.pk]),
        {
            "title": "Programme vélo",
            "period_start": "2017-07-01",
            "period_end": "2018-06-30",
            "house": str(w.house_b.pk),
        },
    )
    w.bikes.refresh_from_db()
    assert (w.bikes.house, w.bikes.association) == (w.house_b, w.assoc_b)
    bikes_json = client.get(urls(w)["json"]).json()["sections"][1]["figures"][0]
    assert bikes_json["scope"] == {"kind": "house", "name": w.house_b.name}
    assert bikes_json["value"] == 1  # Ana at house B in June; the March workshop was at house A
    client.post(reverse("reports:section_move", args=[cannery.pk]), {"direction": "up"})
    assert (
        list(Section.objects.order_by("order").values_list("title", flat=True))[1]
        == "La conserverie"
    )
    response = client.post(reverse("reports:text_add", args=[cannery.pk]), {"kind": "objectives"})
    block = TextBlock.objects.get(section=cannery)
    assert response["Location"] == reverse("reports:text_edit", args=[block.pk])
    edit_page = client.get(response["Location"]).content.decode()
    assert "<textarea" in edit_page and "Enregistrer le texte" in edit_page
    client.post(reverse("reports:section_remove", args=[cannery.pk]))
    assert not Section.objects.filter(pk=cannery.pk).exists()
    client.post(reverse("reports:next", args=[w.report.pk]))
    assert Report.objects.filter(period_start=datetime.date(2019, 1, 1)).exists()
    page = client.get(urls(w)["detail"]).content.decode()
    assert (
        "Ajouter un chiffre clé" in page and "Adhérents (personnes)" in page
    )  # the picker, in French


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        # The PDF's request returns at once, to the page that shows it being made (302).
        assert client.get(url).status_code in (200, 302)
    return len(context.captured_queries)


@pytest.mark.parametrize("page", ["detail", "records", "list", "json", "xlsx", "pdf"])
def test_query_counts_do_not_grow_with_the_records(report, client_as, page):
    w = report
    client = client_as(w.coordinator)
    url = urls(w)[page]
    queries_of(client, url)  # warm caches (sessions, content types)
    small = queries_of(client, url)
    add_participants(w, w.march, 30)
    add_participants(w, w.june, 30, prefix="Q")
    services_report = Report.objects.get(pk=w.report.pk)
    from coope.reports import services

    services.start_next_report(
        actor=w.director, report=services_report, year=2019
    )  # and one more report
    if page == "pdf":  # the records changed: the first request asks for a new PDF; then as before
        queries_of(client, url)
    assert queries_of(client, url) == small
