"""coope import KIND FILE --cooperation SLUG [--only-good-rows] [--dry-run]

Imports people, households, memberships, attendance, volunteer hours or cannery collections
from a CSV, XLSX or ODS file (docs/imports.md).
Every bad row is printed (row, column, reason). When rows are bad and --only-good-rows is
not given, nothing is written and the command exits with an error.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from coope.core.management.commands.figures import get_cooperation
from coope.imports import kind_aliases, kinds, run_import
from coope.lib.spreadsheets import SpreadsheetError, read_spreadsheet


class Command(BaseCommand):
    help = (
        "Importe des personnes, foyers, adhésions, présences, heures de bénévolat ou collectes "
        "depuis un fichier CSV, XLSX ou ODS."
    )

    def add_arguments(self, parser):
        found = kinds()
        parser.add_argument(
            "kind",
            choices=[*found, *kind_aliases()],
            help="le type de lignes : "
            + ", ".join(found)
            + " (ou son nom français, voir docs/imports.md)",
        )
        parser.add_argument("file", type=Path, help="fichier .csv, .xlsx ou .ods")
        parser.add_argument(
            "--cooperation", required=True, help="identifiant de la coopération (son slug)"
        )
        parser.add_argument(
            "--only-good-rows",
            action="store_true",
            help="importer les lignes correctes même si d'autres ont des problèmes",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="tout vérifier sans rien enregistrer"
        )

    def handle(self, *args, **options):
        cooperation = get_cooperation(options["cooperation"])
        path: Path = options["file"]
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Impossible de lire « {path} » : {error.strerror}.") from error
        try:
            sheet = read_spreadsheet(content, path.name)
        except SpreadsheetError as error:
            raise CommandError(str(error)) from error
        encoding = f", encodage {sheet.encoding_label}" if sheet.encoding else ""
        self.stdout.write(
            f"{path.name} : {len(sheet.rows)} lignes ({sheet.format.upper()}{encoding})."
        )

        def progress(done: int, total: int) -> None:
            if total >= 500:
                self.stdout.write(f"  … {done} / {total} lignes vérifiées")

        with scope(cooperation=cooperation.pk):
            report = run_import(
                options["kind"],
                sheet,
                actor=None,
                cooperation=cooperation,
                only_good_rows=options["only_good_rows"],
                dry_run=options["dry_run"],
                progress=progress,
            )
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"Attention : {warning}"))
        if report.errors:
            self.stdout.write(f"\n{report.bad_row_count} ligne(s) à corriger :")
            self.stdout.write(f"{'ligne':>6}  {'colonne':<24}  problème")
            for problem in report.errors:
                column = (
                    f"{problem.column} ({problem.letter})"
                    if problem.letter
                    else (problem.column or "—")
                )
                self.stdout.write(f"{problem.row:>6}  {column:<24}  {problem.message}")
            self.stdout.write("")
        for label, number in report.counts.items():
            self.stdout.write(
                f"{label} : {number}" + ("" if report.written else " (rien n'est enregistré)")
            )
        if report.written:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Import terminé : {report.good_row_count} ligne(s) enregistrée(s), {report.bad_row_count} ignorée(s)."
                )
            )
        elif report.dry_run and not report.errors:
            self.stdout.write(
                self.style.SUCCESS(
                    "Vérification terminée : toutes les lignes sont correctes "
                    "(rien n'a été enregistré, --dry-run)."
                )
            )
        if report.errors and not report.written:
            raise CommandError(
                "Rien n'a été enregistré : corrigez les lignes ci-dessus, ou relancez avec --only-good-rows "
                "pour importer seulement les lignes correctes."
            )
