"""coope import KIND FILE --cooperation SLUG [--only-good-rows] [--dry-run] [--encoding ENC]
coope import --workbook FILE --cooperation SLUG [--only-good-rows] [--dry-run]
coope import --template OUT.xlsx|OUT.ods [--cooperation SLUG]

Imports one kind of rows (people, households, memberships, attendance, volunteer hours,
collections... every kind the apps declare) from a CSV, XLSX or ODS file; or a whole workbook,
one kind per sheet named after it, in the order of the kinds' dependencies and in one
transaction; or writes the template workbook. Every bad row is printed (sheet, row, column,
reason). When rows are bad and --only-good-rows is not given, nothing is written and the command
exits with an error. A row already in Coopé is counted « déjà présente » and writes nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from coope.core.management.commands.figures import get_cooperation
from coope.imports import kind_aliases, ordered_kinds
from coope.imports.template import template_workbook
from coope.imports.workbook import plan_workbook, run_workbook
from coope.lib.indicators import french_number
from coope.lib.spreadsheets import (
    ENCODING_CHOICES,
    ENCODING_LABELS,
    EncodingUnsure,
    SpreadsheetError,
    read_workbook,
)


class Command(BaseCommand):
    help = (
        "Importe un type de lignes (personnes, foyers, adhésions, présences, heures de "
        "bénévolat, collectes...) depuis un fichier CSV, XLSX ou ODS, ou tout un classeur "
        "(--workbook), ou écrit le classeur modèle (--template)."
    )

    def add_arguments(self, parser):
        found = ordered_kinds()
        parser.add_argument(
            "kind",
            nargs="?",
            choices=[*found, *kind_aliases()],
            help="le type de lignes : " + ", ".join(found) + " (ou son nom français)",
        )
        parser.add_argument("file", nargs="?", type=Path, help="fichier .csv, .xlsx ou .ods")
        parser.add_argument(
            "--workbook",
            type=Path,
            metavar="FICHIER",
            help="un classeur entier (.xlsx ou .ods), une feuille par type, nommée comme dans "
            "le modèle",
        )
        parser.add_argument(
            "--template",
            type=Path,
            metavar="SORTIE",
            help="écrire le classeur modèle (.xlsx ou .ods) et s'arrêter",
        )
        parser.add_argument("--cooperation", help="identifiant de la coopération (son slug)")
        parser.add_argument(
            "--only-good-rows",
            action="store_true",
            help="importer les lignes correctes même si d'autres ont des problèmes",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="tout vérifier sans rien enregistrer"
        )
        parser.add_argument(
            "--encoding",
            choices=ENCODING_CHOICES,
            help="l'encodage d'un fichier CSV quand Coopé ne le reconnaît pas : "
            + ", ".join(f"{code} ({ENCODING_LABELS[code]})" for code in ENCODING_CHOICES),
        )

    def handle(self, *args, **options):
        if options["template"] is not None:
            return self.write_template(options)
        workbook: Path | None = options["workbook"]
        if workbook is not None and (options["kind"] or options["file"]):
            raise CommandError("Donnez soit --workbook FICHIER, soit un type et un fichier.")
        if workbook is None and not (options["kind"] and options["file"]):
            raise CommandError(
                "Donnez le type de lignes et le fichier (coope import personnes liste.csv "
                "--cooperation collines), ou --workbook FICHIER, ou --template SORTIE."
            )
        if not options["cooperation"]:
            raise CommandError("Donnez la coopération : --cooperation <identifiant>.")
        cooperation = get_cooperation(options["cooperation"])
        path: Path = workbook or options["file"]
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Impossible de lire « {path} » : {error.strerror}.") from error
        try:
            sheets = read_workbook(content, path.name, encoding=options["encoding"])
            plan = plan_workbook(sheets, kind=options["kind"])
        except EncodingUnsure as error:
            raise CommandError(
                f"{error} Relancez avec --encoding : "
                + ", ".join(f"{code} ({ENCODING_LABELS[code]})" for code in ENCODING_CHOICES)
                + "."
            ) from error
        except SpreadsheetError as error:
            raise CommandError(str(error)) from error
        if plan.problems:
            raise CommandError(" ".join(plan.problems))
        first = plan.sheets[0].sheet
        encoding = f", encodage {first.encoding_label}" if first.encoding else ""
        self.stdout.write(
            f"{path.name} : {plan.total_rows} lignes ({first.format.upper()}{encoding})."
        )
        if plan.workbook:
            for item in plan.sheets:
                self.stdout.write(
                    f"  feuille « {item.title} » : {item.importer.label}, "
                    f"{len(item.sheet.rows)} lignes"
                )

        def progress(done: int, total: int) -> None:
            if total >= 500:
                self.stdout.write(f"  … {done} / {total} lignes vérifiées")

        with scope(cooperation=cooperation.pk):
            report = run_workbook(
                plan,
                actor=None,
                cooperation=cooperation,
                only_good_rows=options["only_good_rows"],
                dry_run=options["dry_run"],
                progress=progress,
            )
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"Attention : {warning}"))
        errors = report.errors
        if errors:
            self.stdout.write(f"\n{report.bad_row_count} ligne(s) à corriger :")
            sheet_width = max((len(e.sheet) for e in errors), default=0)
            sheet_title = f"{'feuille':<{sheet_width}}  " if plan.workbook else ""
            self.stdout.write(f"{sheet_title}{'ligne':>6}  {'colonne':<24}  problème")
            for problem in errors:
                column = (
                    f"{problem.column} ({problem.letter})"
                    if problem.letter
                    else (problem.column or "—")
                )
                sheet = f"{problem.sheet:<{sheet_width}}  " if plan.workbook else ""
                self.stdout.write(f"{sheet}{problem.row:>6}  {column:<24}  {problem.message}")
            self.stdout.write("")
        suffix = "" if report.written else " (rien n'est enregistré)"
        for sheet_report in report.sheets:
            prefix = f"{sheet_report.sheet} — " if plan.workbook else ""
            for label, number in sheet_report.counts.items():
                self.stdout.write(f"{prefix}{label} : {number}{suffix}")
        if report.written:
            ignored = report.bad_row_count
            self.stdout.write(
                self.style.SUCCESS(
                    f"Import terminé : {report.new_and_present}"
                    + (f", {french_number(ignored, 0)} ignorée(s)" if ignored else "")
                    + "."
                )
            )
        elif report.dry_run and not report.has_errors:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Vérification terminée : toutes les lignes sont correctes, "
                    f"{report.new_and_present} (rien n'a été enregistré, --dry-run)."
                )
            )
        if report.has_errors and not report.written:
            raise CommandError(
                "Rien n'a été enregistré : corrigez les lignes ci-dessus, ou relancez avec --only-good-rows "
                "pour importer seulement les lignes correctes."
            )

    def write_template(self, options) -> None:
        out: Path = options["template"]
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "ods"):
            raise CommandError("Le modèle s'écrit en .xlsx ou en .ods : « modele.xlsx ».")
        cooperation = get_cooperation(options["cooperation"]) if options["cooperation"] else None
        try:
            out.write_bytes(template_workbook(fmt, cooperation=cooperation))
        except OSError as error:
            raise CommandError(f"Impossible d'écrire « {out} » : {error.strerror}.") from error
        self.stdout.write(self.style.SUCCESS(f"Modèle écrit : {out}"))
