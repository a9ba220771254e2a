"""The doors: login throttling, passwords refused everywhere, a reset by e-mail through a real
SMTP server, a password Coopé chose changed at first sign-in."""

import datetime
import io
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import Client
from django_scopes import scopes_disabled

from coope.conftest import PASSWORD
from coope.core.demo import data as demo_data
from coope.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db

LOCKOUT = "coope.core.views_auth.locked_out"
MUST_CHANGE = "coope.core.views_auth.PasswordChangeRequiredMiddleware"


@pytest.fixture(autouse=True)
def doors(settings):
    """The settings the doors need (coope/settings.py has them once the lead adds them)."""
    settings.AXES_ENABLED = True
    settings.AXES_LOCKOUT_CALLABLE = LOCKOUT
    if MUST_CHANGE not in settings.MIDDLEWARE:
        at = settings.MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware")
        settings.MIDDLEWARE = [
            *settings.MIDDLEWARE[: at + 1],
            MUST_CHANGE,
            *settings.MIDDLEWARE[at + 1 :],
        ]


def sign_in(client: Client, username: str, password: str):
    return client.post("/connexion/", {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# -- login throttling ----------------------------------------------------------------------


def test_fifty_wrong_passwords_lock_the_account_even_for_the_right_one(world, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    client = Client()
    answers = [sign_in(client, "alice", f"wrong-{i}").status_code for i in range(50)]
    # Django's form answers the first four (200, « Identifiant ou mot de passe incorrect »);
    # the fifth locks the pair account + address.
    assert answers[:4] == [200] * 4
    assert set(answers[4:]) == {429}

    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    page = response.content.decode()
    assert "Connexion bloquée" in page
    assert "15 minutes" in page
    assert "Réessayez à partir de 10:15" in page  # Paris time, 15 min after the last attempt
    assert "l'accueil ou à la direction" in text(response)

    # 15 minutes without an attempt: the right password opens again, and resets the count.
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 16, tzinfo=datetime.UTC), tick=False)
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 302 and signed_in(client)
    assert AccessAttempt.objects.filter(username="alice").count() == 0


def test_a_success_resets_the_count(world):
    client = Client()
    for _round in range(3):  # 3 × 4 failures: never 5 in a row
        for i in range(4):
            assert sign_in(client, "alice", f"wrong-{i}").status_code == 200
        assert sign_in(client, "alice", PASSWORD).status_code == 302
        client.post("/deconnexion/")


def test_a_locked_account_does_not_lock_another(world):
    client = Client()
    for i in range(5):
        sign_in(client, "alice", f"wrong-{i}")
    assert sign_in(client, "alice", PASSWORD).status_code == 429
    assert sign_in(Client(), "bob", PASSWORD).status_code == 302


# -- passwords -----------------------------------------------------------------------------

WEAK = {
    "12345678": (
        "Ce mot de passe est trop court. Il doit contenir au minimum 10 caractères.",
        "Ce mot de passe est trop courant.",
        "Ce mot de passe est entièrement numérique.",
    ),
    "password": ("Ce mot de passe est trop courant.",),
}


NEW_COOPERATION = {
    "name": "Coopération du Diois",
    "slug": "diois",
    "card_prefix": "DIE",
    "association_name": "Centre social",
    "username": "nadia",
    "email": "nadia@example.org",
}


def text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


@pytest.mark.parametrize("weak", WEAK)
def test_weak_passwords_are_refused_on_every_form(world, weak, monkeypatch):
    messages = WEAK[weak]
    # « Mon mot de passe »
    client = Client()
    client.force_login(world.alice)
    response = client.post(
        "/compte/mot-de-passe/",
        {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
    )
    assert response.status_code == 200
    assert all(message in text(response) for message in messages), text(response)
    world.alice.refresh_from_db()
    assert world.alice.check_password(PASSWORD)

    # A staff account created by a director.
    client.force_login(world.director)
    response = client.post(
        "/configuration/comptes/nouveau/",
        {
            "username": "lea",
            "first_name": "Léa",
            "last_name": "Martin",
            "association": world.assoc_a.pk,
            "role": "reception",
            "password": weak,
        },
    )
    assert response.status_code == 200
    assert all(message in text(response) for message in messages)

    # A new cooperation's director, by the platform administrator.
    with scopes_disabled():
        platform = User.objects.create_superuser("plateforme", "ops@example.org", PASSWORD)
    client.force_login(platform)
    response = client.post(
        "/plateforme/nouvelle/",
        {**NEW_COOPERATION, "password": weak},
    )
    assert response.status_code == 200
    assert all(message in text(response) for message in messages)

    # The command.
    monkeypatch.setattr("sys.stdin", io.StringIO(weak + "\n"))
    with pytest.raises(CommandError) as refused:
        call_command(
            "cooperation",
            "create",
            "--slug",
            "diois",
            "--name",
            "Coopération du Diois",
            "--association",
            "Centre social",
            "--director-username",
            "nadia",
            "--director-email",
            "nadia@example.org",
            "--password-stdin",
        )
    assert messages[0] in str(refused.value)
    with scopes_disabled():
        assert not User.objects.filter(username__in=["lea", "nadia"]).exists()


def test_the_demo_and_test_passwords_pass_the_validators():
    validate_password(demo_data.PASSWORD, User(username="direction"))
    validate_password(PASSWORD, User(username="alice"))


# -- a password Coopé chose is changed at first sign-in ------------------------------------


def test_a_director_created_with_a_one_time_password_changes_it_first(world):
    with scopes_disabled():
        platform = User.objects.create_superuser("plateforme", "ops@example.org", PASSWORD)
    client = Client()
    client.force_login(platform)
    response = client.post(
        "/plateforme/nouvelle/",
        {**NEW_COOPERATION, "password": ""},
        follow=True,
    )
    one_time = re.search(r"<code data-password>([^<]+)</code>", response.content.decode())[1]

    director = Client()
    assert sign_in(director, "nadia", one_time)["Location"] == "/"
    assert director.get("/")["Location"] == "/compte/mot-de-passe/"
    assert director.get("/configuration/")["Location"] == "/compte/mot-de-passe/"
    page = director.get("/compte/mot-de-passe/")
    assert "choisissez le vôtre pour continuer" in text(page)
    # The same password again is no change.
    response = director.post(
        "/compte/mot-de-passe/",
        {"old_password": one_time, "new_password1": one_time, "new_password2": one_time},
    )
    assert "différent de celui que vous avez" in text(response)
    response = director.post(
        "/compte/mot-de-passe/",
        {
            "old_password": one_time,
            "new_password1": "les collines du Diois",
            "new_password2": "les collines du Diois",
        },
    )
    assert response["Location"] == "/compte/mot-de-passe/change/"
    assert director.get("/configuration/").status_code == 200
    with scopes_disabled():
        nadia = User.objects.get(username="nadia")
        assert not nadia.must_change_password
        assert AuditEntry.objects.filter(action="change_password", object_id=str(nadia.pk)).exists()


def test_a_password_given_again_by_a_director_is_to_change(world):
    client = Client()
    client.force_login(world.director)
    client.post(f"/configuration/comptes/{world.alice.pk}/mot-de-passe/")
    world.alice.refresh_from_db()
    assert world.alice.must_change_password
    alice = Client()
    alice.force_login(world.alice)
    assert alice.get("/accueil/")["Location"] == "/compte/mot-de-passe/"


# -- a forgotten password, by e-mail through a real SMTP server ----------------------------


@pytest.fixture
def inbox(smtp_inbox):
    """The real SMTP server of coope/conftest.py."""
    return smtp_inbox


def test_a_forgotten_password_is_reset_by_a_link_sent_by_e_mail(world, inbox):
    world.alice.email = "alice@example.org"
    world.alice.save()
    client = Client()
    login_page = client.get("/connexion/").content.decode()
    assert 'href="/compte/oubli/"' in login_page

    response = client.post("/compte/oubli/", {"email": "ALICE@example.org"})
    assert response["Location"] == "/compte/oubli/envoye/"
    [message] = inbox.parsed
    assert message["To"] == "alice@example.org"
    assert message["Subject"] == "Coopé : choisir un nouveau mot de passe"
    body = message.get_content()
    assert "votre compte Coopé « alice »" in body
    link = re.search(r"http://testserver(/compte/oubli/\S+/)", body)[1]

    # The link leads to the form (Django moves the token into the session first).
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    assert "Choisir un nouveau mot de passe" in text(response)
    response = client.post(form_url, {"new_password1": "password", "new_password2": "password"})
    assert "Ce mot de passe est trop courant." in text(response)
    response = client.post(
        form_url,
        {"new_password1": "un jardin sur le toit", "new_password2": "un jardin sur le toit"},
    )
    assert response["Location"] == "/compte/oubli/fait/"

    assert sign_in(Client(), "alice", PASSWORD).status_code == 200  # the old one: refused
    assert sign_in(Client(), "alice", "un jardin sur le toit").status_code == 302
    # The link served once.
    assert "Ce lien ne sert plus" in text(Client().get(link, follow=True))


def test_an_unknown_address_gets_the_same_answer_and_no_mail(world, inbox):
    world.alice.email = "alice@example.org"
    world.alice.save()
    known = Client().post("/compte/oubli/", {"email": "alice@example.org"}, follow=True)
    unknown = Client().post("/compte/oubli/", {"email": "personne@example.org"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain

    def page(response) -> str:  # the same page, but for its CSP nonce and CSRF token
        return re.sub(r'(nonce|value|X-CSRFToken)"?[=:] ?"[^"]*"', "", response.content.decode())

    assert page(known) == page(unknown)
    assert [m["To"] for m in inbox.parsed] == ["alice@example.org"]


def test_reset_links_are_throttled_per_address(world, inbox):
    world.alice.email = "alice@example.org"
    world.alice.save()
    for _i in range(6):
        response = Client().post("/compte/oubli/", {"email": "alice@example.org"})
        assert response["Location"] == "/compte/oubli/envoye/"
    assert len(inbox.parsed) == 3
    with scopes_disabled():
        assert (
            AuditEntry.objects.filter(
                action="password_reset_requested", object_id=str(world.alice.pk)
            ).count()
            == 3
        )
