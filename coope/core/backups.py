"""Backups of Coopé's database and their restore (`coope backup`, `coope restore`).

A backup is one archive, `coope-YYYYmmdd-HHMMSS.<engine>.backup` (UTC time; `-2`, `-3`... if
two are taken in the same second), and beside it a small JSON manifest, the archive's name
plus `.json`: Coopé's version, the engine, the last migration applied per app, the archive's
size and SHA-256. Both are written under a temporary name, synced, then renamed: a backup
directory never holds half an archive. Files are created 0600 and the directory 0700.

- PostgreSQL: `pg_dump --format=custom`, which reads one snapshot (a consistent copy while the
  application writes). Restored with `pg_restore --clean --if-exists --no-owner` piped into
  `psql --single-transaction`: the whole restore commits, or nothing changes.
- SQLite: the online backup API (`sqlite3.Connection.backup`) in one step, a copy of one moment
  while writers run (they wait for it a moment; in WAL mode they do not even wait), then
  `PRAGMA integrity_check` on the copy. Restored by copying the archive next to the database,
  syncing it and renaming it into place.

A restore checks the archive against its manifest (size, SHA-256) and refuses a backup of a
newer schema than the code's before touching anything; it refuses a database in use (the
application must be stopped), and a database that holds tables unless `--force`, in which case
the current database is first saved as a backup of its own. ENCRYPTION_KEY and SECRET_KEY are
not in a backup: the sensitive fields cannot be read without them (docs/backup.md).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump, pg_restore and psql, with argument lists
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from django.db.migrations.loader import MigrationLoader

MANIFEST_FORMAT = 1
ENGINES = {
    "django.db.backends.sqlite3": "sqlite",
    "django.db.backends.postgresql": "postgresql",
}
NAME_PATTERN = re.compile(
    r"^coope-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?\.(?P<engine>sqlite|postgresql)\.backup$"
)
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or a restore refused or failed; the message says why and what to do (French)."""


@dataclass
class Manifest:
    engine: str
    file: str
    size: int
    sha256: str
    created_at: str
    migrations: dict[str, str]
    coope_version: str = ""
    server_version: str = ""  # PostgreSQL: the server's version
    dump_version: str = ""  # PostgreSQL: pg_dump's version
    format: int = MANIFEST_FORMAT

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        known = set(cls.__dataclass_fields__)
        manifest = cls(**{key: value for key, value in data.items() if key in known})
        if not isinstance(manifest.migrations, dict) or not isinstance(manifest.size, int):
            raise ValueError("bad fields")
        return manifest


@dataclass
class Outcome:
    """What a backup or a restore did, for the command to say."""

    path: Path | None = None
    manifest: Manifest | None = None
    target: str = ""
    notes: list[str] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    safety: Path | None = None
    older: list[str] = field(default_factory=list)


# -- small helpers ---------------------------------------------------------------------------


def engine_of(database: dict[str, Any]) -> str:
    engine = ENGINES.get(database["ENGINE"])
    if engine is None:
        raise BackupError(
            f"Moteur de base non pris en charge : {database['ENGINE']} "
            "(Coopé sauvegarde PostgreSQL et SQLite)."
        )
    return engine


def coope_version() -> str:
    try:
        return metadata.version("coope")
    except metadata.PackageNotFoundError:
        return ""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def human_size(size: int) -> str:
    """A size as people read it: « 512 o », « 5,1 Mo »."""
    if size < 1024:
        return f"{size} o"
    value = float(size)
    for unit in ("ko", "Mo", "Go", "To"):
        value /= 1024
        if value < 1024 or unit == "To":
            break
    return f"{value:.1f} {unit}".replace(".", ",")


