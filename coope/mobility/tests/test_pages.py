"""The mobility pages: who may see and do what, an inhabitant's booking from their page, staff's
check-out and check-in; bad input answers the form again with a French message, nothing written."""

import pytest
from django.urls import reverse
from django_scopes import scope

from coope.conftest import PASSWORD
from coope.core.models import User
from coope.mobility import services
from coope.mobility.models import Booking, Loan
from coope.timebank.models import Account, Hold

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana_user(fleet):
    return User.objects.create_user(
        username="ana", password=PASSWORD, cooperation=fleet.w.coop, person=fleet.ana
    )


def booked(fleet):
    with scope(cooperation=fleet.w.coop.pk):
        return services.book_unit(
            actor=None,
            unit=fleet.bike,
            borrower=fleet.ana,
            starts_at=at(1, 11),
            ends_at=at(1, 17),
            payment="hours",
        )


def test_staff_pages_by_role(fleet, client_as):
    booking = booked(fleet)
    for user, index, lend, plans in [
        (fleet.w.alice, 200, 200, 403),
        (fleet.w.director, 200, 200, 200),
        (fleet.w.evaluator, 403, 403, 403),
    ]:
        client = client_as(user)
        assert client.get(reverse("mobility:index")).status_code == index
        assert client.get(reverse("mobility:check_out", args=[booking.pk])).status_code == lend
        assert client.get(reverse("mobility:plans")).status_code == plans
        assert client.get(reverse("mobility:rides")).status_code == index
    # another cooperation's staff does not find the booking
    assert (
        client_as(fleet.w.charlie).get(reverse("mobility:check_out", args=[booking.pk])).status_code
        == 404
    )


def test_an_inhabitant_books_from_their_page_and_cancels(fleet, client, ana_user):
    client.force_login(ana_user)
    page = client.get(reverse("mobility:free"))
    assert page.status_code == 200 and "VAE 1" in page.text
    response = client.post(
        reverse("mobility:free"),
        {"unit": fleet.bike.pk, "starts_at": "2018-03-02T09:00", "ends_at": "2018-03-02T18:00"},
        follow=True,
    )
    assert "est réservé pour vous ; 1 h sont réservées" in response.text
    with scope(cooperation=fleet.w.coop.pk):
        booking = Booking.objects.get()
        assert booking.hold.minutes == 60 and booking.borrower == fleet.ana
    response = client.post(reverse("mobility:cancel", args=[booking.pk]), follow=True)
    assert "Réservation annulée" in response.text
    with scope(cooperation=fleet.w.coop.pk):
        assert Hold.objects.get().status == "released"


def test_an_inhabitants_bad_booking_is_answered_in_french_with_nothing_written(
    fleet, client, ana_user
):
    client.force_login(ana_user)
    for data, message in [
        (
            {"starts_at": "2018-03-02T18:00", "ends_at": "2018-03-02T09:00"},
            "La fin doit être après le début",
        ),
        (
            {"starts_at": "2018-03-02T09:00", "ends_at": "2018-03-20T09:00"},
            "Une réservation dure au plus 168 h",
        ),
        (
            {"starts_at": "2018-03-02T09:00", "ends_at": "pas une date"},
            "Saisissez une date et une heure valides",
        ),
    ]:
        response = client.post(reverse("mobility:free"), {"unit": fleet.bike.pk, **data})
        assert response.status_code == 200
        assert message in response.text
    with scope(cooperation=fleet.w.coop.pk):
        assert not Booking.objects.exists() and not Hold.objects.exists()


def test_a_person_may_not_cancel_someone_elses_booking(fleet, client, ana_user):
    with scope(cooperation=fleet.w.coop.pk):
        booking = services.book_unit(
            actor=None,
            unit=fleet.bike,
            borrower=fleet.ben,
            starts_at=at(1, 11),
            ends_at=at(1, 17),
            payment="free",
        )
    client.force_login(ana_user)
    assert client.post(reverse("mobility:cancel", args=[booking.pk])).status_code == 403


