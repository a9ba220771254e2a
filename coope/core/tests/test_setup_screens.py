"""The setup screens (« Configuration ») and the platform administrator's: who may open them,
bad input answered in French with nothing written, the rules on roles and accounts."""

import html

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django_scopes import scopes_disabled

from coope.core.models import (
    Agreement,
    AuditEntry,
    Cooperation,
    House,
    StaffRole,
    User,
)
from coope.core.plugins import setup_entries

pytestmark = pytest.mark.django_db

SETUP_PAGES = [
    "/configuration/",
    "/configuration/cooperation/",
    "/configuration/associations/",
    "/configuration/maisons/",
    "/configuration/maisons/nouvelle/",
    "/configuration/agrements/",
    "/configuration/comptes/",
    "/configuration/comptes/nouveau/",
    "/tic-tac/regles/",
]
HOUSE = {
    "name": "Maison C",
    "short_name": "C",
    "address": "3 rue C",
    "postcode": "26100",
    "city": "Romans-sur-Isère",
    "phone": "",
    "colour": "#123456",
}


def entries_written() -> int:
    with scopes_disabled():
        return AuditEntry.objects.count()


def text(response) -> str:
    """The page as read (Django writes an apostrophe &#x27;)."""
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("who", ["alice", "coordinator", "volunteer", "evaluator", "charlie"])
def test_only_directors_open_the_setup_pages(world, client_as, who):
    client = client_as(getattr(world, who))
    for url in SETUP_PAGES:
        assert client.get(url).status_code == 403, url
    page = client.get("/accueil/" if who != "evaluator" else "/chiffres/").content.decode()
    assert 'href="/configuration/"' not in page


def test_the_checklist_lists_every_declared_screen_and_each_opens(world, client_as):
    client = client_as(world.director)
    page = text(client.get("/configuration/"))
    declared = setup_entries()
    assert {"core:houses", "timebank:setup_rules"} <= {e.url_name for e in declared}
    for entry in declared:
        url = reverse(entry.url_name)
        assert f'href="{url}"' in page and str(entry.help) in page
        assert client.get(url).status_code == 200, url
    assert "2 maisons" in page and "1 agrément" in page and "✓ fait" in page
    assert "aucun contact" in page and "à faire" in page


def test_a_house_colour_must_be_a_colour(world, client_as):
    client = client_as(world.director)
    before = entries_written()
    for colour in ("rouge", "#12345", "#GGGGGG", ""):
        response = client.post(
            "/configuration/maisons/nouvelle/",
            {**HOUSE, "association": world.assoc_a.pk, "colour": colour},
        )
        assert response.status_code == 200
        page = text(response)
        assert "Une couleur s'écrit #RRGGBB" in page or "Ce champ est obligatoire" in page
    with scopes_disabled():
        assert not House.objects.filter(name="Maison C").exists()
    assert entries_written() == before


