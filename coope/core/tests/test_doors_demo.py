"""The demo's accounts are not superusers: the director's role opens her pages and the admin;
the platform's administrator is another account, its password new at each run, printed once."""

import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client, RequestFactory
from django_scopes import scopes_disabled

from coope.core.demo import data
from coope.core.models import User

pytestmark = pytest.mark.django_db


def printed_platform_password(out: str) -> str:
    found = re.search(
        r"Administration de la plateforme .*: plateforme, mot de passe « (\S+) »", out
    )
    assert found, out
    return found[1]


def test_no_demo_account_is_a_superuser_and_the_director_s_role_is_enough(capsys):
    call_command("demo")
    first = printed_platform_password(capsys.readouterr().out)
    with scopes_disabled():
        superusers = list(User.objects.filter(is_superuser=True).values_list("username", flat=True))
        director = User.objects.get(username="directrice")
    assert superusers == ["plateforme"]
    assert User.objects.get(username="plateforme").cooperation_id is None
    assert director.is_staff and not director.is_superuser

    client = Client()
    response = client.post("/connexion/", {"username": "directrice", "password": data.PASSWORD})
    assert response.status_code == 302
    for url in (
        "/accueil/",
        "/chiffres/",
        "/configuration/",
        "/configuration/comptes/",
        "/adhesions/a-renouveler/",
        "/tic-tac/comptes/",
        "/donnees/",
        "/rapports/",
        "/admin/",
        "/admin/core/house/",
        "/admin/membership/membershipperiod/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/plateforme/").status_code == 403  # the platform is not hers

    # make run calls `coope demo` each time: a new platform password, the old one refused.
    call_command("demo")
    second = printed_platform_password(capsys.readouterr().out)
    assert second != first
    request = RequestFactory().post("/connexion/")
    assert authenticate(request, username="plateforme", password=first) is None
    assert authenticate(request, username="plateforme", password=second) is not None
