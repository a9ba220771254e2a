"""`coope restore ARCHIVE [--force] [--into-empty CIBLE]`: put a backup of `coope backup` back,
after checking it against its manifest and the code's migrations (see docs/backup.md)."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from coope.core.backups import BackupError, restore_backup
from coope.core.management.commands.backup import default_dir


def taken_at(created_at: str) -> str:
    try:
        taken = datetime.datetime.fromisoformat(created_at)
    except ValueError:
        return created_at
    return f"{taken:%d/%m/%Y à %H:%M:%S} UTC"


def database_url(name: str) -> str:
    """The DATABASE_URL of a database restored with --into-empty (without its password)."""
    database = settings.DATABASES["default"]
    if "sqlite" in database["ENGINE"]:
        return f"sqlite:///{Path(name).resolve()}"
    user = f"{database['USER']}@" if database.get("USER") else ""
    host = database.get("HOST") or "localhost"
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"postgres://{user}{host}{port}/{name}"


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde de « coope backup » dans la base configurée (ou dans une base "
        "vide avec --into-empty), après avoir vérifié son empreinte SHA-256 et son schéma. "
        "Coopé et son worker doivent être arrêtés."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="le fichier coope-….backup")
        parser.add_argument(
            "--force",
            action="store_true",
            help="écraser une base qui contient déjà des tables (elle est d'abord sauvegardée)",
        )
        parser.add_argument(
            "--into-empty",
            metavar="CIBLE",
            default=None,
            help="restaurer dans une autre base, vide : un nom de base sur le même serveur "
            "PostgreSQL (créée si besoin), ou un chemin de fichier SQLite (pour un exercice de "
            "restauration)",
        )
        parser.add_argument(
            "--dir",
            type=Path,
            default=None,
            help="où sauvegarder la base écrasée avec --force (par défaut celui de coope backup)",
        )

    def handle(self, *args, **options):
        archive: Path = options["archive"]
        connections.close_all()  # this process does not hold the database open
        try:
            outcome = restore_backup(
                archive,
                settings.DATABASES["default"],
                into_empty=options["into_empty"],
                force=options["force"],
                safety_dir=options["dir"] or default_dir(),
            )
        except BackupError as error:
            raise CommandError(f"Restauration refusée : {error}") from error
        assert outcome.manifest is not None
        if outcome.safety:
            self.stdout.write(f"La base remplacée a d'abord été sauvegardée : {outcome.safety}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde du {taken_at(outcome.manifest.created_at)} restaurée dans "
                f"« {outcome.target} » "
                "(empreinte SHA-256 vérifiée)."
            )
        )
        target_env = ""
        if options["into_empty"]:
            target_env = f"DATABASE_URL={database_url(outcome.target)} "
        if outcome.older:
            self.stdout.write(
                self.style.WARNING(
                    "Cette sauvegarde vient d'un schéma plus ancien que ce code ("
                    + "; ".join(outcome.older)
                    + f") : lancez maintenant « {target_env}coope migrate », "
                    f"puis « {target_env}coope check »."
                )
            )
        else:
            self.stdout.write(f"Vérifiez les données restaurées : « {target_env}coope check ».")
