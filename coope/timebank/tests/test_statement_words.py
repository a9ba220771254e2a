"""The statement's amount column says hours (« -1 h 30 »): its heading is not « Minutes »."""

import re

import pytest

from coope.conftest import PASSWORD
from coope.core.models import User
from coope.timebank import services

pytestmark = pytest.mark.django_db


def test_the_amount_column_is_not_headed_minutes(tb, world, client_as):
    member = User.objects.create_user(
        username="ana", password=PASSWORD, cooperation=world.coop, person=tb.ana_person
    )
    services.transfer_time(
        actor=None, payer=tb.ana, payee=tb.ben, minutes=90, idempotency_key="w1", memo="Guitare"
    )
    html = client_as(member).get("/tic-tac/").content.decode()
    headings = re.findall(r"<th[^>]*>([^<]*)</th>", html)
    assert "Montant" in headings and "Minutes" not in headings, headings
    assert "-1 h 30" in html