def test_staff_check_out_and_in_take_the_hours(fleet, client_as, time_machine):
    booking = booked(fleet)
    client = client_as(fleet.w.alice)
    response = client.post(
        reverse("mobility:check_out", args=[booking.pk]),
        {"ok_freins": "on", "deposit_euros": "150"},
        follow=True,
    )
    assert "est parti avec Ana Test" in response.text
    time_machine.move_to(at(1, 16), tick=True)
    response = client.post(reverse("mobility:check_in", args=[booking.pk]), {"km_in": "100"})
    assert "Le compteur ne recule pas" in response.text
    response = client.post(
        reverse("mobility:check_in", args=[booking.pk]),
        {"km_in": "140", "ok_freins": "on"},
        follow=True,
    )
    assert "est rendu ; 1 h prises sur son TIC-TAC" in response.text
    with scope(cooperation=fleet.w.coop.pk):
        loan = Loan.objects.get()
        assert (loan.deposit_cents, loan.distance_km, loan.out_checklist["freins"]) == (
            15000,
            20,
            True,
        )
        assert Account.objects.get(pk=fleet.ana_account.pk).balance_minutes == 15 * 60 - 60


def test_a_units_history_and_its_maintenance(fleet, client_as):
    with scope(cooperation=fleet.w.coop.pk):
        rule = services.add_maintenance_rule(
            actor=None, unit=fleet.bike, label="Révision", every_km=100
        )
    url = reverse("mobility:unit", args=[fleet.bike.pk])
    page = client_as(fleet.w.alice).get(url)
    assert "Entretien en retard : Révision, 120 km" in page.text
    assert "Enregistrer un entretien" not in page.text  # reception does not manage the fleet
    assert client_as(fleet.w.alice).post(url, {"odometer_km": "120"}).status_code == 403
    director = client_as(fleet.w.director)
    response = director.post(url, {"odometer_km": "100", "cost_euros": "0"})
    assert "Le compteur ne recule pas" in response.text
    response = director.post(
        url,
        {"rule": rule.pk, "odometer_km": "125", "note": "Chaîne", "cost_euros": "12,50"},
        follow=True,
    )
    assert "Entretien enregistré" in response.text and "Entretien en retard" not in response.text
    with scope(cooperation=fleet.w.coop.pk):
        assert fleet.bike.maintenance.get().cost_cents == 1250
    assert client_as(fleet.w.charlie).get(url).status_code == 404


def test_the_loans_and_plans_leave_as_spreadsheets_audited(fleet, client_as):
    booking = booked(fleet)
    with scope(cooperation=fleet.w.coop.pk):
        loan = services.check_out(
            actor=None, booking=booking, checklist={}, deposit_cents=0, now=at(1, 11)
        )
        services.check_in(actor=None, loan=loan, checklist={}, km_in=135, now=at(1, 16))
        purchase = services.create_purchase(
            actor=None,
            cooperation=fleet.w.coop,
            name="VAE",
            supplier="Cycles",
            ordered_on=at(1, 9).date(),
        )
        services.create_plan(
            actor=None,
            purchase=purchase,
            buyer=fleet.ben,
            signed_on=at(1, 9).date(),
            price_cents=100_001,
            deposit_cents=0,
            instalments=2,
            first_due_on=at(1, 9).date(),
        )
    response = client_as(fleet.w.alice).get(reverse("mobility:loans_export", args=["csv"]))
    text = response.content.decode("utf-8-sig")
    assert (
        response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    )
    assert "VAE 1" in text and "Ana Test" in text and ";15;" in text
    assert (
        client_as(fleet.w.evaluator).get(reverse("mobility:loans_export", args=["csv"])).status_code
        == 403
    )
    text = (
        client_as(fleet.w.director)
        .get(reverse("mobility:plans_export", args=["csv"]))
        .content.decode("utf-8-sig")
    )
    assert "Ben Test" in text and "1000,01" in text
    assert (
        client_as(fleet.w.director).get(reverse("mobility:plans_export", args=["pdf"])).status_code
        == 404
    )
    with scope(cooperation=fleet.w.coop.pk):
        from coope.core.models import AuditEntry

        assert set(AuditEntry.objects.filter(action="export").values_list("model", flat=True)) >= {
            "mobility.loans",
            "mobility.plans",
        }


def test_the_menu_links_staff_and_inhabitants_to_their_pages(fleet, client, client_as, ana_user):
    staff_page = client_as(fleet.w.alice).get(reverse("mobility:rides")).text
    assert f'href="{reverse("mobility:index")}"' in staff_page
    assert f'href="{reverse("mobility:free")}"' not in staff_page  # reception has no person
    client.force_login(ana_user)
    own_page = client.get(reverse("mobility:free")).text
    assert f'href="{reverse("mobility:free")}"' in own_page
    assert client.get(reverse("mobility:index")).status_code == 403
