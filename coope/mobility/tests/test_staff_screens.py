"""The staff's screens that write (issue 15, remainder): a unit added to the fleet, its papers
and maintenance rules; the group purchase's plans, payments and supplier's invoice; rides asked
and made; a learner's progress at the cycling school. Each through the Django client: good input
writes what the service writes, bad input answers with a French message and writes nothing."""

import datetime
import re

import pytest
from django.urls import reverse

from coope.activities import services as activities
from coope.activities.models import Session
from coope.core.models import AuditEntry
from coope.mobility import services
from coope.mobility.models import (
    GroupPurchase,
    Instalment,
    MaintenanceRule,
    PlanPayment,
    Progress,
    PurchasePlan,
    Ride,
    Unit,
    UnitDocument,
)
from coope.timebank.models import Account
from coope.volunteering.models import VolunteerHours

from .conftest import at

pytestmark = pytest.mark.django_db

WRITTEN = (
    Unit,
    UnitDocument,
    MaintenanceRule,
    GroupPurchase,
    PurchasePlan,
    Instalment,
    PlanPayment,
    Ride,
    VolunteerHours,
    Progress,
    AuditEntry,
)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WRITTEN}


def refused(client, url, cases) -> None:
    """Each bad input answers the form again (200) with its French message; nothing written."""
    before = counts()
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 200, data
        shown = re.findall(r"errorlist[^>]*>(.*?)</ul>", response.text, re.S)
        assert message in response.text, (data, message, shown)
    assert counts() == before


def test_a_fleet_manager_adds_a_unit(fleet, client_as):
    url = reverse("mobility:add_unit")
    assert client_as(fleet.w.alice).get(url).status_code == 403  # reception does not manage
    director = client_as(fleet.w.director)
    assert f'href="{url}"' in director.get(reverse("mobility:index")).text
    good = {
        "kind": "ebike",
        "name": "VAE 7",
        "house": fleet.w.house_b.pk,
        "in_service_on": "2018-02-15",
        "odometer_km": "12",
        "battery_cycles": "3",
    }
    refused(
        director,
        url,
        [
            ({**good, "name": "vae 1"}, "Un véhicule porte déjà ce nom"),
            ({**good, "odometer_km": "-5"}, "Le nombre doit être entre 0 et 100\u202f000"),
            ({**good, "in_service_on": "31/02/2018"}, "Saisissez une date valide"),
            ({**good, "kind": "tank"}, "Sélectionnez un choix valide"),
            ({**good, "house": "99999999999999999999"}, "Sélectionnez un choix valide"),
        ],
    )
    response = director.post(url, good, follow=True)
    assert "« VAE 7 » fait partie de la flotte" in response.text
    unit = Unit.objects.get(name="VAE 7")
    assert (
        unit.kind,
        unit.house,
        unit.in_service_on,
        unit.odometer_km,
        unit.battery_cycles,
        unit.state,
    ) == ("ebike", fleet.w.house_b, datetime.date(2018, 2, 15), 12, 3, "available")
    assert AuditEntry.objects.filter(action="create", object_id=str(unit.pk)).exists()


def test_a_units_papers_and_maintenance_rules_on_its_page(fleet, client_as):
    url = reverse("mobility:unit", args=[fleet.bike.pk])
    assert "Enregistrer un document" not in client_as(fleet.w.alice).get(url).text
    assert client_as(fleet.w.alice).post(url, {"add_rule": "1", "every_km": "10"}).status_code == (
        403
    )
    director = client_as(fleet.w.director)
    refused(
        director,
        url,
        [
            (
                {"add_rule": "1", "label": "Révision"},
                "Dites quand l&#x27;entretien revient",
            ),
            ({"add_rule": "1", "every_months": "0"}, "Le nombre doit être entre 1 et 120"),
            (
                {"add_document": "1", "kind": "insurance", "date": "2018-13-01"},
                "Saisissez une date valide",
            ),
            ({"add_document": "1", "kind": "passport", "date": "2018-01-15"}, "choix valide"),
        ],
    )
    response = director.post(
        url, {"add_rule": "1", "label": "Révision", "every_km": "500"}, follow=True
    )
    assert "Règle d&#x27;entretien enregistrée" in response.text
    assert "tous les 500 km" in response.text
    response = director.post(
        url,
        {"add_document": "1", "kind": "insurance", "date": "2018-01-15", "reference": "MAIF 42"},
        follow=True,
    )
    assert "Document enregistré" in response.text and "MAIF 42" in response.text
    rule = MaintenanceRule.objects.get()
    assert (rule.unit, rule.label, rule.every_km, rule.every_months, rule.after_each_loan) == (
        fleet.bike,
        "Révision",
        500,
        None,
        False,
    )
    document = UnitDocument.objects.get()
    assert (document.unit, document.kind, document.date, document.note) == (
        fleet.bike,
        "insurance",
        datetime.date(2018, 1, 15),
        "MAIF 42",
    )
    # the maintenance form of the same page still records against the new rule
    response = director.post(
        url, {"rule": rule.pk, "odometer_km": "130", "cost_euros": "0"}, follow=True
    )
    assert "Entretien enregistré" in response.text
    assert fleet.bike.maintenance.get().rule == rule


