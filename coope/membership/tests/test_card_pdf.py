"""The printable membership card: one credit-card-sized page, its number, and its QR code."""

import datetime
import io

import pytest
import segno
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.loader import render_to_string
from django.test import RequestFactory
from django_scopes import scope
from pypdf import PdfReader

from coope.core.models import StaffRole
from coope.core.permissions import Role
from coope.membership.services import take_membership
from coope.membership.views_card import card_pdf, qr_data_uri
from coope.people.services import create_household, create_person

pytestmark = pytest.mark.django_db

MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture
def cards(world):
    w = world
    with scope(cooperation=w.coop.pk):
        amina = create_person(
            actor=w.alice,
            cooperation=w.coop,
            first_name="Amina",
            last_name="Diallo",
            notes="Note confidentielle",
        )
        single = take_membership(
            actor=w.alice,
            house=w.house_a,
            period=w.period,
            person=amina,
            payment_method="cash",
            valid_from=datetime.date(2018, 1, 2),
        )
        parent = create_person(
            actor=w.bob, cooperation=w.coop, first_name="Karim", last_name="Benali"
        )
        child = create_person(
            actor=w.bob, cooperation=w.coop, first_name="Inès", last_name="Benali"
        )
        family = create_household(
            actor=w.bob,
            cooperation=w.coop,
            name="Famille Benali",
            members=[(parent, "referent"), (child, "child")],
        )
        household = take_membership(
            actor=w.bob,
            house=w.house_b,
            period=w.period,
            household=family,
            payment_method="cash",
            valid_from=datetime.date(2018, 3, 1),
        )
    return single, household


def get_card(user, membership):
    """Call the view as a web request would: with the scope the middleware opens for `user`."""
    request = RequestFactory().get(f"/adhesions/{membership.pk}/carte.pdf")
    request.user = user
    request.cooperation = user.cooperation
    with scope(cooperation=user.cooperation_id):
        return card_pdf(request, membership.pk)


def read(response) -> PdfReader:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def test_the_card_is_one_credit_card_sized_page_with_its_number_holder_and_validity(world, cards):
    single, _ = cards
    reader = read(get_card(world.alice, single))
    [page] = reader.pages
    assert float(page.mediabox.width) == pytest.approx(85.6 * MM, abs=0.5)
    assert float(page.mediabox.height) == pytest.approx(54 * MM, abs=0.5)
    text = page.extract_text()
    for expected in [
        single.card_number,
        "Amina",
        "DIALLO",
        "Coopération romans",
        "Maison A romans",
        "31/12/2018",
        "individuelle",
    ]:
        assert expected in text, expected
    assert "confidentielle" not in text


def test_a_household_card_names_the_household_and_its_members(world, cards):
    _, household = cards
    text = read(get_card(world.volunteer, household)).pages[0].extract_text()
    for expected in [
        household.card_number,
        "Famille Benali",
        "Karim",
        "Inès",
        "Maison B romans",
        "familiale",
    ]:
        assert expected in text, expected


def qr_modules(image) -> list[list[bool]]:
    """The dark/light modules of a QR image drawn one pixel per module."""
    grey = image.convert("L")
    return [[grey.getpixel((x, y)) < 128 for x in range(grey.width)] for y in range(grey.height)]


def test_the_card_carries_the_qr_code_of_its_number(world, cards):
    single, _ = cards
    [page] = read(get_card(world.alice, single)).pages
    [image] = page.images
    expected = segno.make(single.card_number, error="m", micro=False)
    width, height = expected.symbol_size(scale=1, border=4)
    assert (image.image.width, image.image.height) == (width, height)
    border = [[False] * width] * 4
    matrix = (
        border
        + [[False] * 4 + [bool(m) for m in row] + [False] * 4 for row in expected.matrix]
        + border
    )
    assert qr_modules(image.image) == matrix
    # And it is not the code of another card.
    assert qr_data_uri(single.card_number) != qr_data_uri("ROM-2018-00002")


def test_the_card_shows_the_house_in_its_colour(world, cards):
    single, _ = cards
    with scope(cooperation=world.coop.pk):
        html = render_to_string(
            "membership/card_pdf.html", {"membership": single, "members": [], "qr": ""}
        )
    assert world.house_a.colour == "#E4572E" and html.count("#E4572E") >= 2
    assert "size: 85.6mm 54mm" in html


def test_roles_without_membership_view_are_refused(world, cards):
    single, _ = cards
    with pytest.raises(PermissionDenied):
        get_card(world.evaluator, single)


def test_a_card_of_another_cooperation_is_not_found(world, cards):
    single, _ = cards
    for role in Role:
        StaffRole.objects.get_or_create(
            cooperation=world.other_coop,
            user=world.charlie,
            association=world.other_assoc,
            role=role,
        )
    with pytest.raises(Http404):
        get_card(world.charlie, single)
