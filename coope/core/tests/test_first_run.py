"""A new cooperation starts in Coopé's own screens: a platform administrator creates it with its
first director, who signs in with the password shown once and sets up the rest from
« Configuration »: an association, a house, a CAF agreement, a reception account, TIC-TAC limits.
Every write leaves an audit entry, and another cooperation's director sees none of it."""

import re

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from coope.core.models import (
    Agreement,
    Association,
    AuditEntry,
    Cooperation,
    House,
    StaffRole,
    User,
)
from coope.timebank.models import CategoryLimit

pytestmark = pytest.mark.django_db

NEW_COOPERATION = {
    "name": "Coopération du Diois",
    "slug": "diois",
    "card_prefix": "die",
    "association_name": "Centre social du Diois",
    "first_name": "Nadia",
    "last_name": "Berger",
    "username": "nadia",
    "email": "nadia@example.org",
    "password": "",
}


@pytest.fixture
def platform(db):
    return User.objects.create_superuser("plateforme", "ops@example.org", "ops-pass-4521")


def shown_password(page: str) -> str:
    found = re.search(r"<code data-password>([^<]+)</code>", page)
    assert found, "the initial password is shown"
    return found.group(1)


def sign_in(username: str, password: str) -> Client:
    """Signed in with the password shown once, then changed: Coopé chose it, so its holder
    chooses their own before anything else (« Mon mot de passe »)."""
    client = Client()
    response = client.post("/connexion/", {"username": username, "password": password})
    assert response.status_code == 302, "signed in"
    assert client.get("/")["Location"] == "/compte/mot-de-passe/"
    own = f"{password} et le mien"
    response = client.post(
        "/compte/mot-de-passe/",
        {"old_password": password, "new_password1": own, "new_password2": own},
    )
    assert response.status_code == 302, "password changed"
    return client


def audited(cooperation, model: str) -> set[str]:
    with scopes_disabled():
        return set(
            AuditEntry.objects.filter(cooperation=cooperation, model=model).values_list(
                "object_id", flat=True
            )
        )


