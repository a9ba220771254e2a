"""Plain builder fixtures shared by every app's tests.

Alice is reception at house A (association A), Bob is reception at house B (association B)
of the same cooperation, Charlie is reception in another cooperation (healthchecks style).
"""

import datetime
import email
import email.policy
import socket

import pytest
from django.core.cache import cache
from django_scopes import scope, scopes_disabled

from coope.core.models import Agreement, Association, Cooperation, House, StaffRole, User
from coope.membership.models import FeeRule, MembershipPeriod

PASSWORD = "secret-pass-123"  # noqa: S105


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing kept (coope/core/kept.py keeps figures in the cache)."""
    cache.clear()


def make_user(cooperation, username, role, *associations):
    user = User.objects.create_user(username=username, password=PASSWORD, cooperation=cooperation)
    for association in associations:
        StaffRole.objects.create(
            cooperation=cooperation, user=user, association=association, role=role
        )
    return user


def make_cooperation(slug: str, prefix: str):
    cooperation = Cooperation.objects.create(
        name=f"Coopération {slug}", slug=slug, card_prefix=prefix
    )
    with scope(cooperation=cooperation.pk):
        a = Association.objects.create(cooperation=cooperation, name=f"Association A {slug}")
        b = Association.objects.create(cooperation=cooperation, name=f"Association B {slug}")
        house_a = House.objects.create(
            cooperation=cooperation,
            association=a,
            name=f"Maison A {slug}",
            short_name="A",
            address="1 place A",
            postcode="26100",
            city="Romans-sur-Isère",
            priority_area=True,
            colour="#E4572E",
        )
        house_b = House.objects.create(
            cooperation=cooperation,
            association=b,
            name=f"Maison B {slug}",
            short_name="B",
            address="2 rue B",
            postcode="26100",
            city="Romans-sur-Isère",
            colour="#17BEBB",
        )
        Agreement.objects.create(cooperation=cooperation, house=house_a, kind="cs")
        period = MembershipPeriod.objects.create(
            cooperation=cooperation,
            name="2018",
            start=datetime.date(2018, 1, 1),
            end=datetime.date(2018, 12, 31),
        )
        for kind, low, high, cents in [
            ("individual", None, 300, 0),
            ("individual", 301, 700, 500),
            ("individual", 701, None, 1000),
            ("household", None, 300, 0),
            ("household", 301, 700, 1200),
            ("household", 701, None, 2000),
        ]:
            FeeRule.objects.create(
                cooperation=cooperation,
                period=period,
                kind=kind,
                quotient_min=low,
                quotient_max=high,
                amount_cents=cents,
            )
    return cooperation, a, b, house_a, house_b, period


class World:
    """Everything a test needs: two cooperations, their houses and staff of every role."""


@pytest.fixture
def world(db):
    w = World()
    with scopes_disabled():
        (w.coop, w.assoc_a, w.assoc_b, w.house_a, w.house_b, w.period) = make_cooperation(
            "romans", "ROM"
        )
        (w.other_coop, w.other_assoc, _, w.other_house, _, w.other_period) = make_cooperation(
            "valence", "VAL"
        )
        w.alice = make_user(w.coop, "alice", "reception", w.assoc_a)
        w.bob = make_user(w.coop, "bob", "reception", w.assoc_b)
        w.charlie = make_user(w.other_coop, "charlie", "reception", w.other_assoc)
        w.director = make_user(w.coop, "direction", "director", w.assoc_a, w.assoc_b)
        w.coordinator = make_user(w.coop, "coordination", "coordinator", w.assoc_a)
        w.volunteer = make_user(w.coop, "benevole", "volunteer", w.assoc_a)
        w.evaluator = make_user(w.coop, "evaluation", "evaluator", w.assoc_a)
    return w


@pytest.fixture
def in_scope(world):
    """Run the test inside the scope of the main test cooperation."""
    with scope(cooperation=world.coop.pk):
        yield world


@pytest.fixture
def client_as(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def director(world):
    """The test cooperation's director, with the staff access the admin asks (as the demo and
    the admin itself give directors): not a superuser, the role is enough."""
    world.director.is_staff = True
    world.director.save(update_fields=["is_staff"])
    assert not world.director.is_superuser
    return world.director


class Inbox:
    """What a real SMTP server (aiosmtpd) received: the envelopes, and the messages parsed."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def parsed(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes
        ]


@pytest.fixture
def smtp_inbox(settings):
    """A real SMTP server on a free port of this machine, Django's mail sent to it."""
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    yield inbox
    controller.stop()