@contextmanager
def private_files() -> Iterator[None]:
    """Files created meanwhile (by us, sqlite3, pg_dump) are readable by their owner only."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def last_per_app(rows: list[tuple[str, str]]) -> dict[str, str]:
    """The last migration applied per app, from django_migrations rows in the order applied."""
    last: dict[str, str] = {}
    for app, name in rows:
        last[app] = name
    return dict(sorted(last.items()))


def code_migrations() -> tuple[set[tuple[str, str]], dict[str, set[str]]]:
    """The migrations this code knows, and the last one(s) of each app."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.graph.nodes)
    leaves: dict[str, set[str]] = {}
    for app, name in loader.graph.leaf_nodes():
        leaves.setdefault(app, set()).add(name)
    return known, leaves


def compare_schema(
    backup: dict[str, str], known: set[tuple[str, str]], leaves: dict[str, set[str]]
) -> tuple[list[str], list[str]]:
    """(newer, older): the backup's migrations this code does not know (a newer schema: refused),
    and the apps whose last migration in the backup is not the code's last (run migrate)."""
    ahead = {app for app, name in backup.items() if (app, name) not in known}
    newer = [f"{app} {backup[app]}" for app in sorted(ahead)]
    older = [
        f"{app} {backup.get(app, '(aucune)')} au lieu de {' / '.join(sorted(names))}"
        for app, names in sorted(leaves.items())
        if backup.get(app) not in names and app not in ahead
    ]
    return newer, older


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.partiel")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(tmp, path)


def prepare_directory(directory: Path) -> list[str]:
    """Create the directory 0700; a note when an existing one is open to others."""
    notes = []
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
        directory.chmod(0o700)
    elif not directory.is_dir():
        raise BackupError(f"{directory} existe et n'est pas un dossier.")
    elif directory.stat().st_mode & 0o077:
        notes.append(
            f"Attention : le dossier {directory} est lisible par d'autres comptes que le "
            f"sien (droits {oct(directory.stat().st_mode & 0o777)[2:]}) ; "
            f"les sauvegardes contiennent des données personnelles : chmod 700 {directory}"
        )
    return notes


def backup_name(directory: Path, engine: str, now: datetime.datetime) -> Path:
    stamp = now.astimezone(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    path = directory / f"coope-{stamp}.{engine}.backup"
    n = 1
    while path.exists() or path.with_name(path.name + ".json").exists():
        n += 1
        path = directory / f"coope-{stamp}-{n}.{engine}.backup"
    return path


def backups_in(directory: Path) -> list[tuple[datetime.datetime, int, Path]]:
    """The backups of a directory (by their names), newest first."""
    found = []
    for path in directory.iterdir() if directory.is_dir() else []:
        match = NAME_PATTERN.match(path.name)
        if match:
            taken = datetime.datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S").replace(
                tzinfo=datetime.UTC
            )
            found.append((taken, int(match["n"] or 1), path))
    return sorted(found, reverse=True)


def prune(directory: Path, *, keep: int, keep_weekly: int = 0) -> list[Path]:
    """Remove the backups beyond the `keep` newest, except, with `keep_weekly`, the newest of
    each of the last `keep_weekly` weeks that have one. Returns the archives removed."""
    backups = backups_in(directory)
    kept = {path for _taken, _n, path in backups[:keep]}
    weeks: list[tuple[int, int]] = []
    for taken, _n, path in backups:
        week = taken.isocalendar()[:2]
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.append(week)
            kept.add(path)
    removed = []
    for _taken, _n, path in backups:
        if path not in kept:
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".json").unlink(missing_ok=True)
            removed.append(path)
    return removed


# -- SQLite ----------------------------------------------------------------------------------


def sqlite_path(database: dict[str, Any]) -> Path:
    name = str(database["NAME"])
    if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        raise BackupError(
            "Cette base SQLite est en mémoire : il n'y a pas de fichier à sauvegarder."
        )
    return Path(name)


def _sqlite_migrations(connection: sqlite3.Connection) -> dict[str, str]:
    try:
        rows = connection.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
    except sqlite3.DatabaseError:
        return {}
    return last_per_app(rows)


