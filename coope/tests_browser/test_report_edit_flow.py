"""A director rewrites a text of the activity report in the browser, then opens the PDF."""

import datetime
import io

import pypdf
import pytest
from django_scopes import scope

from coope.conftest import PASSWORD
from coope.reports import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def report(world):
    with scope(cooperation=world.coop.pk):
        r = services.create_report(
            actor=world.director,
            cooperation=world.coop,
            title="Rapport d'activités 2018",
            period_start=datetime.date(2018, 1, 1),
            period_end=datetime.date(2018, 12, 31),
        )
        section = services.add_section(
            actor=world.director,
            report=r,
            title="La conserverie mobile",
            period_start=datetime.date(2017, 7, 1),
            period_end=datetime.date(2018, 12, 31),
        )
        services.add_figure(
            actor=world.director,
            section=section,
            indicator_key="membership.members",
            label="adhérents",
        )
        services.add_text(
            actor=world.director, section=section, kind="value", body="SOLIDARITÉ : à écrire."
        )
    return r


def test_a_director_rewrites_a_text_and_opens_the_pdf(live_server, world, report, phone):
    page = phone
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("direction")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    page.get_by_role("button", name="Menu").click()  # on a phone the menu is folded
    page.get_by_role("link", name="Rapports").click()
    page.get_by_role("link", name="Rapport d'activités 2018").click()
    page.get_by_role("heading", name="La conserverie mobile").wait_for()
    page.get_by_text("Juillet 2017 à décembre 2018").first.wait_for()

    # In place: the text turns into a form, and back into text once saved.
    page.get_by_role("link", name="Modifier le texte").click()
    page.get_by_label("Texte", exact=True).fill(
        "SOLIDARITÉ : des liens entre urbains et ruraux.\n- producteurs\n- habitants"
    )
    page.get_by_role("button", name="Enregistrer le texte").click()
    page.get_by_text("SOLIDARITÉ : des liens entre urbains et ruraux.").wait_for()
    page.get_by_role("listitem").filter(has_text="producteurs").wait_for()
    assert page.get_by_role("button", name="Enregistrer le texte").count() == 0

    # The report, regenerated, as a PDF.
    link = page.get_by_role("link", name="Le rapport en PDF")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.body())).pages)
    assert "des liens entre urbains et ruraux." in text
    assert "LA CONSERVERIE MOBILE" in text
    page.screenshot(path=str(screenshot_dir() / "report.png"), full_page=True)


def screenshot_dir():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
