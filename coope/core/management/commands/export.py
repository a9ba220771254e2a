"""coope export KIND --cooperation SLUG --format csv|xlsx|ods [-o FILE] [--sensitive]

Writes a list (people, households, memberships, visits) as a spreadsheet. Sensitive columns
(notes, family quotients, visit comments) are left out unless --sensitive is given: the
operator at the command line then acts with a director's rights.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_scopes import scope

from coope.core.management.commands.figures import get_cooperation
from coope.lib.spreadsheets import FORMATS
from coope.people.exporting import KINDS_BY_SLUG, SLUGS, export_file, file_name, kind_of


class Command(BaseCommand):
    help = "Exporte une liste (personnes, foyers, adhésions, passages) en CSV, XLSX ou ODS."

    def add_arguments(self, parser):
        parser.add_argument(
            "kind",
            choices=[*SLUGS, *KINDS_BY_SLUG],
            help="people (personnes), households (foyers), memberships (adhesions) "
            "ou visits (passages)",
        )
        parser.add_argument(
            "--cooperation", required=True, help="identifiant de la coopération (son slug)"
        )
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="xlsx")
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            help="fichier à écrire (par défaut : personnes-IDENTIFIANT-AAAA-MM-JJ.xlsx)",
        )
        parser.add_argument(
            "--sensitive",
            action="store_true",
            help="inclure notes, quotients familiaux et précisions des passages",
        )

    def handle(self, *args, **options):
        cooperation = get_cooperation(options["cooperation"])
        kind, fmt = kind_of(options["kind"]), options["fmt"]
        output: Path = options["output"] or Path(
            file_name(kind, fmt, cooperation, timezone.localdate())
        )
        with scope(cooperation=cooperation.pk):
            content = export_file(
                kind, fmt, cooperation=cooperation, include_sensitive=options["sensitive"]
            )
        try:
            output.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Impossible d'écrire « {output} » : {error.strerror}.") from error
        self.stdout.write(
            self.style.SUCCESS(f"{output} écrit ({len(content):,} octets).".replace(",", " "))
        )