def _sqlite_tables(path: Path) -> list[str]:
    if not path.exists() or path.stat().st_size == 0:
        return []
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    finally:
        connection.close()
    return [row[0] for row in rows]


def _sqlite_check(connection: sqlite3.Connection, what: str) -> None:
    rows = connection.execute("PRAGMA integrity_check").fetchall()
    if rows != [("ok",)]:
        problems = "; ".join(str(row[0]) for row in rows[:5])
        raise BackupError(
            f"{what} n'est pas une base SQLite intacte (integrity_check : {problems})."
        )


def _sqlite_backup(source: Path, destination: Path) -> dict[str, str]:
    """Copy `source` into `destination` in one step of the online backup API, check the copy."""
    if not source.is_file():
        raise BackupError(f"La base SQLite {source} n'existe pas : rien à sauvegarder.")
    src = sqlite3.connect(source, timeout=60)
    try:
        dest = sqlite3.connect(destination)
        try:
            # One step (pages=-1): the copy is of one moment, even while others write.
            src.backup(dest)
            # A self-contained file, whatever the journal mode of the source (WAL or not).
            dest.execute("PRAGMA journal_mode=DELETE")
            _sqlite_check(dest, "La copie")
            return _sqlite_migrations(dest)
        finally:
            dest.close()
    finally:
        src.close()


def processes_using(paths: list[Path]) -> list[int]:
    """Other processes that hold one of `paths` open (Linux /proc; those we may read)."""
    wanted = {str(path.resolve()) for path in paths if path.exists()}
    pids: list[int] = []
    proc = Path("/proc")
    if not wanted or not proc.is_dir():
        return pids
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            links = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:
            continue
        if links & wanted:
            pids.append(int(entry.name))
    return sorted(pids)


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _settle_sqlite(path: Path) -> None:
    """Fold a WAL or a hot journal into the database file, so no file beside it outlives it."""
    connection = sqlite3.connect(path, timeout=30)
    try:
        connection.execute("PRAGMA schema_version").fetchall()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        connection.close()
    for sidecar in _sidecars(path):
        sidecar.unlink(missing_ok=True)


def _sqlite_restore(archive: Path, target: Path) -> dict[str, str]:
    """Copy the archive next to the target, sync it, check it, rename it into place."""
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o600
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".restauration", dir=target.parent
    )
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, archive.open("rb") as source:
            shutil.copyfileobj(source, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        tmp.chmod(mode)
        copy = sqlite3.connect(f"file:{tmp}?mode=ro", uri=True)
        try:
            _sqlite_check(copy, "L'archive")
            migrations = _sqlite_migrations(copy)
        finally:
            copy.close()
        if target.exists():
            _settle_sqlite(target)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_path(target.parent)
    return migrations


# -- PostgreSQL ------------------------------------------------------------------------------


def pg_env(database: dict[str, Any]) -> dict[str, str]:
    """The libpq environment of a Django database: the password never shows in `ps`."""
    env = dict(os.environ)
    options = database.get("OPTIONS") or {}
    for key, value in (
        ("PGHOST", database.get("HOST")),
        ("PGPORT", database.get("PORT")),
        ("PGUSER", database.get("USER")),
        ("PGPASSWORD", database.get("PASSWORD")),
        ("PGDATABASE", database.get("NAME")),
        ("PGSSLMODE", options.get("sslmode")),
    ):
        if value:
            env[key] = str(value)
    env["PGAPPNAME"] = "coope-backup"
    env["PGOPTIONS"] = "-c client_min_messages=warning"
    return env


def pg_connect(database: dict[str, Any], dbname: str | None = None) -> Any:
    import psycopg
    import psycopg.conninfo

    params = {
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "dbname": dbname or database["NAME"],
        "sslmode": (database.get("OPTIONS") or {}).get("sslmode"),
        "application_name": "coope-backup",
    }
    conninfo = psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if v})
    try:
        return psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError as error:
        raise BackupError(
            f"Connexion impossible à la base PostgreSQL « {params['dbname']} » : {error}"
        ) from error


def tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} est introuvable : installez le client PostgreSQL de la version du serveur "
            f"(apt install postgresql-client-N) ou mettez son dossier en tête du PATH."
        )
    return found


def tool_major(name: str) -> tuple[int, str]:
    """(major, full version) of pg_dump, pg_restore or psql."""
    out = subprocess.run(  # noqa: S603
        [tool(name), "--version"], capture_output=True, text=True, check=False
    ).stdout
    match = re.search(r"(\d+)(?:\.(\d+))?", out)
    if not match:
        raise BackupError(f"Version de {name} illisible : « {out.strip()} ».")
    return int(match[1]), match[0]


def major_of(version: str) -> int:
    match = re.match(r"(\d+)", version or "")
    return int(match[1]) if match else 0


def dump_version_problem(dump_major: int, server_major: int) -> tuple[str | None, str | None]:
    """(refusal, note) for pg_dump `dump_major` against a server `server_major`."""
    if dump_major < server_major:
        return (
            f"pg_dump {dump_major} ne sait pas sauvegarder un serveur PostgreSQL {server_major} "
            f"(la version de pg_dump doit être au moins celle du serveur) : installez "
            f"postgresql-client-{server_major} et mettez /usr/lib/postgresql/{server_major}/bin "
            "en tête du PATH.",
            None,
        )
    if dump_major > server_major:
        return None, (
            f"Note : pg_dump {dump_major} sauvegarde un serveur PostgreSQL {server_major} ; "
            f"la restauration demandera pg_restore {dump_major} ou plus récent."
        )
    return None, None


def _pg_tables(database: dict[str, Any], dbname: str) -> list[str]:
    with pg_connect(database, dbname) as connection:
        rows = connection.execute(
            "SELECT n.nspname, c.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%'"
        ).fetchall()
    return [f"{schema}.{name}" for schema, name in rows]


def _pg_migrations(database: dict[str, Any], dbname: str) -> dict[str, str]:
    with pg_connect(database, dbname) as connection:
        exists = connection.execute("SELECT to_regclass('public.django_migrations')").fetchone()
        if not exists or exists[0] is None:
            return {}
        rows = connection.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
    return last_per_app(rows)


def _pg_others(database: dict[str, Any], dbname: str) -> int:
    with pg_connect(database, "postgres") as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [dbname],
        ).fetchone()
    return int(row[0]) if row else 0


def _pg_exists(database: dict[str, Any], dbname: str) -> bool:
    with pg_connect(database, "postgres") as connection:
        row = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [dbname]
        ).fetchone()
    return row is not None


def _pg_create(database: dict[str, Any], dbname: str) -> None:
    from psycopg import sql

    with pg_connect(database, "postgres") as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))


