"""The test-only programme plugs in by its declaration alone (coope/tests_plugin/apps.py): no
shared file names it, yet it is in the menu, the permission table, the URLs, the time-currency
payees, the demo, the first report's sections and the figure registry."""

import datetime
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from coope.core.models import Cooperation
from coope.core.permissions import PERMISSIONS, Role
from coope.core.plugins import payees, programmes, report_sections
from coope.lib.indicators import Scope, registry
from coope.lib.periods import Period
from coope.people.services import create_person
from coope.reports.models import SectionFigure
from coope.tests_plugin.models import TrialVisit
from coope.timebank import services as timebank
from coope.timebank.models import Account, account_kind_choices, account_kind_label

pytestmark = pytest.mark.django_db

MENU_LINK = '<a href="/essai/">Essai</a>'


def test_it_is_installed_only_because_the_tests_name_it():
    assert "coope.tests_plugin" in settings.COOPE_EXTRA_APPS
    assert apps.is_installed("coope.tests_plugin")
    from coope.settings import coope_apps

    production = coope_apps(Path(settings.BASE_DIR) / "coope", [])
    assert "coope.tests_plugin" not in production
    assert {"coope.core", "coope.cannery", "coope.timebank"} <= set(production)


def test_no_shared_file_of_the_product_names_it():
    root = Path(settings.BASE_DIR)
    mentions = [
        str(path.relative_to(root))
        for pattern in ("coope/**/*.py", "coope/templates/**/*.html", "pyproject.toml")
        for path in root.glob(pattern)
        if not {"tests_plugin", "tests"} & set(path.relative_to(root).parts)
        and "tests_plugin" in path.read_text(encoding="utf-8")
    ]
    assert mentions == ["pyproject.toml"]  # which loads it for pytest


def test_its_menu_entry_shows_to_a_role_with_its_permission_and_not_to_another(world, client_as):
    coordinator = client_as(world.coordinator)
    assert MENU_LINK in coordinator.get(reverse("people:desk")).content.decode()
    assert coordinator.get(reverse("tests_plugin:index")).status_code == 200
    reception = client_as(world.alice)
    page = reception.get(reverse("people:desk")).content.decode()
    assert reverse("people:desk") in page  # the menu is there, without the trial's entry
    assert MENU_LINK not in page
    assert reception.get(reverse("tests_plugin:index")).status_code == 403


def test_its_permission_is_in_the_permission_table(world):
    assert PERMISSIONS["tests_plugin.view"] == {Role.DIRECTOR, Role.COORDINATOR}
    assert world.director.has_coope_perm("tests_plugin.view")
    assert not world.evaluator.has_coope_perm("tests_plugin.view")


def test_its_programme_is_declared():
    assert str(programmes()["trial"].label) == "Programme d'essai"


def test_its_payee_is_paid_in_hours_with_its_label(world):
    assert ("trial_counter", "Comptoir d'essai") in [(c, str(label)) for c, label in payees()]
    assert "trial_counter" in dict(account_kind_choices())
    with scope(cooperation=world.coop.pk):
        person = create_person(
            actor=world.alice, cooperation=world.coop, first_name="Inès", last_name="Essai"
        )
        timebank.open_account(actor=world.director, person=person, registered_with=world.assoc_a)
        timebank.pay_in_time(
            actor=world.director,
            payer=person,
            payee_kind="trial_counter",
            association=world.assoc_a,
            minutes=30,
            item=None,
            idempotency_key="essai-1",
            memo="Essai",
        )
        counter = Account.objects.get(kind="trial_counter", association=world.assoc_a)
        assert counter.balance_minutes == 30
        assert account_kind_label(counter.kind) == "Comptoir d'essai"
        assert counter.get_kind_display() == "Comptoir d'essai"
        with pytest.raises(ValidationError):  # a kind no app declares is refused
            timebank.pay_in_time(
                actor=world.director,
                payer=person,
                payee_kind="undeclared",
                association=world.assoc_a,
                minutes=30,
                item=None,
                idempotency_key="essai-2",
            )


def test_a_declared_payee_needs_no_timebank_migration():
    call_command("makemigrations", "timebank", "--check", "--dry-run", verbosity=0)


def test_its_figure_is_registered_and_counts_its_records(world):
    with scope(cooperation=world.coop.pk):
        TrialVisit.objects.create(cooperation=world.coop, date=datetime.date(2018, 3, 1))
        TrialVisit.objects.create(cooperation=world.coop, date=datetime.date(2019, 3, 1))
        figure = registry()["tests_plugin.visits"]
        assert figure.value(Scope(world.coop, Period.year(2018))) == 1


def test_its_section_is_in_the_first_report(world, tmp_path, capsys):
    sections = dict(report_sections())
    assert sections["tests_plugin"]["title"] == "Programme d'essai"
    call_command(
        "report", "--cooperation", "romans", "--year", "2018", "--json", str(tmp_path / "r.json")
    )
    data = json.loads((tmp_path / "r.json").read_text())
    assert "Programme d'essai" in [s["title"] for s in data["sections"]]
    with scopes_disabled():
        assert SectionFigure.objects.filter(indicator_key="tests_plugin.visits").exists()


def test_the_demo_runs_its_builder(capsys):
    call_command("demo")
    with scopes_disabled():
        assert set(TrialVisit.objects.values_list("cooperation__slug", flat=True)) == {
            "romans",
            "valence",
        }
        assert Cooperation.objects.count() == 2
