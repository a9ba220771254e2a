"""Lists leaving Coopé are audited (who, when, which list, how many rows) and sent no-store."""

import datetime

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from coope.core.models import AuditEntry
from coope.membership.models import MembershipPeriod
from coope.membership.services import take_membership
from coope.people.services import create_person
from coope.reports import services as reports
from coope.timebank.services import open_account


def _no_store(response) -> None:
    assert response.status_code == 200, response.content[:300]
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives, response["Cache-Control"]


def _exports(world) -> list[AuditEntry]:
    with scopes_disabled():
        return list(AuditEntry.objects.filter(action="export").order_by("pk"))


@pytest.fixture
def people(world):
    with scope(cooperation=world.coop.pk):
        persons = [
            create_person(
                actor=world.director,
                cooperation=world.coop,
                first_name=f"Prénom{i}",
                last_name="Martin",
                phone=f"06000000{i:02d}",
                home_house=world.house_a,
            )
            for i in range(3)
        ]
    return persons


def test_the_people_list_is_audited_with_its_rows_and_sent_no_store(world, people, client_as):
    client = client_as(world.director)
    response = client.get("/donnees/export/personnes.csv")
    _no_store(response)
    [entry] = _exports(world)
    assert (entry.actor, entry.model, entry.cooperation_id) == (
        world.director,
        "export.personnes",
        world.coop.pk,
    )
    assert entry.changes["rows"] == 3
    assert entry.changes["format"] == "csv"
    # The director sees the sensitive columns (family quotient, notes): the log says so.
    assert entry.changes["sensitive"] is True


def test_the_renewals_with_phone_numbers_are_audited_and_no_store(world, people, client_as):
    today = timezone.localdate()
    with scope(cooperation=world.coop.pk):
        period = MembershipPeriod.objects.create(
            cooperation=world.coop,
            name="ending",
            start=today - datetime.timedelta(days=300),
            end=today + datetime.timedelta(days=10),
        )
        for person in people[:2]:  # two memberships ending in ten days: to renew
            take_membership(
                actor=world.director,
                period=period,
                house=world.house_a,
                person=person,
                payment_method="cash",
                fee_cents=0,
                valid_from=today,
            )
    client = client_as(world.alice)
    with scope(cooperation=world.coop.pk):
        response = client.get("/adhesions/a-renouveler.xlsx")
    _no_store(response)
    [entry] = _exports(world)
    assert (entry.actor, entry.model) == (world.alice, "membership.renewals")
    assert entry.changes["format"] == "xlsx"
    assert entry.changes["rows"] == 2


def test_key_figures_a_statement_and_a_person_s_data_are_no_store(world, people, client_as):
    client = client_as(world.director)
    _no_store(client.get("/chiffres/?format=ods&du=2018-01-01&au=2018-12-31"))
    _no_store(client.get(f"/rgpd/personnes/{people[0].pk}/export.json"))
    _no_store(client.get(f"/rgpd/personnes/{people[0].pk}/export.pdf"))
    models = [e.model for e in _exports(world)]
    # the figures' download, and the person's data twice (audited on the person by the service)
    assert models == ["figures", "people.person", "people.person"]


def test_a_tic_tac_statement_is_audited(world, people, client_as):
    with scope(cooperation=world.coop.pk):
        account = open_account(
            actor=world.director, person=people[0], registered_with=world.assoc_a
        )
    client = client_as(world.director)
    response = client.get(f"/tic-tac/comptes/{account.pk}/releve/?format=csv")
    _no_store(response)
    [entry] = _exports(world)
    assert entry.model == "timebank.statement"
    assert entry.changes == {"rows": 1, "format": "csv", "account": account.pk, "year": None}


def test_a_report_s_downloads_are_audited(world, client_as):
    with scope(cooperation=world.coop.pk):
        report = reports.create_report(
            actor=world.director,
            cooperation=world.coop,
            title="Rapport 2018",
            period_start=datetime.date(2018, 1, 1),
            period_end=datetime.date(2018, 12, 31),
        )
        section = reports.add_section(actor=world.director, report=report, title="Tout")
        reports.add_figure(
            actor=world.director, section=section, indicator_key="membership.members", label=""
        )
    client = client_as(world.director)
    for url in ("chiffres.xlsx", "chiffres.json"):
        _no_store(client.get(f"/rapports/{report.pk}/{url}"))
    entries = _exports(world)
    assert [(e.model, e.changes["format"], e.changes["rows"]) for e in entries] == [
        ("reports.report", "xlsx", 1),
        ("reports.report", "json", 1),
    ]
