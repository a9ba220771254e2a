"""The new membership page reads the cooperation's periods, rules and fee grids once, whatever
the number of periods it offers, and shows each period with its own fee (or why it has none)."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from coope.membership.models import Membership
from coope.membership.services import FeeRow, create_period, set_fee_grid
from coope.people.services import create_person

pytestmark = pytest.mark.django_db
D = datetime.date
FIRST_DECEMBER = datetime.datetime(2018, 12, 1, 10, tzinfo=datetime.UTC)


def _period(w, name: str, year: int, euros: int | None):
    period = create_period(
        actor=w.director,
        cooperation=w.coop,
        name=name,
        start=D(year, 1, 1),
        end=D(year, 12, 31),
    )
    if euros is not None:
        row = FeeRow(kind="individual", quotient_min=None, quotient_max=None, amount_cents=euros)
        set_fee_grid(actor=w.director, period=period, rows=[row])
    return period


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.status_code == 200
    return page, [q["sql"] for q in queries.captured_queries]


@time_machine.travel(FIRST_DECEMBER)
def test_every_period_offered_with_its_fee_in_the_same_queries(world, client_as):
    w = world
    with scope(cooperation=w.coop.pk):
        ana = create_person(actor=w.alice, cooperation=w.coop, first_name="Ana", last_name="Co")
    client = client_as(w.director)
    url = reverse("membership:take") + f"?personne={ana.pk}"
    client.get(url)  # the rules created with their defaults, the caches of the process warm
    page, before = _get(client, url)
    assert [label for _key, label in page.context["form"].fields["period"].choices] == [
        "2019 · du 01/12/2018 au 31/12/2019 · 10,00 € · proposée",  # 2018's grid, to be copied
        "2018 · du 01/12/2018 au 31/12/2018 · 10,00 €",
    ]

    with scope(cooperation=w.coop.pk):
        p2019 = _period(w, "2019", 2019, 1500)
        _period(w, "2020", 2020, None)
        _period(w, "2021", 2021, 2000)
    page, after = _get(client, url)
    assert [label for _key, label in page.context["form"].fields["period"].choices] == [
        "2019 · du 01/12/2018 au 31/12/2019 · 15,00 € · proposée",
        "2018 · du 01/12/2018 au 31/12/2018 · 10,00 €",
        "2020 · du 01/01/2020 au 31/12/2020",  # no grid: no fee
        "2021 · du 01/01/2021 au 31/12/2021 · 20,00 €",
    ]
    assert page.context["fee"].amount_cents == 1500
    # Three periods more, three grids to read: the same statements, the fees in one of them.
    assert len(after) == len(before)
    assert sum(sql.startswith('SELECT "membership_feerule"') for sql in after) == 1
    assert sum(sql.startswith('SELECT "core_house"') for sql in after) == 1
    # Both houses listed, the first chosen, from the houses read once.
    assert f'<option value="{w.house_a.pk}" selected>' in page.text
    assert f'<option value="{w.house_b.pk}">' in page.text

    response = client.post(
        url,
        {
            "house": w.house_b.pk,
            "period": str(p2019.pk),
            "valid_from": "2018-12-01",
            "payment_method": "cash",
        },
    )
    assert response.status_code == 302
    with scope(cooperation=w.coop.pk):
        membership = Membership.objects.get(person=ana)
    assert (membership.house, membership.period, membership.fee_cents) == (w.house_b, p2019, 1500)
