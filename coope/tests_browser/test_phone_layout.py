"""On a phone (390 × 844): the menu is folded behind a « Menu » button, and the pages with wide
tables (a cannery lot's movements, a TIC-TAC statement, the exports, the renewals) scroll or
reflow inside their own frame, never the page body sideways."""

import datetime

import pytest
from django.utils import timezone
from django_scopes import scope

from coope.cannery import services as cannery
from coope.cannery.tests.conftest import Kit
from coope.conftest import PASSWORD
from coope.membership.models import FeeRule, MembershipPeriod
from coope.membership.services import take_membership
from coope.people.services import create_person
from coope.timebank import services as timebank
from coope.timebank.models import Category
from coope.timebank.tests.conftest import make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = "Association intercommunale des jardins partagés de la Monnaie et des Balmes"


@pytest.fixture
def pages(world):
    """A lot with long movements, a TIC-TAC account with a long statement, a membership to
    renew; the URLs of their pages."""
    today = timezone.localdate()
    urls = {}
    with scope(cooperation=world.coop.pk):
        kit = Kit(world)
        producer = kit.producer(name="GAEC des Vergers de la Savasse et du Haut-Dauphiné")
        batch = kit.batch(
            kit.session(day=today), [(kit.collection(producer, day=today), 10_000)], jars={370: 40}
        )
        lot = batch.lots.get()
        buyer = create_person(
            actor=world.coordinator,
            cooperation=world.coop,
            first_name="Marie-Bernadette",
            last_name="Vallon-Chabrillan",
        )
        cannery.move_jars(
            actor=world.coordinator, lot=lot, jars=10, from_location=kit.van, to_location=kit.shop
        )
        cannery.sell_jars_for_euros(
            actor=world.coordinator,
            lot=lot,
            jars=2,
            location=kit.shop,
            price_cents=900,
            buyer=LONG,
        )
        cannery.give_jars(actor=world.coordinator, lot=lot, jars=3, location=kit.van, person=buyer)
        cannery.return_jars(
            actor=world.coordinator, lot=lot, jars=5, location=kit.van, producer=producer
        )
        urls["lot"] = f"/conserverie/lots/{lot.pk}/"

        period = MembershipPeriod.objects.create(
            cooperation=world.coop,
            name="Saison en cours",
            start=today - datetime.timedelta(days=300),
            end=today + datetime.timedelta(days=10),
        )
        FeeRule.objects.create(
            cooperation=world.coop, period=period, kind="individual", amount_cents=800
        )
        ana = make_member(world, "Anne-Charlotte", period=period)
        ben = make_member(world, "Benoît-Emmanuel", period=period)
        account = timebank.open_account(actor=world.director, person=ana)
        timebank.open_account(actor=world.director, person=ben)
        garden = Category.objects.create(cooperation=world.coop, name="Jardinage")
        for n in range(6):
            timebank.transfer_time(
                actor=world.director,
                payer=ana if n % 2 else ben,
                payee=ben if n % 2 else ana,
                minutes=90 + n,
                idempotency_key=f"phone-{n}",
                memo=f"{LONG} · taille des haies et ramassage des feuilles {n}",
                category=garden,
            )
        urls["account"] = f"/tic-tac/comptes/{account.pk}/"
        person = create_person(
            actor=world.alice,
            cooperation=world.coop,
            first_name="Jean-Sébastien",
            last_name="Montchovet-Delaroche",
            phone="06 12 34 56 78",
        )
        take_membership(
            actor=world.alice,
            house=world.house_a,
            period=period,
            person=person,
            payment_method="cash",
            valid_from=period.start,
        )
        urls["renewals"] = "/adhesions/a-renouveler/"
        urls["exports"] = "/donnees/"
    return urls


def log_in(page, url, username):
    page.context.clear_cookies()
    page.goto(f"{url}/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def assert_fits_a_phone(page, what):
    overflow = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], f"{what}: the page scrolls sideways ({overflow})"


