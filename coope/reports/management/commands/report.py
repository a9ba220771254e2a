"""coope report --cooperation SLUG --year YEAR [--pdf FILE] [--json FILE] [--xlsx FILE] [--ods FILE]"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from coope.core.management.commands.figures import get_cooperation
from coope.reports import exports
from coope.reports.demo import build_report_demo
from coope.reports.models import Report
from coope.reports.rendering import load_report
from coope.reports.services import start_next_report


class Command(BaseCommand):
    help = (
        "Rend le rapport d'activités d'une année (le crée d'après celui de l'année d'avant, "
        "ou d'après le modèle de la démo, s'il n'existe pas)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cooperation", required=True, help="identifiant, ex. romans")
        parser.add_argument("--year", required=True, type=int, help="ex. 2018")
        parser.add_argument("--pdf", type=Path, help="fichier PDF à écrire")
        parser.add_argument("--json", type=Path, help="fichier JSON des chiffres à écrire")
        parser.add_argument("--xlsx", type=Path, help="tableur Excel des chiffres à écrire")
        parser.add_argument("--ods", type=Path, help="tableur LibreOffice des chiffres à écrire")

    def handle(self, *args, **options):
        cooperation = get_cooperation(options["cooperation"])
        year = options["year"]
        outputs = [name for name in ("pdf", "json", "xlsx", "ods") if options[name]]
        if not outputs:
            raise CommandError(
                "Dites quoi écrire : --pdf FICHIER, --json FICHIER, --xlsx FICHIER ou --ods FICHIER."
            )
        for name in outputs:
            if not options[name].parent.exists():
                raise CommandError(
                    f"Le dossier {options[name].parent} n'existe pas : créez-le ou choisissez-en un autre."
                )
        with scope(cooperation=cooperation.pk):
            report = Report.objects.filter(period_start__year=year).order_by("-pk").first()
            if report is None:
                before = Report.objects.filter(period_start__year=year - 1).order_by("-pk").first()
                if before is not None:
                    report = start_next_report(actor=None, report=before, year=year)
                    self.stdout.write(f"Rapport {year} préparé d'après « {before.title} ».")
                else:
                    report = build_report_demo(cooperation, year=year)
                    self.stdout.write(f"Rapport {year} créé d'après le modèle de la démo.")
            report = load_report(report.pk)
            if options["pdf"]:
                options["pdf"].write_bytes(exports.report_pdf(report))
            if options["json"]:
                options["json"].write_text(
                    json.dumps(exports.report_json(report), ensure_ascii=False, indent=2),
                    encoding="utf-8",
                )
            for fmt in ("xlsx", "ods"):
                if options[fmt]:
                    options[fmt].write_bytes(exports.report_sheet(report, fmt))
        for name in outputs:
            self.stdout.write(f"« {report.title} » écrit dans {options[name]} ({name.upper()}).")
