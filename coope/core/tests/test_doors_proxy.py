"""The lockout behind the documented reverse proxy counts the client's address, not the
proxy's; a password reset by e-mail lifts a lockout."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_scopes import scopes_disabled

from coope.conftest import PASSWORD
from coope.core.models import User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Tilleul-Crest-4471"


@pytest.fixture(autouse=True)
def behind_nginx(settings):
    settings.AXES_ENABLED = True
    settings.COOPE_PROXY_COUNT = 1


def sign_in(client: Client, password: str, forwarded_for: str):
    # gunicorn sees nginx's address; nginx appended the client's to what the client sent.
    return client.post(
        "/connexion/",
        {"username": "alice", "password": password},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_a_lockout_behind_the_proxy_is_for_one_address_not_for_everyone(world):
    client = Client()
    # The attacker writes a new address of their own each time: only nginx's part counts.
    answers = [
        sign_in(client, f"wrong-{n}", f"10.9.9.{n}, 198.51.100.7").status_code for n in range(8)
    ]
    assert answers[-1] == 429
    assert sign_in(client, "wrong", "198.51.100.7").status_code == 429
    # Alice, from her own address, still signs in.
    answer = sign_in(Client(), PASSWORD, "198.51.100.8")
    assert answer.status_code == 302, answer.content.decode()[:500]


def test_a_password_reset_by_email_lifts_the_lockout(world):
    client = Client()
    for n in range(6):
        sign_in(client, f"wrong-{n}", "198.51.100.7")
    assert sign_in(client, PASSWORD, "198.51.100.7").status_code == 429
    with scopes_disabled():
        alice = User.objects.get(username="alice")
    link = reverse(
        "core:password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(alice.pk)),
            default_token_generator.make_token(alice),
        ],
    )
    form_page = client.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert sign_in(Client(), NEW_PASSWORD, "198.51.100.7").status_code == 302
