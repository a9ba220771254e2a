"""A report as a PDF (A4, a section per page), as JSON and as a spreadsheet (XLSX, ODS)."""

from collections.abc import Callable

from django.utils import timezone

from coope.core.models import House
from coope.lib.pdf import render_pdf
from coope.lib.spreadsheets import write_spreadsheet
from coope.reports.models import Report
from coope.reports.rendering import SHEET_HEADERS, build_sections, figures_json, figures_rows


def report_pdf(
    report: Report, request=None, progress: Callable[[int], None] | None = None
) -> bytes:
    """The report as a PDF; `progress(percent)` is told as it goes (figures computed, drawn)."""
    sections = build_sections(report)
    if progress is not None:
        progress(50)
    houses = House.objects.filter(cooperation=report.cooperation).order_by("name")
    return render_pdf(
        "reports/report_pdf.html",
        {
            "report": report,
            "sections": sections,
            "houses": houses,
            "first_colour": sections[0].colour if sections else "#1f5f99",
            "printed_at": timezone.localtime(),
        },
        request=request,
    )


def report_json(report: Report) -> dict:
    return figures_json(report, build_sections(report))


def report_sheet(report: Report, fmt: str) -> bytes:
    return write_spreadsheet(
        SHEET_HEADERS,
        figures_rows(build_sections(report)),
        fmt,
        title=f"Chiffres {report.period_start.year}",
    )