def test_the_group_purchase_plan_payment_and_invoice(fleet, client_as):
    assert client_as(fleet.w.alice).get(reverse("mobility:add_plan")).status_code == 403
    director = client_as(fleet.w.director)
    response = director.post(
        reverse("mobility:add_purchase"),
        {"name": "VAE 2018", "supplier": "Cycles Drôme", "ordered_on": "2018-02-01"},
        follow=True,
    )
    assert "Achat groupé « VAE 2018 » créé" in response.text
    purchase = GroupPurchase.objects.get()
    url = reverse("mobility:add_plan")
    assert f'href="{url}"' in response.text
    good = {
        "purchase": purchase.pk,
        "buyer": fleet.ben.pk,
        "signed_on": "2018-02-10",
        "price_euros": "1399,99",
        "deposit_euros": "0",
        "instalments": "12",
        "first_due_on": "2018-03-31",
        "remainder_on": "last",
    }
    refused(
        director,
        url,
        [
            ({**good, "deposit_euros": "1400"}, "L&#x27;acompte est entre 0 et le prix"),
            ({**good, "first_due_on": "2018-02-01"}, "La première mensualité vient après"),
            ({**good, "instalments": "61"}, "Le nombre doit être entre 1 et 60"),
            ({**good, "price_euros": "12,345"}, "2 chiffres après la virgule"),
            ({**good, "price_euros": "0"}, "Le prix doit être positif"),
        ],
    )
    response = director.post(url, good, follow=True)
    assert "Plan de Ben Test enregistré : 12 mensualités" in response.text
    plan = PurchasePlan.objects.get()
    assert (plan.buyer, plan.price_cents, plan.deposit_cents, plan.instalments) == (
        fleet.ben,
        139_999,
        0,
        12,
    )
    schedule = list(plan.schedule.order_by("number").values_list("due_on", "amount_cents"))
    assert [amount for _day, amount in schedule] == [11_666] * 11 + [11_673]
    assert schedule[0][0] == datetime.date(2018, 3, 31) and schedule[1][0] == datetime.date(
        2018, 4, 30
    )

    pay = reverse("mobility:plan_payment", args=[plan.pk])
    assert f'href="{pay}"' in director.get(reverse("mobility:plans")).text
    refused(
        director,
        pay,
        [
            (
                {"paid_on": "2018-03-30", "amount_euros": "1400,00", "method": "cheque"},
                "Il ne reste que 1\u202f399,99\u00a0€ à payer sur ce plan",
            ),
            ({"paid_on": "2018-03-30", "amount_euros": "0", "method": "cheque"}, "positif"),
            (
                {"paid_on": "2018-03-30", "amount_euros": "-1", "method": "cheque"},
                "Le nombre doit être entre 0 et 100\u202f000",
            ),
        ],
    )
    response = director.post(
        pay, {"paid_on": "2018-03-30", "amount_euros": "116,66", "method": "cheque"}, follow=True
    )
    assert "Paiement de 116,66\u00a0€ enregistré" in response.text
    payment = PlanPayment.objects.get()
    assert (payment.plan, payment.amount_cents, payment.method, payment.paid_on) == (
        plan,
        11_666,
        "cheque",
        datetime.date(2018, 3, 30),
    )

    invoice = reverse("mobility:invoice", args=[purchase.pk])
    assert f'href="{invoice}"' in director.get(reverse("mobility:plans")).text
    refused(
        director,
        invoice,
        [({"invoice_number": "F-18-7", "total_euros": "1400"}, "écart de 0,01\u00a0€")],
    )
    response = director.post(
        invoice, {"invoice_number": "F-18-7", "total_euros": "1399,99"}, follow=True
    )
    assert "Facture F-18-7 enregistrée" in response.text and "au centime près" in response.text
    purchase.refresh_from_db()
    assert (purchase.invoice_number, purchase.invoice_total_cents) == ("F-18-7", 139_999)


