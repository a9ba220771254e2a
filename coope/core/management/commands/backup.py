"""`coope backup [--dir D] [--keep N] [--keep-weekly W]`: one archive of the database, and its
manifest, consistent while Coopé runs (see coope/core/backups.py and docs/backup.md)."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coope.core.backups import BackupError, create_backup, human_size, prune


def default_dir() -> Path:
    return Path(os.environ.get("BACKUP_DIR") or settings.BASE_DIR / "var" / "backups")


def positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError as error:
        raise CommandError(f"« {value} » n'est pas un nombre entier.") from error
    if number < 1:
        raise CommandError(f"« {value} » : il faut garder au moins 1 sauvegarde.")
    return number


class Command(BaseCommand):
    help = (
        "Sauvegarde la base de Coopé (PostgreSQL : pg_dump ; SQLite : copie en ligne) dans une "
        "archive coope-AAAAMMJJ-HHMMSS.<moteur>.backup et son manifeste JSON, même pendant que "
        "Coopé tourne."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            type=Path,
            default=None,
            help="dossier des sauvegardes (par défaut BACKUP_DIR, sinon var/backups)",
        )
        parser.add_argument(
            "--keep",
            type=positive,
            default=None,
            help="garder les N sauvegardes les plus récentes de ce dossier, supprimer les autres",
        )
        parser.add_argument(
            "--keep-weekly",
            type=positive,
            default=0,
            help="avec --keep, garder aussi la plus récente de chacune des W dernières semaines",
        )

    def handle(self, *args, **options):
        directory = options["dir"] or default_dir()
        if options["keep_weekly"] and not options["keep"]:
            raise CommandError("--keep-weekly va avec --keep (ex. --keep 14 --keep-weekly 8).")
        try:
            outcome = create_backup(settings.DATABASES["default"], directory)
        except BackupError as error:
            raise CommandError(f"Sauvegarde impossible : {error}") from error
        for note in outcome.notes:
            self.stderr.write(self.style.WARNING(note))
        assert outcome.path is not None and outcome.manifest is not None
        self.stdout.write(
            self.style.SUCCESS(
                f"Sauvegarde écrite : {outcome.path} ({human_size(outcome.manifest.size)}, "
                f"SHA-256 {outcome.manifest.sha256[:16]}…)."
            )
        )
        self.stdout.write(f"Manifeste : {outcome.path}.json")
        if options["keep"]:
            removed = prune(directory, keep=options["keep"], keep_weekly=options["keep_weekly"])
            for path in removed:
                self.stdout.write(f"Ancienne sauvegarde supprimée : {path.name}")
        self.stdout.write(
            "Rappel : SECRET_KEY et ENCRYPTION_KEY ne sont pas dans la sauvegarde ; gardez-les "
            "à part, sans elles les champs chiffrés sont illisibles."
        )