def create_cooperation(platform_user) -> tuple[Cooperation, str]:
    client = Client()
    client.force_login(platform_user)
    assert client.get("/")["Location"] == "/plateforme/"  # a platform administrator lands there
    assert "Nouvelle coopération" in client.get("/plateforme/").content.decode()
    response = client.post("/plateforme/nouvelle/", NEW_COOPERATION, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    password = shown_password(page)
    # Shown once: the page again no longer has it.
    assert password not in client.get(response.redirect_chain[-1][0]).content.decode()
    with scopes_disabled():
        cooperation = Cooperation.objects.get(slug="diois")
    return cooperation, password


def test_a_cooperation_starts_from_nothing_in_coope_s_own_screens(platform, world):
    cooperation, password = create_cooperation(platform)
    assert cooperation.card_prefix == "DIE"
    with scopes_disabled():
        director = User.objects.get(username="nadia")
        association = Association.objects.get(cooperation=cooperation)
        assert director.cooperation == cooperation and director.is_staff
        assert StaffRole.objects.get(user=director).role == "director"
        assert StaffRole.objects.get(user=director).association == association
    assert audited(cooperation, "core.cooperation") == {str(cooperation.pk)}
    assert audited(cooperation, "core.association") == {str(association.pk)}
    assert audited(cooperation, "core.user") == {str(director.pk)}
    assert len(audited(cooperation, "core.staffrole")) == 1

    # The director signs in with the password shown once and finds the checklist.
    client = sign_in("nadia", password)
    assert client.get("/")["Location"] == "/configuration/"  # no house yet: the checklist
    page = client.get("/configuration/").content.decode()
    assert 'href="/configuration/"' in page  # « Configuration » in the menu
    for label in (
        "La coopération",
        "Associations membres",
        "Maisons de quartier",
        "Agréments CAF",
        "Comptes et rôles",
        "Règles TIC-TAC",
    ):
        assert label in page
    assert "aucune maison" in page and "1 association" in page

    # An association, a house with its colour, a CAF agreement.
    response = client.post(
        "/configuration/associations/",
        {"name": "MJC du Diois", "address": "1 rue de la Poste", "direct_it": "on"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        mjc = Association.objects.get(name="MJC du Diois")
        assert mjc.cooperation == cooperation
        assert StaffRole.objects.filter(user=director, association=mjc, role="director").exists()
    response = client.post(
        "/configuration/maisons/nouvelle/",
        {
            "association": mjc.pk,
            "name": "Maison de Die",
            "short_name": "Die",
            "address": "2 place du Marché",
            "postcode": "26150",
            "city": "Die",
            "phone": "",
            "priority_area": "on",
            "colour": "#2a9d8f",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        house = House.objects.get(name="Maison de Die")
    assert (house.cooperation, house.colour, house.priority_area) == (cooperation, "#2a9d8f", True)
    assert client.get("/")["Location"] == "/accueil/"  # a house: the front desk opens
    response = client.post(
        "/configuration/agrements/", {"house": house.pk, "kind": "evs", "since": "2016-01-01"}
    )
    assert response.status_code == 302
    with scopes_disabled():
        agreement = Agreement.objects.get(house=house)
    assert agreement.cooperation == cooperation and agreement.get_kind_display().startswith(
        "Espace"
    )

    # A reception account at the new association, its initial password shown once.
    response = client.post(
        "/configuration/comptes/nouveau/",
        {
            "username": "accueil-die",
            "first_name": "Léa",
            "last_name": "Martin",
            "email": "",
            "association": mjc.pk,
            "role": "reception",
            "password": "",
        },
        follow=True,
    )
    reception_password = shown_password(response.content.decode())
    with scopes_disabled():
        reception = User.objects.get(username="accueil-die")
    assert reception.cooperation == cooperation and not reception.is_staff
    assert reception.roles() == {"reception"}
    reception_client = sign_in("accueil-die", reception_password)
    assert reception_client.get("/accueil/").status_code == 200
    assert reception_client.get("/configuration/").status_code == 403

    # TIC-TAC: a member may go 10 h below zero, 50 h above.
    response = client.get("/tic-tac/regles/")
    assert response.status_code == 200
    data = {
        "start_credit_minutes": "10 h",
        "membership_fee_minutes": "2 h",
        "warning_margin_minutes": "1 h 30",
        "reversal_delay_days": "30",
        "confirmation_delay_days": "7",
        "reason": "Vote du CA",
    }
    for form, _low, _high in response.context["limit_forms"]:
        for name in ("min_balance_minutes", "max_balance_minutes"):
            value = form.initial[name]
            data[form.add_prefix(name)] = "" if value is None else str(value // 60)
    data["member-min_balance_minutes"], data["member-max_balance_minutes"] = "-10", "50"
    response = client.post("/tic-tac/regles/", data)
    assert response.status_code == 302, response.context and [
        f.errors for f, _l, _h in response.context["limit_forms"]
    ]
    with scopes_disabled():
        limit = CategoryLimit.objects.get(cooperation=cooperation)
    assert (limit.kind, limit.min_balance_minutes, limit.max_balance_minutes) == (
        "member",
        -600,
        3000,
    )
    assert audited(cooperation, "timebank.categorylimit") == {str(limit.pk)}
    assert audited(cooperation, "timebank.timebankrules")

    # The checklist says what is done.
    page = client.get("/configuration/").content.decode()
    assert "1 maison" in page and "1 agrément" in page and "2 comptes actifs" in page
    assert "crédit de départ 10 h" in page

    # Every row written by the screens is in the audit log.
    assert audited(cooperation, "core.association") == {str(association.pk), str(mjc.pk)}
    assert audited(cooperation, "core.house") == {str(house.pk)}
    assert audited(cooperation, "core.agreement") == {str(agreement.pk)}
    assert str(reception.pk) in audited(cooperation, "core.user")
    with scopes_disabled():
        assert audited(cooperation, "core.staffrole") == {
            str(pk)
            for pk in StaffRole.objects.filter(cooperation=cooperation).values_list("pk", flat=True)
        }

    # Another cooperation's director sees none of it and gets 404 on its rows.
    other = Client()
    other.force_login(world.director)
    for page_url in (
        "/configuration/associations/",
        "/configuration/maisons/",
        "/configuration/comptes/",
        "/configuration/agrements/",
    ):
        page = other.get(page_url).content.decode()
        assert "Diois" not in page and "Maison de Die" not in page and "accueil-die" not in page
    for url in (
        f"/configuration/associations/{mjc.pk}/",
        f"/configuration/maisons/{house.pk}/",
        f"/configuration/comptes/{reception.pk}/",
    ):
        assert other.get(url).status_code == 404
    for url in (
        f"/configuration/agrements/{agreement.pk}/retirer/",
        f"/configuration/comptes/{reception.pk}/actif/",
        f"/configuration/comptes/{reception.pk}/roles/",
    ):
        assert (
            other.post(url, {"active": "0", "association": mjc.pk, "role": "director"}).status_code
            == 404
        )
    with scopes_disabled():
        assert Agreement.objects.filter(pk=agreement.pk).exists()
        reception.refresh_from_db()
        assert reception.is_active and reception.roles() == {"reception"}