def test_a_ride_asked_and_made_pays_and_counts_the_drivers_time(fleet, client_as):
    url = reverse("mobility:request_ride")
    assert client_as(fleet.w.evaluator).get(url).status_code == 403
    alice = client_as(fleet.w.alice)
    assert f'href="{url}"' in alice.get(reverse("mobility:rides")).text
    good = {
        "purpose": "shopping",
        "date": "2018-03-02",
        "house": fleet.w.house_a.pk,
        "requested_by": fleet.ana.pk,
        "passengers": [fleet.ana.pk, fleet.ben.pk],
        "unit": fleet.rosalie.pk,
        "driver": fleet.ben.pk,
        "payment": "hours",
        "price_hours": "0",
        "price_minutes": "30",
    }
    refused(
        alice,
        url,
        [
            ({**good, "price_minutes": "0"}, "Un trajet en heures a un prix"),
            ({**good, "payment": "free"}, "Un trajet en heures a un prix"),
            ({**good, "unit": fleet.bike.pk}, "Sélectionnez un choix valide"),
            ({**good, "payment": "euros"}, "Sélectionnez un choix valide"),
            ({**good, "price_minutes": "75"}, "Le nombre doit être entre 0 et 59"),
        ],
    )
    response = alice.post(url, good, follow=True)
    assert "Trajet du 02/03/2018 demandé pour Ana Test" in response.text
    ride = Ride.objects.get()
    assert (ride.purpose, ride.unit, ride.driver, ride.payment, ride.price_minutes) == (
        "shopping",
        fleet.rosalie,
        fleet.ben,
        "hours",
        30,
    )
    assert set(ride.passengers.all()) == {fleet.ana, fleet.ben}

    done = reverse("mobility:complete_ride", args=[ride.pk])
    assert f'href="{done}"' in response.text
    refused(
        alice,
        done,
        [
            ({"hours": "25", "minutes": "0"}, "Le nombre doit être entre 0 et 24"),
            ({"hours": "24", "minutes": "30"}, "La durée est entre 0 et 24 heures"),
        ],
    )
    response = alice.post(done, {"hours": "1", "minutes": "30"}, follow=True)
    assert "Trajet enregistré comme fait" in response.text
    ride.refresh_from_db()
    assert (ride.status, ride.duration_minutes) == ("done", 90)
    [hours] = VolunteerHours.objects.filter(person=fleet.ben)
    assert (hours.duration_minutes, hours.programme) == (90, "mobility")
    assert Account.objects.get(pk=fleet.ana_account.pk).balance_minutes == 15 * 60 - 30
    # made once: asked again, the page says so and writes nothing
    refused(alice, done, [({"hours": "1", "minutes": "0"}, "Ce trajet est déjà « Fait »")])


def test_a_learners_progress_at_the_cycling_school(fleet, client_as):
    cycle = services.create_cycle(
        actor=None,
        cooperation=fleet.w.coop,
        title="Vélo-école printemps",
        house=fleet.w.house_a,
        first_start=at(13, 14),
        weeks=6,
    )
    first = Session.objects.filter(activity=cycle).order_by("starts_at").first()
    activities.record_attendance(actor=None, session=first, person=fleet.ana)
    alice = client_as(fleet.w.alice)
    url = reverse("mobility:cycle", args=[cycle.pk])
    assert f'href="{url}"' in alice.get(reverse("mobility:school")).text
    assert client_as(fleet.w.evaluator).get(url).status_code == 403
    alice = client_as(fleet.w.alice)
    refused(
        alice,
        url,
        [
            # Ben never came to the cycle: not one of its learners
            (
                {"learner": fleet.ben.pk, "noted_on": "2018-03-13", "level": "balance"},
                "Sélectionnez un choix valide",
            ),
            (
                {"learner": fleet.ana.pk, "noted_on": "2018-03-13", "level": "flying"},
                "Sélectionnez un choix valide",
            ),
            (
                {"learner": fleet.ana.pk, "noted_on": "1850-03-13", "level": "balance"},
                "Date improbable",
            ),
        ],
    )
    response = alice.post(
        url,
        {"learner": fleet.ana.pk, "noted_on": "2018-03-13", "level": "balance", "note": "Bien"},
        follow=True,
    )
    assert "Progrès de Ana Test noté : Tient l&#x27;équilibre" in response.text
    progress = Progress.objects.get()
    assert (progress.cycle_id, progress.learner, progress.noted_on, progress.level) == (
        cycle.pk,
        fleet.ana,
        datetime.date(2018, 3, 13),
        "balance",
    )
    assert AuditEntry.objects.filter(action="create", object_id=str(progress.pk)).exists()
    # an activity that is not a cycle of the school has no such page
    outing = services.create_outing(
        actor=None,
        cooperation=fleet.w.coop,
        title="Voie verte",
        house=fleet.w.house_a,
        starts_at=at(20, 9),
        duration=datetime.timedelta(hours=6),
    )
    assert alice.get(reverse("mobility:cycle", args=[outing.activity_id])).status_code == 404


