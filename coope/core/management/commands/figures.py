"""coope figures --cooperation SLUG --from DATE --to DATE [--json]: every key figure."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from coope.core.models import Cooperation
from coope.lib.indicators import Scope, as_json, compute_figures, shown_figures
from coope.lib.periods import Period


def parse_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            f"Date invalide « {value} » : écrivez-la AAAA-MM-JJ, ex. 2018-01-31."
        ) from error


def get_cooperation(slug: str) -> Cooperation:
    try:
        return Cooperation.objects.get(slug=slug)
    except Cooperation.DoesNotExist as error:
        known = ", ".join(Cooperation.objects.values_list("slug", flat=True)) or "aucune"
        raise CommandError(f"Coopération « {slug} » inconnue (connues : {known}).") from error


class Command(BaseCommand):
    help = "Affiche les chiffres clés d'une coopération pour une période."

    def add_arguments(self, parser):
        parser.add_argument(
            "--cooperation", required=True, help="identifiant de la coopération (son slug)"
        )
        parser.add_argument(
            "--from", dest="start", required=True, type=parse_date, help="AAAA-MM-JJ"
        )
        parser.add_argument("--to", dest="end", required=True, type=parse_date, help="AAAA-MM-JJ")
        parser.add_argument(
            "--json", action="store_true", help="un objet JSON indicateur -> valeur"
        )
        parser.add_argument("--only", nargs="*", help="seulement ces indicateurs")

    def handle(self, *args, **options):
        cooperation = get_cooperation(options["cooperation"])
        try:
            period = Period(options["start"], options["end"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        with scope(cooperation=cooperation.pk):
            try:
                figures = compute_figures(cooperation, period, keys=options["only"])
            except KeyError as error:
                raise CommandError(error.args[0]) from error
            rows = shown_figures(Scope(cooperation, period), figures)
        if options["json"]:
            # Exact values in each figure's base unit (see its unit in the registry).
            data = {row.indicator.key: as_json(row.value) for row in rows}
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{cooperation.name} — {period}")
        width = max(len(key) for key in figures)
        for row in rows:
            key, label = row.indicator.key, str(row.indicator.label)
            if row.indicator.is_breakdown:
                self.stdout.write(f"{key:<{width}}  {label}")
                for part, shown in row.parts:
                    self.stdout.write(f"{'':<{width}}    {part}: {shown}")
            else:
                self.stdout.write(f"{key:<{width}}  {label}: {row.shown}")
