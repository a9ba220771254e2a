"""The admin's membership periods pass the checks of the period screens
(services.check_period_dates and check_period_name): no period over another's days, no name
twice, dates in order. A refusal is a form error in French and writes nothing."""

import html

import pytest
from django_scopes import scopes_disabled

from coope.core.models import AuditEntry, User
from coope.membership.models import MembershipPeriod

pytestmark = pytest.mark.django_db

ADD = "/admin/membership/membershipperiod/add/"
NO_FEES = {
    "fee_rules-TOTAL_FORMS": "0",
    "fee_rules-INITIAL_FORMS": "0",
    "fee_rules-MIN_NUM_FORMS": "0",
    "fee_rules-MAX_NUM_FORMS": "1000",
}


def counts() -> tuple[int, int]:
    with scopes_disabled():
        return MembershipPeriod.objects.count(), AuditEntry.objects.count()


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("name", "start", "end", "said"),
    [
        ("2018 bis", "2018-01-01", "2018-12-31", "Ces dates chevauchent la période 2018"),
        ("2017bis", "2017-06-01", "2018-06-30", "Ces dates chevauchent la période 2018"),
        ("2018-2019", "2018-12-31", "2019-06-30", "Ces dates chevauchent la période 2018"),
        (" 2018 ", "2019-01-01", "2019-12-31", "Une période s'appelle déjà « 2018 »"),
        ("2019", "2019-12-31", "2019-01-01", "La fin (01/01/2019) est avant le début (31/12/2019)"),
        ("2019", "2019-01-01", "2021-06-30", "Une période dure au plus deux ans"),
    ],
)
def test_the_admin_refuses_a_period_the_screens_refuse(
    world, director, client_as, name, start, end, said
):
    client = client_as(director)
    before = counts()
    response = client.post(ADD, {"name": name, "start": start, "end": end, **NO_FEES})
    assert response.status_code == 200
    page = text(response)
    assert 'class="errornote"' in page
    assert said in page
    assert counts() == before


def test_the_admin_adds_the_next_period_and_changes_one_within_its_own_days(
    world, director, client_as
):
    client = client_as(director)
    response = client.post(
        ADD, {"name": "2019", "start": "2019-01-01", "end": "2019-12-31", **NO_FEES}
    )
    assert response.status_code == 302
    with scopes_disabled():
        added = MembershipPeriod.objects.get(cooperation=world.coop, name="2019")
    # Its own days and its own name are not another period's.
    response = client.post(
        f"/admin/membership/membershipperiod/{added.pk}/change/",
        {"name": "2019", "start": "2019-01-01", "end": "2019-11-30", **NO_FEES},
    )
    assert response.status_code == 302
    with scopes_disabled():
        added.refresh_from_db()
    assert str(added.end) == "2019-11-30"
    # The other cooperation's 2018 is not in the way of anyone here, nor ours of theirs.
    with scopes_disabled():
        assert world.other_period.start == world.period.start


def test_a_platform_administrator_is_checked_in_the_cooperation_chosen(world, client_as):
    platform = User.objects.create_superuser("plateforme", "ops@example.org", "ops-pass-4521")
    client = client_as(platform)
    before = counts()
    data = {"name": "2018 bis", "start": "2018-03-01", "end": "2018-04-30", **NO_FEES}
    response = client.post(ADD, {**data, "cooperation": world.coop.pk})
    assert response.status_code == 200
    assert "Ces dates chevauchent la période 2018" in text(response)
    assert counts() == before