def assert_menu_folds(page, what):
    menu = page.get_by_role("button", name="Menu")
    assert menu.is_visible(), f"{what}: no « Menu » button"
    assert menu.get_attribute("aria-expanded") == "false"
    logout = page.get_by_role("button", name="Se déconnecter")
    assert not logout.is_visible(), f"{what}: the menu is not folded"
    header = page.locator("header").bounding_box()
    assert header is not None and header["height"] < 70, f"{what}: the header takes {header}"
    menu.click()
    logout.wait_for(state="visible")
    assert menu.get_attribute("aria-expanded") == "true"
    menu.click()
    logout.wait_for(state="hidden")


def test_pages_with_wide_tables_fit_a_phone_and_the_menu_is_folded(
    live_server, world, pages, phone
):
    page = phone
    for user, names in (
        ("coordination", ("lot", "account")),
        ("direction", ("exports",)),
        ("alice", ("renewals",)),
    ):
        log_in(page, live_server.url, user)
        for name in names:
            page.goto(f"{live_server.url}{pages[name]}")
            assert page.locator("h1").is_visible()
            assert_fits_a_phone(page, name)
            assert_menu_folds(page, name)
            assert_fits_a_phone(page, f"{name}, menu open and closed")


def test_the_lot_movements_and_the_statement_stay_whole_in_their_frame(
    live_server, world, pages, phone
):
    page = phone
    log_in(page, live_server.url, "coordination")
    page.goto(f"{live_server.url}{pages['lot']}")
    # Every movement can be read: the buyer is on the page, inside the viewport's width.
    cell = page.get_by_text(LONG).first
    box = cell.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.goto(f"{live_server.url}{pages['account']}")
    rows = page.locator("table tbody tr")
    assert rows.count() >= 6
    for i in range(rows.count()):
        box = rows.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390


def test_export_buttons_have_room(live_server, world, pages, phone):
    page = phone
    log_in(page, live_server.url, "direction")
    page.goto(f"{live_server.url}{pages['exports']}")
    buttons = page.locator("a.button[download]")
    assert buttons.count() >= 3
    boxes = [buttons.nth(i).bounding_box() for i in range(buttons.count())]
    for box in boxes:
        assert box is not None
        assert box["height"] >= 44 and box["width"] >= 44
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    # No two buttons touch: a thumb presses the one it aims at.
    for a in boxes:
        for b in boxes:
            if a is b:
                continue
            apart = (
                a["x"] + a["width"] <= b["x"] - 4
                or b["x"] + b["width"] <= a["x"] - 4
                or a["y"] + a["height"] <= b["y"] - 4
                or b["y"] + b["height"] <= a["y"] - 4
            )
            assert apart, (a, b)


def test_card_numbers_stay_on_one_line_in_the_renewals(live_server, world, pages, phone):
    page = phone
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}{pages['renewals']}")
    card = page.locator(".card-number").first
    assert card.is_visible()
    assert card.evaluate("el => el.getClientRects().length") == 1
    assert page.get_by_role("link", name="06 12 34 56 78").is_visible()
    assert page.get_by_role(
        "link", name="Renouveler Jean-Sébastien Montchovet-Delaroche"
    ).is_visible()


def test_the_tours_map_keeps_readable_names_on_a_phone(live_server, world, pages, phone):
    world.coop.communes = {"Triors": [45.087, 5.113], "Peyrins": [45.090, 5.047]}
    world.coop.save()
    page = phone
    log_in(page, live_server.url, "coordination")
    page.goto(f"{live_server.url}/conserverie/tournees/")
    assert_fits_a_phone(page, "tours")  # the map scrolls inside its frame, not the page
    name = page.locator("svg g.village text tspan").first
    box = name.bounding_box()
    assert box is not None and box["height"] >= 10, box  # 11 px names, not shrunk to 9
    page.get_by_text("Les villages et les dates de leurs ateliers, en liste").click()
    assert page.get_by_text("Triors").last.is_visible()
