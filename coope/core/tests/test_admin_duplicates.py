"""Every admin whose model has a unique field or constraint answers a duplicate with a form error
in French: no error page, nothing written, no audit entry. The test walks the admin's registry,
so a new model with a unique constraint is walked too (and fails here until it has a row to
copy in `rows`)."""

import datetime
import html
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.db import models
from django.db.models import UniqueConstraint
from django_scopes import scope, scopes_disabled

from coope.activities.models import Activity
from coope.cannery import services as cannery
from coope.cannery.models import Cannery, Producer, Recipe
from coope.core.models import AuditEntry, ProjectGroup, User
from coope.membership.models import Membership
from coope.people.models import Person
from coope.timebank.models import Category, CategoryLimit, TimebankRules

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform(db):
    """A platform administrator: a superuser of no cooperation."""
    return User.objects.create_superuser("plateforme", "ops@example.org", "ops-pass-4521")


# Models whose admin is not ours (Django's groups, django-axes, django-tasks-db).
OURS = ("core", "people", "membership", "activities", "volunteering", "timebank", "cannery")


class FormValues(HTMLParser):
    """What a browser would post from the admin's main form: inputs, checked boxes, selected
    options and text areas, by name."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self.values.setdefault(name, []).append(a.get("value") or default)
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.values.setdefault(self._textarea, []).append("".join(self._text).lstrip("\n"))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def form_values(response) -> dict[str, list[str]]:
    parser = FormValues()
    parser.feed(response.content.decode())
    return parser.values


def unique_checks(model) -> list:
    checks: list = [f.name for f in model._meta.fields if f.unique and not f.primary_key]
    checks += list(model._meta.unique_together)
    checks += [c for c in model._meta.constraints if isinstance(c, UniqueConstraint)]
    return checks


def walked(as_platform: bool) -> list[type[models.Model]]:
    """Every registered model of ours with a unique check whose admin lets its user add rows."""
    return [
        model
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in OURS
        and unique_checks(model)
        and type(model_admin).has_add_permission.__qualname__ != "ReadOnlyAdmin.has_add_permission"
        and not (model._meta.label == "core.Cooperation" and not as_platform)
    ]


@pytest.fixture
def rows(world):
    """One row of each walked model in the test cooperation, to copy."""
    with scope(cooperation=world.coop.pk):
        activity = Activity.objects.create(
            cooperation=world.coop, title="Conserverie mobile", kind="workshop", programme="cannery"
        )
        person = Person.objects.create(cooperation=world.coop, first_name="Rose", last_name="Vial")
        made = [
            world.coop,
            world.assoc_a,
            world.house_a,
            world.alice,
            ProjectGroup.objects.create(cooperation=world.coop, name="Alimentation", slug="alim"),
            Membership.objects.create(
                cooperation=world.coop,
                period=world.period,
                person=person,
                house=world.house_a,
                card_number="ROM-0001",
                fee_cents=500,
                payment_method="cash",
                valid_from=datetime.date(2018, 1, 1),
                valid_until=datetime.date(2018, 12, 31),
            ),
            Cannery.objects.create(cooperation=world.coop, activity=activity),
            Producer.objects.create(
                cooperation=world.coop, name="Ferme des Chirouzes", commune="Triors"
            ),
            Recipe.objects.create(
                cooperation=world.coop,
                code="CONF",
                name="Confiture",
                sterilisation_minutes=40,
                sterilisation_celsius=100,
                shelf_life_days=365,
            ),
            next(
                loc
                for loc in cannery.ensure_locations(cooperation=world.coop)
                if loc.house_id == world.house_a.pk
            ),
            TimebankRules.objects.create(cooperation=world.coop),
            CategoryLimit.objects.create(
                cooperation=world.coop, kind="member", min_balance_minutes=-600
            ),
            Category.objects.create(cooperation=world.coop, name="Bricolage"),
        ]
    return {type(obj): obj for obj in made}


# What an add form asks that its change form does not show (a new account's password).
ADD_ONLY = {User: {"password1": ["un-mot-de-passe-long"], "password2": ["un-mot-de-passe-long"]}}
# What the change form shows that the add form does not take.
DROP = {"csrfmiddlewaretoken", "_save", "_continue", "_addanother"}


def duplicate_of(client, obj) -> dict[str, list[str]]:
    """The add form of `obj`'s admin filled with `obj`'s own values, inlines left empty."""
    meta = obj._meta
    base = f"/admin/{meta.app_label}/{meta.model_name}/"
    change = client.get(f"{base}{obj.pk}/change/")
    assert change.status_code == 200, (meta.label, change.status_code)
    add = client.get(f"{base}add/")
    assert add.status_code == 200, (meta.label, add.status_code)
    values, added = form_values(change), form_values(add)
    data = {
        name: values.get(name, value)
        for name, value in added.items()
        if name not in DROP and "-" not in name  # inline rows: none
    }
    for name in added:  # every inline: no row
        if name.endswith("-TOTAL_FORMS") or name.endswith("-INITIAL_FORMS"):
            data[name] = ["0"]
    data.update(ADD_ONLY.get(type(obj), {}))
    if "reason" in data:  # the TIC-TAC settings ask why
        data["reason"] = ["Essai d'un doublon"]
    return data


@pytest.mark.parametrize("who", ["director", "platform"])
def test_a_duplicate_in_every_admin_is_a_form_error_and_writes_nothing(
    who, request, world, rows, client_as
):
    user = request.getfixturevalue(who)
    as_platform = who == "platform"
    client = client_as(user)
    models_walked = walked(as_platform)
    missing = {m._meta.label for m in models_walked} - {m._meta.label for m in rows}
    assert not missing, f"No row to copy for {missing}: add one to the `rows` fixture"
    assert len(models_walked) >= 12
    for model in models_walked:
        obj = rows[model]
        data = duplicate_of(client, obj)
        if as_platform and "cooperation" in data:
            data["cooperation"] = [str(world.coop.pk)]
        with scopes_disabled():
            before = model._base_manager.count()
            audited = AuditEntry.objects.count()
        try:
            response = client.post(
                f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/add/", data
            )
        except Exception as error:  # the client re-raises what would be an error page
            pytest.fail(f"{model._meta.label}: {type(error).__name__}: {error}")
        label = model._meta.label
        assert response.status_code == 200, (label, response.status_code)
        page = html.unescape(response.content.decode())
        assert 'class="errornote"' in page, (label, form_errors(response))
        errors = form_errors(response)
        assert errors and all(said_taken(message) for message in errors), (label, errors)
        with scopes_disabled():
            assert model._base_manager.count() == before, label
            assert AuditEntry.objects.count() == audited, label


def said_taken(message: str) -> bool:
    return "déjà" in message


def form_errors(response) -> list[str]:
    adminform = response.context["adminform"]
    return [str(message) for messages in adminform.form.errors.values() for message in messages]
