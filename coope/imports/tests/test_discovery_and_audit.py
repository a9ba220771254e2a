"""Import kinds are found by discovery, no app imports another app's importer, and every record
an import writes has its audit entry, bulk-created with the rows."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

import coope
from coope.core.models import AuditEntry
from coope.imports import Importer, kind_aliases, kinds, run_import
from coope.people.models import HouseholdMember, Person
from coope.people.tests.spreadsheet_files import csv_bytes

pytestmark = pytest.mark.django_db

ROOT = Path(coope.__file__).parent


def test_the_kinds_are_read_from_every_apps_declaration():
    # Every app's kinds (and a test-only app's, when installed), each under its code.
    assert set(kinds()) >= {
        "people",
        "households",
        "memberships",
        "attendance",
        "volunteer_hours",
        "collections",
    }
    found = list(kinds())
    assert found.index("people") < found.index("households") < found.index("memberships")
    assert all(issubclass(importer, Importer) for importer in kinds().values())
    aliases = kind_aliases()
    assert aliases["personnes"] == "people" and aliases["presences"] == "attendance"
    assert aliases["benevolat"] == "volunteer_hours" and aliases["collectes"] == "collections"


def test_no_app_imports_another_apps_importer_and_the_framework_lives_apart():
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        app = path.relative_to(ROOT).parts[0]
        imports = re.findall(r"^\s*(?:from|import) coope\.(\w+)\.importing", path.read_text(), re.M)
        for other in imports:
            if other != app and "tests" not in path.parts:
                offenders.append(f"{path.relative_to(ROOT)} -> {other}")
    assert offenders == []
    people = (ROOT / "people" / "importing.py").read_text()
    assert re.findall(r"^class (\w+)\(", people, re.M) == [
        "PersonImporter",
        "HouseholdImporter",
        "MembershipImporter",
    ]
    assert "def run_import" not in people and "KINDS" not in people


def _people_rows(count):
    return [{"prenom": f"Prénom{i}", "nom": f"Nom{i}", "maison": "A"} for i in range(count)]


def test_every_person_imported_has_one_import_entry_written_in_one_insert(world):
    with scope(cooperation=world.coop.pk), CaptureQueriesContext(connection) as queries:
        report = run_import("people", _people_rows(40), actor=world.alice, cooperation=world.coop)
    assert report.written and report.counts == {"personnes créées": 40}
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "core_auditentry"')]
    assert len(inserts) == 1  # the rows' entries, bulk-created together
    with scope(cooperation=world.coop.pk):
        entries = AuditEntry.objects.filter(model="people.person")
        assert entries.count() == 40 == Person.objects.count()
        assert set(entries.values_list("action", "actor")) == {("import", world.alice.pk)}
        assert {e.changes["via"] for e in entries} == {"create"}
        assert set(entries.values_list("object_id", flat=True)) == {
            str(pk) for pk in Person.objects.values_list("pk", flat=True)
        }
        assert not AuditEntry.objects.exclude(action="import").exists()


def test_records_no_service_audits_are_audited_too(world):
    """The household link rows are saved by the service without an entry of their own."""
    with scope(cooperation=world.coop.pk):
        run_import("people", _people_rows(2), actor=world.alice, cooperation=world.coop)
        report = run_import(
            "households",
            [{"foyer": "Famille Nom", "prenom": f"Prénom{i}", "nom": f"Nom{i}"} for i in range(2)],
            actor=world.alice,
            cooperation=world.coop,
        )
        assert report.written
        links = HouseholdMember.objects.all()
        assert links.count() == 2
        for link in links:
            entry = AuditEntry.objects.get(
                model="people.householdmember", object_id=str(link.pk), action="import"
            )
            assert entry.changes["via"] == "create" and entry.changes["person_id"] == link.person_id


def test_refused_rows_and_dry_runs_leave_no_entry(world):
    rows = [*_people_rows(2), {"prenom": "", "nom": "Sans prénom", "maison": "A"}]
    with scope(cooperation=world.coop.pk):
        report = run_import("people", rows, actor=world.alice, cooperation=world.coop, dry_run=True)
        assert not report.written and not AuditEntry.objects.exists()
        report = run_import("people", rows, actor=world.alice, cooperation=world.coop)
        assert not report.written and not AuditEntry.objects.exists()
        report = run_import(
            "people", rows, actor=world.alice, cooperation=world.coop, only_good_rows=True
        )
        assert report.written and report.bad_row_count == 1
        assert AuditEntry.objects.filter(action="import").count() == 2 == Person.objects.count()


def test_the_command_imports_by_french_name_and_audits_with_no_actor(world, tmp_path):
    path = tmp_path / "personnes.csv"
    path.write_bytes(
        csv_bytes([["prenom", "nom", "maison"], ["Awa", "Diallo", "A"], ["Zoé", "Roux", "B"]])
    )
    call_command("import", "personnes", str(path), cooperation="romans")
    with scope(cooperation=world.coop.pk):
        entries = AuditEntry.objects.filter(model="people.person")
        assert entries.count() == 2
        assert set(entries.values_list("action", "actor")) == {("import", None)}


def test_every_name_the_package_offers_is_there():
    """coope.imports imports its names at first use (the package is also an app)."""
    import coope.imports as package

    assert all(getattr(package, name) is not None for name in package.__all__)
    with pytest.raises(AttributeError):
        package.nothing_of_the_kind  # noqa: B018


def test_new_and_present_speaks_french_numbers():
    from coope.imports import new_and_present

    assert new_and_present(0, 2635) == "0 nouvelle ligne, 2\u202f635 déjà présentes"
    assert new_and_present(1, 1) == "1 nouvelle ligne, 1 déjà présente"
    assert new_and_present(12_000, 0) == "12\u202f000 nouvelles lignes, 0 déjà présente"
