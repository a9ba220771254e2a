"""The import and export pages, as reception and directors use them, and who may not."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scope
from openpyxl import load_workbook

from coope.core.models import AuditEntry
from coope.people.models import Person
from coope.people.services import create_person
from coope.people.tests.spreadsheet_files import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

GOOD = [
    ["prenom", "nom", "date_naissance", "maison"],
    ["Élodie", "Dupont", "04/05/1980", "A"],
    ["Karim", "Benali", "", "B"],
]
BAD = [*GOOD, ["Awa", "Diallo", "1985/31/12", "A"], ["Zoé", "Martin", "", "Maison Z"]]


@pytest.fixture(autouse=True)
def fast_passwords_and_private_uploads(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.COOPE_IMPORT_DIR = tmp_path / "imports"


def upload(client, rows, *, kind="people", name="liste.csv", content=None):
    file = SimpleUploadedFile(
        name, csv_bytes(rows, encoding="latin-1") if content is None else content
    )
    return client.post(reverse("data:import"), {"kind": kind, "file": file})


def names(coop):
    with scope(cooperation=coop.pk):
        return sorted(Person.objects.values_list("first_name", flat=True))


def test_a_good_file_is_previewed_then_imported(world, client_as, settings):
    client = client_as(world.alice)
    response = upload(client, GOOD)
    assert response.status_code == 302
    preview_url = response.url
    response = client.get(preview_url)
    assert response.status_code == 200
    page = response.text
    assert (
        "Latin-1 (Windows)" in page
        and "Lignes à importer : <strong>2</strong> · correctes : <strong>2</strong> · à corriger : <strong>0</strong>"
        in page
    )
    assert "Élodie" in page and "personnes créées : <strong>2</strong>" in page
    assert 'value="all"' in page and 'value="good"' not in page
    assert names(world.coop) == []  # the preview writes nothing

    assert "2\u202fnouvelles lignes, 0\u202fdéjà présente" not in page  # small numbers
    assert "2 nouvelles lignes, 0 déjà présente" in page

    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    response = client.post(reverse("data:import_confirm", args=[token]), {"mode": "all"})
    assert response.status_code == 302 and response.url == preview_url  # the job's page
    page = client.get(response.url).text
    assert (
        "« liste.csv » a été importé." in page and "personnes créées : <strong>2</strong>" in page
    )
    assert names(world.coop) == ["Karim", "Élodie"]
    assert list((settings.COOPE_IMPORT_DIR).iterdir()) == []  # the uploaded file is gone
    with scope(cooperation=world.coop.pk):
        assert set(AuditEntry.objects.values_list("actor__username", flat=True)) == {"alice"}
    # A second click on « Importer » imports nothing more.
    client.post(reverse("data:import_confirm", args=[token]), {"mode": "all"})
    assert names(world.coop) == ["Karim", "Élodie"]


def test_bad_rows_are_listed_and_block_the_import_until_only_good_rows_is_chosen(world, client_as):
    client = client_as(world.alice)
    preview_url = upload(client, BAD).url
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    page = client.get(preview_url).text
    assert "correctes : <strong>2</strong> · à corriger : <strong>2</strong>" in page
    assert (
        '<th scope="col">Ligne</th><th scope="col">Colonne</th><th scope="col">Problème</th>'
        in page
    )
    assert "<td>4</td><td>date_naissance (C)</td>" in page
    assert "<td>5</td><td>maison (D)</td>" in page and "Maison « Maison Z » inconnue" in page
    assert 'value="all"' not in page and "Importer seulement les lignes correctes (2)" in page

    # "Importer" forced anyway: nothing is written.
    response = client.post(reverse("data:import_confirm", args=[token]), {"mode": "all"})
    assert response.url == preview_url and names(world.coop) == []

    response = client.post(
        reverse("data:import_confirm", args=[token]), {"mode": "good"}, follow=True
    )
    assert "2 lignes n'ont pas été importées" in response.text and "1985/31/12" in response.text
    assert names(world.coop) == ["Karim", "Élodie"]


def test_cancel_writes_nothing_and_forgets_the_file(world, client_as, settings):
    client = client_as(world.alice)
    preview_url = upload(client, GOOD).url
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    response = client.post(reverse("data:import_cancel", args=[token]), follow=True)
    assert "Import annulé : rien n&#x27;a été enregistré." in response.text
    assert names(world.coop) == [] and list(settings.COOPE_IMPORT_DIR.iterdir()) == []
    assert (
        client.post(reverse("data:import_confirm", args=[token]), {"mode": "all"}).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("vide.csv", b"", "est vide"),
        (
            "coupé.xlsx",
            xlsx_bytes([["prenom", "nom"], ["Élodie", "Dupont"]])[:400],
            "incomplet ou abîmé",
        ),
        ("photo.png", b"\x89PNG....", "Envoyez un fichier .csv, .xlsx ou .ods."),
    ],
)
def test_an_unreadable_file_is_refused_on_the_upload_page(world, client_as, name, content, message):
    response = upload(client_as(world.alice), [], name=name, content=content)
    assert response.status_code == 200 and message in response.text.replace("&#x27;", "'")


def test_who_may_import_and_export(world, client_as, client):
    assert client.get(reverse("data:import")).status_code == 302  # to the login page
    for user in (world.volunteer, world.evaluator):
        assert client_as(user).get(reverse("data:import")).status_code == 403
        assert upload(client_as(user), GOOD).status_code == 403
    for user in (world.volunteer, world.evaluator, world.alice):
        url = reverse("data:export", kwargs={"slug": "personnes", "fmt": "xlsx"})
        assert client_as(user).get(url).status_code == 403
    assert client_as(world.volunteer).get(reverse("data:index")).status_code == 403
    # Coordinators import (attendance, volunteer hours, collections) and export.
    page = client_as(world.coordinator).get(reverse("data:index")).text
    assert "Importer un fichier" in page and "/donnees/export/personnes.ods" in page
    assert names(world.coop) == []


def test_export_download_honours_sensitive_columns(world, client_as):
    with scope(cooperation=world.coop.pk):
        create_person(
            actor=world.alice,
            cooperation=world.coop,
            first_name="Élodie",
            last_name="Dupont",
            notes="suivi RSA",
        )
    url = reverse("data:export", kwargs={"slug": "personnes", "fmt": "xlsx"})
    response = client_as(world.director).get(url)
    assert response.status_code == 200
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith('attachment; filename="personnes-romans-')
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].values)
    assert rows[0][-1] == "Notes" and rows[1][-1] == "suivi RSA"
    rows = list(
        load_workbook(io.BytesIO(client_as(world.coordinator).get(url).content))
        .worksheets[0]
        .values
    )
    assert "Notes" not in rows[0] and "suivi RSA" not in rows[1]
    assert (
        client_as(world.director).get(reverse("data:export", args=["inconnus", "csv"])).status_code
        == 404
    )
    assert (
        client_as(world.director).get(reverse("data:export", args=["personnes", "pdf"])).status_code
        == 404
    )


def test_another_cooperation_never_sees_nor_touches_our_import(world, client_as):
    from django.test import Client

    alice = client_as(world.alice)
    preview_url = upload(alice, GOOD).url
    token = preview_url.rstrip("/").rsplit("/", 1)[1]

    charlie = Client()
    charlie.force_login(world.charlie)
    assert charlie.get(preview_url).status_code == 404
    assert (
        charlie.post(reverse("data:import_confirm", args=[token]), {"mode": "all"}).status_code
        == 404
    )
    assert charlie.post(reverse("data:import_cancel", args=[token])).status_code == 404
    assert names(world.coop) == [] and names(world.other_coop) == []

    assert alice.get(preview_url).status_code == 200  # Alice's import is still waiting for her

    valence_director = Client()
    with scope(cooperation=world.other_coop.pk):
        from coope.conftest import make_user

        director = make_user(world.other_coop, "direction-valence", "director", world.other_assoc)
    valence_director.force_login(director)
    response = valence_director.get(reverse("data:export", args=["personnes", "csv"]))
    assert response.status_code == 200 and "Élodie" not in response.content.decode("utf-8-sig")


def test_charlie_imports_into_his_own_cooperation(world, client_as):
    client = client_as(world.charlie)
    rows = [
        ["prenom", "nom", "maison"],
        ["Valentin", "Valence", "A"],
        ["Zoé", "Valence", "Maison A romans"],
    ]
    preview_url = upload(client, rows).url
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    page = client.get(preview_url).text
    # Our houses are unknown to him, and never listed to him.
    assert "Maison « Maison A romans » inconnue" in page and "Maison A valence (A)" in page
    assert "Maison B romans" not in page
    client.post(reverse("data:import_confirm", args=[token]), {"mode": "all"})
    assert names(world.other_coop) == []
    preview_url = upload(client, rows[:2]).url
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    client.post(reverse("data:import_confirm", args=[token]), {"mode": "all"})
    assert names(world.other_coop) == ["Valentin"] and names(world.coop) == []
    with scope(cooperation=world.other_coop.pk):
        assert Person.objects.get().home_house == world.other_house
