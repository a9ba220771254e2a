"""coope brochure --cooperation SLUG --year 2018 --pdf FILE

Writes the annual brochure (« plaquette annuelle ») of a cooperation: the year's regular public
activities grouped by house, in house colours (coope/activities/brochure.py).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django_scopes import scope

from coope.activities import brochure
from coope.core.management.commands.figures import get_cooperation


class Command(BaseCommand):
    help = "Écrit la plaquette annuelle (PDF) : les activités régulières de l'année, par maison."

    def add_arguments(self, parser):
        parser.add_argument(
            "--cooperation", required=True, help="identifiant de la coopération (son slug)"
        )
        parser.add_argument("--year", required=True, type=int, help="année, ex. 2018")
        parser.add_argument("--pdf", required=True, type=Path, help="fichier PDF à écrire")

    def handle(self, *args, **options):
        cooperation = get_cooperation(options["cooperation"])
        year = options["year"]
        if not brochure.MIN_YEAR <= year <= brochure.MAX_YEAR:
            raise CommandError(
                f"Année {year} hors limites : choisissez-la entre {brochure.MIN_YEAR} et {brochure.MAX_YEAR}."
            )
        with scope(cooperation=cooperation.pk), translation.override(settings.LANGUAGE_CODE):
            document = brochure.gather(cooperation, year)
            pdf = brochure.brochure_pdf(document)
        path: Path = options["pdf"]
        try:
            path.write_bytes(pdf)
        except OSError as error:
            raise CommandError(f"Impossible d'écrire « {path} » : {error.strerror}.") from error
        sections = (
            ", ".join(f"{s.title} ({len(s.entries)})" for s in document.sections)
            or "aucune activité"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Plaquette {year} de {cooperation.name} : {document.activity_count} activités "
                f"— {sections}. Écrite dans {path}."
            )
        )