def _pg_dump(database: dict[str, Any], destination: Path) -> tuple[dict[str, str], str, str, str]:
    """Dump into `destination`; (migrations, server version, pg_dump version, note)."""
    dump_major, dump_version = tool_major("pg_dump")
    with pg_connect(database) as connection:
        server_num = connection.info.server_version
    server_major = server_num // 10000
    server_version = f"{server_major}.{server_num % 10000}"
    refusal, note = dump_version_problem(dump_major, server_major)
    if refusal:
        raise BackupError(refusal)
    migrations = _pg_migrations(database, database["NAME"])
    result = subprocess.run(  # noqa: S603
        [tool("pg_dump"), "--format=custom", f"--file={destination}"],
        env=pg_env(database),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump a échoué : {result.stderr.strip()}")
    return migrations, server_version, dump_version, note or ""


def _archive_tables(archive: Path, env: dict[str, str]) -> list[str]:
    result = subprocess.run(  # noqa: S603
        [tool("pg_restore"), "--list", str(archive)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore ne sait pas lire l'archive : {result.stderr.strip()}")
    tables = []
    for line in result.stdout.splitlines():
        parts = line.split()
        # "215; 1259 16385 TABLE public core_user owner"
        if len(parts) >= 6 and not line.startswith(";") and parts[3] == "TABLE":
            tables.append(f"{parts[4]}.{parts[5]}")
    return tables


def _pg_restore(archive: Path, database: dict[str, Any], dbname: str, extra: list[str]) -> None:
    """Restore in one transaction: pg_restore's script (with the tables of the target that the
    archive does not hold dropped first) piped into psql --single-transaction."""
    env = pg_env({**database, "NAME": dbname})
    prefix = "".join(
        'DROP TABLE IF EXISTS "{}"."{}" CASCADE;\n'.format(*name.split(".", 1)) for name in extra
    )
    restore = subprocess.Popen(  # noqa: S603
        [
            tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--file=-",
            str(archive),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    psql = subprocess.Popen(  # noqa: S603
        [tool("psql"), "-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert restore.stdout is not None and psql.stdin is not None
    try:
        psql.stdin.write(prefix.encode())
        while chunk := restore.stdout.read(CHUNK):
            psql.stdin.write(chunk)
    except BrokenPipeError:
        pass  # psql stopped on an error: said below
    finally:
        with suppress(BrokenPipeError):
            psql.stdin.close()
    restore_err = restore.stderr.read().decode(errors="replace") if restore.stderr else ""
    restore.wait()
    psql_err = psql.stderr.read().decode(errors="replace") if psql.stderr else ""
    psql.wait()
    if restore.returncode != 0 or psql.returncode != 0:
        raise BackupError(
            f"La restauration dans la base « {dbname} » a échoué et a été annulée (une seule "
            f"transaction : la base est restée comme avant). Restaurez plutôt dans une base "
            f"vide (--into-empty). Erreur : {(psql_err or restore_err).strip()[:2000]}"
        )


# -- backup ----------------------------------------------------------------------------------


def create_backup(
    database: dict[str, Any], directory: Path, *, now: datetime.datetime | None = None
) -> Outcome:
    """Write one archive and its manifest into `directory`."""
    engine = engine_of(database)
    now = now or datetime.datetime.now(datetime.UTC)
    with private_files():
        notes = prepare_directory(directory)
        path = backup_name(directory, engine, now)
        tmp = path.with_name(f".{path.name}.partiel")
        tmp.unlink(missing_ok=True)
        server_version = dump_version = ""
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            if engine == "sqlite":
                migrations = _sqlite_backup(sqlite_path(database), tmp)
            else:
                migrations, server_version, dump_version, note = _pg_dump(database, tmp)
                if note:
                    notes.append(note)
            tmp.chmod(0o600)
            fsync_path(tmp)
            manifest = Manifest(
                engine=engine,
                file=path.name,
                size=tmp.stat().st_size,
                sha256=sha256_of(tmp),
                created_at=now.astimezone(datetime.UTC).isoformat(timespec="seconds"),
                migrations=migrations,
                coope_version=coope_version(),
                server_version=server_version,
                dump_version=dump_version,
            )
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            for sidecar in _sidecars(tmp):
                sidecar.unlink(missing_ok=True)
            raise
        _write_private(path.with_name(path.name + ".json"), manifest.to_json())
        fsync_path(directory)
    return Outcome(path=path, manifest=manifest, notes=notes)


# -- restore ---------------------------------------------------------------------------------


def read_manifest(archive: Path) -> Manifest:
    manifest_path = archive.with_name(archive.name + ".json")
    if not archive.is_file():
        raise BackupError(f"Archive introuvable : {archive}.")
    try:
        return Manifest.from_json(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise BackupError(
            f"Le manifeste {manifest_path.name} manque à côté de l'archive : sans lui, "
            "son intégrité ne peut être vérifiée. Copiez-le avec l'archive."
        ) from error
    except (ValueError, TypeError) as error:
        raise BackupError(f"Le manifeste {manifest_path.name} est illisible ({error}).") from error


def verify(archive: Path, engine: str) -> Manifest:
    """Check an archive against its manifest and this code, before anything is touched."""
    manifest = read_manifest(archive)
    size = archive.stat().st_size
    if size != manifest.size or sha256_of(archive) != manifest.sha256:
        raise BackupError(
            f"L'archive {archive.name} est altérée : sa taille ou son empreinte SHA-256 ne "
            f"correspond pas à son manifeste ({size} octets pour {manifest.size} attendus). "
            "Rien n'a été restauré ; prenez une autre sauvegarde (ou une autre copie de celle-ci)."
        )
    if manifest.engine != engine:
        raise BackupError(
            f"Cette archive est une sauvegarde {manifest.engine} et la base configurée est "
            f"{engine} : restaurez-la sur une base {manifest.engine}."
        )
    known, leaves = code_migrations()
    newer, _older = compare_schema(manifest.migrations, known, leaves)
    if newer:
        raise BackupError(
            "Cette sauvegarde vient d'un schéma plus récent que ce code ("
            + ", ".join(newer)
            + ") : installez la version de Coopé qui l'a faite"
            + (f" ({manifest.coope_version})" if manifest.coope_version else "")
            + ", puis restaurez."
        )
    return manifest


def restore_backup(
    archive: Path,
    database: dict[str, Any],
    *,
    into_empty: str | None = None,
    force: bool = False,
    safety_dir: Path | None = None,
) -> Outcome:
    """Restore `archive` into the configured database, or into `into_empty` (a database name on
    the same PostgreSQL server, or a SQLite file path) which must not hold any table."""
    engine = engine_of(database)
    manifest = verify(archive, engine)
    if engine == "postgresql":
        restore_major, _ = tool_major("pg_restore")
        needed = major_of(manifest.dump_version)
        if restore_major < needed:
            raise BackupError(
                f"Cette archive a été écrite par pg_dump {needed} : pg_restore {restore_major} "
                f"ne sait pas la lire. Installez postgresql-client-{needed}."
            )
    target = dict(database)
    if into_empty:
        target["NAME"] = into_empty
    outcome = Outcome(manifest=manifest, target=str(target["NAME"]))

    if engine == "sqlite":
        path = sqlite_path(target)
        tables = _sqlite_tables(path)
        users = processes_using([path, *_sidecars(path)])
    else:
        _archive_tables(archive, pg_env(target))  # the archive reads
        if into_empty and not _pg_exists(target, into_empty):
            _pg_create(target, into_empty)
        tables = _pg_tables(target, target["NAME"])
        users = []
        others = _pg_others(target, target["NAME"])
    if tables and not force:
        raise BackupError(
            f"La base « {target['NAME']} » contient déjà {len(tables)} table(s) : la restauration "
            "la remplacerait. Ajoutez --force pour l'écraser (elle sera d'abord sauvegardée), "
            "ou restaurez dans une base vide avec --into-empty."
        )
    if engine == "sqlite" and users:
        raise BackupError(
            f"La base {path} est ouverte par d'autres processus ({', '.join(map(str, users))}) : "
            "arrêtez Coopé et son worker (systemctl stop coope-web coope-worker), puis relancez."
        )
    if engine == "postgresql" and others:
        raise BackupError(
            f"La base « {target['NAME']} » a {others} autre(s) connexion(s) ouverte(s) : arrêtez "
            "Coopé et son worker (systemctl stop coope-web coope-worker), puis relancez."
        )
    if tables:
        outcome.safety = create_backup(target, safety_dir or archive.parent).path
    if engine == "sqlite":
        migrations = _sqlite_restore(archive, path)
    else:
        extra = sorted(set(tables) - set(_archive_tables(archive, pg_env(target))))
        _pg_restore(archive, target, target["NAME"], extra)
        migrations = _pg_migrations(target, target["NAME"])
    known, leaves = code_migrations()
    _newer, outcome.older = compare_schema(migrations, known, leaves)
    return outcome