def test_the_screens_queries_do_not_grow_with_their_rows(fleet, client_as):
    """The crawler of coope/core/tests/test_query_counts.py finds no mobility rows in its world,
    so the pages with an id are counted here: the same queries, within the site's ceiling, with
    1 and with 4 units, rules, documents, plans, rides and learners."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coope.core.tests.test_query_counts import SITE_CEILING

    purchase = services.create_purchase(
        actor=None, cooperation=fleet.w.coop, name="VAE", supplier="C", ordered_on=at(1, 9).date()
    )
    cycle = services.create_cycle(
        actor=None,
        cooperation=fleet.w.coop,
        title="Vélo-école",
        house=fleet.w.house_a,
        first_start=at(13, 14),
        weeks=2,
    )
    sessions = list(Session.objects.filter(activity=cycle))
    people = [fleet.ana, fleet.ben]

    def add_rows(n: int) -> tuple[PurchasePlan, Ride]:
        for i in range(n):
            unit = services.add_unit(
                actor=None,
                cooperation=fleet.w.coop,
                kind="trailer",
                name=f"Remorque {n}-{i}",
                house=fleet.w.house_b,
                in_service_on=at(1, 9).date(),
            )
            services.add_maintenance_rule(actor=None, unit=unit, label="Pneus", every_months=1)
            services.add_maintenance_rule(
                actor=None, unit=fleet.bike, label=f"R{i}", every_months=i + 1
            )
            services.add_document(
                actor=None, unit=fleet.bike, kind="invoice", date=at(1, 9).date(), note=f"F{i}"
            )
            plan = services.create_plan(
                actor=None,
                purchase=purchase,
                buyer=people[i % 2],
                signed_on=at(1, 9).date(),
                price_cents=100_000,
                deposit_cents=10_000,
                instalments=10,
                first_due_on=at(1, 9).date(),
            )
            ride = services.request_ride(
                actor=None,
                requested_by=people[i % 2],
                purpose="visit",
                date=at(2, 9).date(),
                house=fleet.w.house_a,
                passengers=people,
                driver=people[(i + 1) % 2],
            )
            activities.record_attendance(actor=None, session=sessions[i % 2], person=people[i % 2])
            services.note_progress(
                actor=None,
                cycle=cycle,
                learner=people[i % 2],
                noted_on=at(13, 9).date(),
                level="balance",
            )
        return plan, ride

    client = client_as(fleet.w.director)

    def counted(plan, ride) -> dict[str, int]:
        pages = {
            "index": reverse("mobility:index"),
            "unit": reverse("mobility:unit", args=[fleet.bike.pk]),
            "plans": reverse("mobility:plans"),
            "add_plan": reverse("mobility:add_plan"),
            "plan_payment": reverse("mobility:plan_payment", args=[plan.pk]),
            "invoice": reverse("mobility:invoice", args=[purchase.pk]),
            "rides": reverse("mobility:rides"),
            "request_ride": reverse("mobility:request_ride"),
            "complete_ride": reverse("mobility:complete_ride", args=[ride.pk]),
            "school": reverse("mobility:school"),
            "cycle": reverse("mobility:cycle", args=[cycle.pk]),
            "add_unit": reverse("mobility:add_unit"),
        }
        found = {}
        for name, url in pages.items():
            client.get(url)  # the session and the roles as on a second visit
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, name
            found[name] = len(queries)
        return found

    small = counted(*add_rows(1))
    large = counted(*add_rows(3))
    grown = {name: (small[name], large[name]) for name in small if large[name] > small[name]}
    over = {name: count for name, count in large.items() if count > SITE_CEILING}
    assert grown == {} and over == {}, (grown, over)
