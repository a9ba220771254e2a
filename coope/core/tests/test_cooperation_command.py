"""coope cooperation create: a cooperation, its first association and director for scripts;
a second run with the same slug says it exists, exits with 1 and writes nothing."""

import io

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from coope.core.models import Association, AuditEntry, Cooperation, StaffRole, User

pytestmark = pytest.mark.django_db

CREATE = [
    "coope",
    "cooperation",
    "create",
    "--slug",
    "diois",
    "--name",
    "Coopération du Diois",
    "--association",
    "Centre social du Diois",
    "--director-username",
    "nadia",
    "--director-email",
    "nadia@example.org",
]


def run(argv, capsys) -> tuple[int, str, str]:
    """The command as `coope` runs it: a refusal is a CommandError, which exits with its
    returncode and prints its message (the connection stays open, for the test's database)."""
    try:
        call_command(*argv[1:])
    except CommandError as error:
        out, _err = capsys.readouterr()
        return error.returncode, out, str(error)
    out, err = capsys.readouterr()
    return 0, out, err


def written() -> tuple[int, int, int]:
    with scopes_disabled():
        return Cooperation.objects.count(), User.objects.count(), AuditEntry.objects.count()


def test_created_then_exists(capsys):
    code, out, _err = run(CREATE, capsys)
    assert code == 0
    assert "Coopération « Coopération du Diois » créée (identifiant diois, cartes DIO-…)" in out
    password = out.rsplit(": ", 1)[1].strip()
    nadia = User.objects.get(username="nadia")
    assert nadia.check_password(password)
    with scopes_disabled():
        cooperation = Cooperation.objects.get(slug="diois")
        association = Association.objects.get(cooperation=cooperation)
        assert association.name == "Centre social du Diois"
        role = StaffRole.objects.get(user=nadia)
        assert (role.association, role.role) == (association, "director")
        assert nadia.cooperation == cooperation and nadia.is_staff
        assert {e.model for e in AuditEntry.objects.filter(cooperation=cooperation)} == {
            "core.cooperation",
            "core.association",
            "core.user",
            "core.staffrole",
        }
    before = written()
    code, out, err = run(
        [*CREATE[:-4], "--director-username", "autre", "--director-email", "a@example.org"], capsys
    )
    assert code == 1
    assert "La coopération « diois » existe déjà : rien n'a été écrit." in err
    assert written() == before


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--slug", "Diois Sud!", "--slug : « diois sud! » ne convient pas"),
        ("--card-prefix", "TROP-LONG", "--card-prefix : Assurez-vous"),
        (
            "--director-email",
            "nadia",
            "--director-email : Saisissez une adresse de courriel valide",
        ),
        (
            "--director-username",
            "na dia",
            "--director-username : Saisissez un nom d’utilisateur valide",
        ),
    ],
)
def test_bad_values_write_nothing(capsys, option, value, message):
    argv = list(CREATE)
    if option in argv:
        argv[argv.index(option) + 1] = value
    else:
        argv += [option, value]
    code, _out, err = run(argv, capsys)
    assert code == 1
    assert "Rien n'a été écrit" in err and message in err
    assert written() == (0, 0, 0)


def test_a_taken_username_writes_nothing(world, capsys):
    before = written()
    argv = list(CREATE)
    argv[argv.index("--director-username") + 1] = "alice"
    code, _out, err = run(argv, capsys)
    assert code == 1 and "« alice » est déjà pris" in err
    assert written() == before


def test_the_password_is_read_from_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("jardin-partage-26\n"))
    code, out, _err = run([*CREATE, "--password-stdin"], capsys)
    assert code == 0 and "jardin-partage-26" not in out and "Mot de passe initial" not in out
    assert User.objects.get(username="nadia").check_password("jardin-partage-26")
    monkeypatch.setattr("sys.stdin", io.StringIO("court\n"))
    argv = [*CREATE, "--password-stdin"]
    argv[argv.index("--slug") + 1] = "diois-2"
    argv[argv.index("--director-username") + 1] = "nadia2"
    code, _out, err = run(argv, capsys)
    assert code == 1 and "--password-stdin : Ce mot de passe est trop court" in err
    assert not Cooperation.objects.filter(slug="diois-2").exists()
