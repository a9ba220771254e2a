"""coope report --cooperation SLUG --year YEAR [--pdf FILE] [--json FILE] [--xlsx FILE] [--ods FILE]"""

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django_scopes import scope

from coope.core import plugins
from coope.core.management.commands.figures import get_cooperation
from coope.core.models import Cooperation
from coope.reports import exports, tasks
from coope.reports.models import Report, ReportPdf
from coope.reports.rendering import load_report
from coope.reports.services import (
    create_report_from_template,
    request_pdf,
    start_next_report,
    stuck,
)


def first_report_structure() -> dict[str, Any]:
    """A cooperation's first report: the default section of every app that declares one (its key
    figures, no text), for the staff to complete in the browser. Nothing of another cooperation."""
    sections = [section for _label, section in plugins.report_sections()]
    if not sections:
        sections = [{"title": _("Chiffres clés"), "figures": [], "texts": []}]
    return {"title": _("Rapport d'activités {year}"), "sections": sections}


def first_report(cooperation: Cooperation, year: int) -> Report:
    return create_report_from_template(
        actor=None, cooperation=cooperation, template=first_report_structure(), year=year
    )


class Command(BaseCommand):
    help = (
        "Rend le rapport d'activités d'une année (le crée d'après celui de l'année d'avant, "
        "ou avec une section par programme pour un premier rapport, s'il n'existe pas)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cooperation", required=True, help="identifiant de la coopération (son slug)"
        )
        parser.add_argument("--year", required=True, type=int, help="ex. 2018")
        parser.add_argument("--pdf", type=Path, help="fichier PDF à écrire")
        parser.add_argument("--json", type=Path, help="fichier JSON des chiffres à écrire")
        parser.add_argument("--xlsx", type=Path, help="tableur Excel des chiffres à écrire")
        parser.add_argument("--ods", type=Path, help="tableur LibreOffice des chiffres à écrire")

    def _pdf(self, report: Report) -> bytes:
        """The report's PDF kept by Coopé when it is made already (a published report's, or one
        made since the last change), else made here, and kept for the web."""
        pdf = request_pdf(actor=None, report=report)
        if pdf.status != ReportPdf.Status.READY:
            self.stdout.write(f"Préparation du PDF de « {report.title} »…")
            tasks.make_pdf(pdf.pk)  # nothing to do when a worker has taken it: wait for it
            while True:
                pdf = ReportPdf.objects.get(pk=pdf.pk)
                if not pdf.running or stuck(pdf):
                    break
                time.sleep(1)
        if pdf.status != ReportPdf.Status.READY:
            raise CommandError(
                pdf.error or "Le PDF n'a pas pu être préparé : relancez la commande."
            )
        return bytes(pdf.content or b"")

    def handle(self, *args: Any, **options: Any) -> None:
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
                    report = first_report(cooperation, year)
                    self.stdout.write(
                        f"Premier rapport {year} créé : une section par programme, "
                        "à compléter dans le navigateur."
                    )
            report = load_report(report.pk)
            if options["pdf"]:
                options["pdf"].write_bytes(self._pdf(report))
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