def test_a_house_of_another_cooperation_s_association_is_refused(world, client_as):
    client = client_as(world.director)
    response = client.post(
        "/configuration/maisons/nouvelle/", {**HOUSE, "association": world.other_assoc.pk}
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in text(response)
    with scopes_disabled():
        assert not House.objects.filter(name="Maison C").exists()


def test_a_house_is_changed_and_the_change_audited(world, client_as):
    client = client_as(world.director)
    response = client.post(
        f"/configuration/maisons/{world.house_b.pk}/",
        {
            **HOUSE,
            "association": world.assoc_b.pk,
            "name": world.house_b.name,
            "colour": "#abcdef",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        entry = AuditEntry.objects.get(model="core.house", object_id=str(world.house_b.pk))
    assert entry.actor == world.director
    assert entry.changes["colour"] == ["#17BEBB", "#abcdef"]


def test_an_association_name_taken_in_the_cooperation_is_a_form_error(world, client_as):
    client = client_as(world.director)
    before = entries_written()
    response = client.post("/configuration/associations/", {"name": world.assoc_a.name})
    assert response.status_code == 200
    assert "est déjà utilisé dans la coopération" in text(response)
    response = client.post(
        f"/configuration/associations/{world.assoc_b.pk}/", {"name": world.assoc_a.name}
    )
    assert "est déjà utilisé dans la coopération" in text(response)
    assert entries_written() == before


def test_an_agreement_twice_or_at_an_unlikely_date_is_refused(world, client_as):
    client = client_as(world.director)
    before = entries_written()
    response = client.post("/configuration/agrements/", {"house": world.house_a.pk, "kind": "cs"})
    assert "a déjà cet agrément" in text(response)
    for since in ("0001-01-01", "9999-12-31", "2018-02-30"):
        response = client.post(
            "/configuration/agrements/",
            {"house": world.house_b.pk, "kind": "evs", "since": since},
        )
        assert response.status_code == 200
        page = text(response)
        assert "improbable" in page or "Saisissez une date valide" in page
    with scopes_disabled():
        assert Agreement.objects.filter(cooperation=world.coop).count() == 1
    assert entries_written() == before
    # removed, and audited
    with scopes_disabled():
        agreement = Agreement.objects.get(cooperation=world.coop)
    assert client.post(f"/configuration/agrements/{agreement.pk}/retirer/").status_code == 302
    with scopes_disabled():
        assert not Agreement.objects.filter(pk=agreement.pk).exists()
        assert AuditEntry.objects.get(model="core.agreement").action == "delete"


def test_an_account_username_taken_or_a_weak_password_writes_nothing(world, client_as):
    client = client_as(world.director)
    before = entries_written()
    account = {
        "first_name": "Léa",
        "last_name": "Martin",
        "email": "",
        "association": world.assoc_a.pk,
        "role": "reception",
    }
    # usernames are global: one of the other cooperation is taken too
    for username in ("alice", "ALICE", "charlie"):
        response = client.post(
            "/configuration/comptes/nouveau/", {**account, "username": username, "password": ""}
        )
        assert response.status_code == 200
        assert f"L'identifiant « {username} » est déjà pris" in text(response)
    response = client.post(
        "/configuration/comptes/nouveau/",
        {**account, "username": "lea", "password": "court"},
    )
    assert "trop court" in text(response)
    response = client.post(
        "/configuration/comptes/nouveau/",
        {**account, "username": "lea", "role": "chef", "password": ""},
    )
    assert "Sélectionnez un choix valide" in text(response)
    assert not User.objects.filter(username="lea").exists()
    assert entries_written() == before


def test_a_password_chosen_by_the_director_is_not_shown(world, client_as):
    client = client_as(world.director)
    response = client.post(
        "/configuration/comptes/nouveau/",
        {
            "username": "lea",
            "first_name": "Léa",
            "last_name": "Martin",
            "email": "lea@example.org",
            "association": world.assoc_b.pk,
            "role": "coordinator",
            "password": "jardin-partage-26",
        },
        follow=True,
    )
    assert "jardin-partage-26" not in text(response)
    lea = User.objects.get(username="lea")
    assert lea.check_password("jardin-partage-26") and lea.cooperation == world.coop
    with scopes_disabled():
        entry = AuditEntry.objects.get(model="core.user", object_id=str(lea.pk))
    assert "password" not in entry.changes and entry.changes["username"] == "lea"


def test_a_director_keeps_a_director_role(world, client_as):
    client = client_as(world.director)
    roles = {r.association_id: r for r in StaffRole.objects.filter(user=world.director)}
    response = client.post(
        f"/configuration/roles/{roles[world.assoc_b.pk].pk}/retirer/", follow=True
    )
    assert "Rôle retiré" in text(response)
    response = client.post(
        f"/configuration/roles/{roles[world.assoc_a.pk].pk}/retirer/", follow=True
    )
    assert "C'est votre dernier rôle de direction" in text(response)
    assert StaffRole.objects.filter(user=world.director).count() == 1
    with scopes_disabled():
        assert AuditEntry.objects.filter(model="core.staffrole", action="delete").count() == 1


def test_roles_given_and_taken_back_are_audited_and_follow_the_admin_flag(world, client_as):
    client = client_as(world.director)
    response = client.post(
        f"/configuration/comptes/{world.alice.pk}/roles/",
        {"association": world.assoc_b.pk, "role": "director"},
    )
    assert response.status_code == 302
    world.alice.refresh_from_db()
    assert world.alice.is_staff and "director" in world.alice.roles()
    # the same role again: said, not doubled
    response = client.post(
        f"/configuration/comptes/{world.alice.pk}/roles/",
        {"association": world.assoc_b.pk, "role": "director"},
    )
    assert response.status_code == 200 and "a déjà le rôle" in text(response)
    given = StaffRole.objects.get(user=world.alice, role="director")
    client.post(f"/configuration/roles/{given.pk}/retirer/")
    world.alice.refresh_from_db()
    assert not world.alice.is_staff and world.alice.roles() == {"reception"}
    with scopes_disabled():
        actions = list(
            AuditEntry.objects.filter(model="core.staffrole", object_id=str(given.pk))
            .order_by("pk")
            .values_list("action", flat=True)
        )
    assert actions == ["create", "delete"]
    # an association of another cooperation is not offered
    response = client.post(
        f"/configuration/comptes/{world.alice.pk}/roles/",
        {"association": world.other_assoc.pk, "role": "reception"},
    )
    assert "Sélectionnez un choix valide" in text(response)


def test_an_account_is_closed_and_opened_again_but_not_one_s_own(world, client, client_as):
    director = client_as(world.director)
    response = director.post(
        f"/configuration/comptes/{world.director.pk}/actif/", {"active": "0"}, follow=True
    )
    assert "votre propre compte" in text(response)
    world.director.refresh_from_db()
    assert world.director.is_active
    director.post(f"/configuration/comptes/{world.alice.pk}/actif/", {"active": "0"})
    world.alice.refresh_from_db()
    assert not world.alice.is_active
    director.logout()
    assert not client.login(
        request=RequestFactory().post("/"), username="alice", password="secret-pass-123"
    )
    client.force_login(world.director)
    client.post(f"/configuration/comptes/{world.alice.pk}/actif/", {"active": "1"})
    client.logout()
    assert client.login(
        request=RequestFactory().post("/"), username="alice", password="secret-pass-123"
    )
    with scopes_disabled():
        changes = [
            e.changes["is_active"]
            for e in AuditEntry.objects.filter(
                model="core.user", object_id=str(world.alice.pk)
            ).order_by("pk")
        ]
    assert changes == [[True, False], [False, True]]


def test_a_new_initial_password_is_shown_once(world, client_as):
    client = client_as(world.director)
    response = client.post(f"/configuration/comptes/{world.alice.pk}/mot-de-passe/", follow=True)
    page = text(response)
    assert "affiché une seule fois" in page
    password = page.split("<code data-password>")[1].split("</code>")[0]
    world.alice.refresh_from_db()
    assert world.alice.check_password(password)
    assert password not in client.get(f"/configuration/comptes/{world.alice.pk}/").content.decode()


def test_the_cooperation_s_name_and_contact(world, client_as):
    client = client_as(world.director)
    response = client.post(
        "/configuration/cooperation/",
        {"name": "Coopération de Romans", "contact_email": "pas-un-courriel", "address": ""},
    )
    assert "Saisissez une adresse de courriel valide" in text(response)
    response = client.post(
        "/configuration/cooperation/",
        {
            "name": "Coopération de Romans",
            "contact_email": "contact@example.org",
            "contact_phone": "04 75 00 00 00",
            "address": "Place Jean Jaurès",
        },
    )
    assert response.status_code == 302
    world.coop.refresh_from_db()
    assert world.coop.contact_email == "contact@example.org"
    with scopes_disabled():
        entry = AuditEntry.objects.get(model="core.cooperation")
    assert entry.cooperation == world.coop and entry.changes["contact_email"] == [
        "",
        "contact@example.org",
    ]
    page = client.get("/configuration/").content.decode()
    assert "contact@example.org" in page


# -- the platform administrator ---------------------------------------------------------------


@pytest.fixture
def platform(db):
    return User.objects.create_superuser("plateforme", "ops@example.org", "ops-pass-4521")


def test_only_a_superuser_opens_the_platform_screens(world, client_as):
    for who in (world.director, world.alice):
        client = client_as(who)
        for url in ("/plateforme/", "/plateforme/nouvelle/", f"/plateforme/{world.coop.pk}/"):
            assert client.get(url).status_code == 403


def test_the_platform_lists_every_cooperation(world, platform, client_as):
    page = client_as(platform).get("/plateforme/").content.decode()
    assert "Coopération romans" in page and "Coopération valence" in page
    assert 'href="/plateforme/"' in page  # its menu entry


def test_a_new_cooperation_with_bad_values_writes_nothing(world, platform, client_as):
    client = client_as(platform)
    before = entries_written()
    good = {
        "name": "Coopération du Diois",
        "slug": "diois",
        "card_prefix": "DIE",
        "association_name": "Centre social",
        "username": "nadia",
        "email": "nadia@example.org",
        "password": "",
    }
    cases = {
        "slug": ("romans", "est déjà pris par une autre coopération"),
        "card_prefix": ("DIE-2018", "1 à 8 lettres sans accent ou chiffres"),
        "username": ("direction", "est déjà pris"),
        "email": ("nadia", "adresse de courriel valide"),
        "password": ("nadia", "trop court"),
    }
    for field, (value, message) in cases.items():
        response = client.post("/plateforme/nouvelle/", {**good, field: value})
        assert response.status_code == 200, field
        assert message in text(response), field
    for slug in ("Diois Sud", "diois_sud", "-diois", "diois-", "dïois", "a" * 51):
        response = client.post("/plateforme/nouvelle/", {**good, "slug": slug})
        assert response.status_code == 200, slug
        page = text(response)
        assert "ne convient pas" in page or "au plus 50 caractères" in page, slug
    assert not Cooperation.objects.filter(slug__startswith="diois").exists()
    assert not User.objects.filter(username="nadia").exists()
    assert entries_written() == before
