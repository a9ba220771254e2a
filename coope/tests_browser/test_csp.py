"""The Content-Security-Policy holds in a real browser: the main pages, their pickers and menus,
run with no inline script, no inline handler and no eval; any violation fails the test.

The browser reports each refusal as a `securitypolicyviolation` event (collected by a script
added before the page's own) and on the console; both are read."""

import datetime

import pytest
from django.utils import timezone
from django_scopes import scope

from coope.activities import services as activities
from coope.conftest import PASSWORD
from coope.people.services import create_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__csp.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " "
    + (event.sourceFile || "") + ":" + event.lineNumber);
});
"""


class Watched:
    """A page whose CSP refusals are gathered, from the events and from the console."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        page.add_init_script(WATCH)
        page.on(
            "console",
            lambda message: (
                self.console.append(message.text)
                if "Content Security Policy" in message.text or message.type == "error"
                else None
            ),
        )

    def violations(self) -> list[str]:
        return list(self.page.evaluate("window.__csp || []")) + self.console

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, url
        csp = response.headers.get("content-security-policy", "")
        scripts = csp.split("script-src", 1)[1].split(";", 1)[0]
        assert "'self'" in scripts and "unsafe" not in scripts, csp
        assert not self.violations(), (url, self.violations())


@pytest.fixture
def data(world):
    with scope(cooperation=world.coop.pk):
        create_person(
            actor=world.director,
            cooperation=world.coop,
            first_name="Élodie",
            last_name="Dupont",
            home_house=world.house_a,
        )
        activity = activities.create_activity(
            actor=world.director,
            cooperation=world.coop,
            title="Atelier cuisine",
            house=world.house_a,
        )
        start = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=1)
        [session] = activities.schedule_sessions(
            actor=world.director,
            activity=activity,
            first_start=start,
            duration=datetime.timedelta(hours=2),
        )
    return session


def test_the_main_pages_run_under_the_content_security_policy(live_server, world, data, phone):
    base = live_server.url
    watched = Watched(phone)
    page = phone
    watched.visit(f"{base}/connexion/")
    watched.visit(f"{base}/compte/oubli/")
    page.goto(f"{base}/connexion/")
    page.get_by_label("Identifiant").fill("direction")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/accueil/")

    # The menu folds on a phone and opens with its button (the static script runs).
    menu = page.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"

    # The front desk's search as you type (htmx, no eval).
    page.get_by_label("Chercher une personne").fill("elod")
    page.get_by_role("link", name="DUPONT Élodie").wait_for()

    # The activities: the house filter submits on change (no onchange=).
    watched.visit(f"{base}/activites/")
    page.get_by_label("Maison").select_option(label=world.house_a.name)
    page.wait_for_url(f"{base}/activites/?maison={world.house_a.pk}")

    # The roll call: a walk-in found, ticked, counted by the page's counter.
    watched.visit(f"{base}/activites/seances/{data.pk}/presences/")
    page.get_by_label("Chercher la personne").fill("dupont")
    page.get_by_role("button", name="Présent·e").click()
    page.locator("#present-count").filter(has_text="1").wait_for()

    # Volunteer hours: a volunteer found joins the team (no onclick=).
    watched.visit(f"{base}/activites/benevolat/")
    page.get_by_label("Ajouter un·e bénévole").fill("dupont")
    page.get_by_role("button", name="Ajouter à l'équipe").click()
    page.get_by_role("button", name="Ajouté·e").wait_for()
    assert page.locator('#team input[type="checkbox"]:checked').count() == 1

    # The import page opens the chosen kind's columns.
    watched.visit(f"{base}/donnees/importer/")
    page.locator('input[name="kind"]').nth(1).check()
    assert page.locator("details.kind-help[open]").count() == 1

    for path in (
        "/chiffres/",
        "/configuration/",
        "/configuration/comptes/",
        "/tic-tac/comptes/",
        "/rapports/",
        "/compte/mot-de-passe/",
        "/admin/",
    ):
        watched.visit(f"{base}{path}")
    assert not watched.violations()
