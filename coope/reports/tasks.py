"""A report's PDF made in the background: asking for it returns at once with a page that shows
its progress (coope.reports.views.pdf_job), a task of Django's tasks framework (settings.TASKS:
the `coope worker` process in production, run on commit in development and tests) renders it
with WeasyPrint and keeps it in its `ReportPdf` row.

The task gets the row's id, never objects: it loads the row, opens its cooperation's scope,
and writes its progress and the file (or a French error) to the row."""

import logging

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from coope.reports import exports
from coope.reports.models import ReportPdf
from coope.reports.rendering import load_report

logger = logging.getLogger(__name__)
Status = ReportPdf.Status


def enqueue(pdf: ReportPdf) -> None:
    """Make the PDF once the row is committed (a worker never looks for a row not yet there)."""
    transaction.on_commit(lambda: make_report_pdf.enqueue(pdf.pk))


@task
def make_report_pdf(pdf_id: int) -> None:
    make_pdf(pdf_id)


def _progress(pdf_id: int, percent: int) -> None:
    with scopes_disabled():
        ReportPdf.objects.filter(pk=pdf_id, status=Status.MAKING).update(percent=percent)


def make_pdf(pdf_id: int) -> None:
    with scopes_disabled():
        claimed = ReportPdf.objects.filter(pk=pdf_id, status=Status.WAITING).update(
            status=Status.MAKING, percent=10
        )
        pdf = ReportPdf.objects.filter(pk=pdf_id).first()
    if not claimed or pdf is None:
        return  # made already (a task delivered twice), or its report was deleted
    try:
        with scope(cooperation=pdf.cooperation_id):
            content = exports.report_pdf(
                load_report(pdf.report_id), progress=lambda n: _progress(pdf_id, n)
            )
    except Exception:
        logger.exception("PDF du rapport %s (demande %s) : échec", pdf.report_id, pdf_id)
        with scopes_disabled():
            ReportPdf.objects.filter(pk=pdf_id).update(
                status=Status.FAILED,
                finished_at=timezone.now(),
                error=_(
                    "Le PDF n'a pas pu être préparé (l'erreur est notée dans le journal du "
                    "serveur). Redemandez-le ; si cela recommence, prévenez l'administrateur "
                    "de Coopé en lui donnant l'heure de la demande."
                ),
            )
        return
    with scopes_disabled():
        ReportPdf.objects.filter(pk=pdf_id).update(
            status=Status.READY, percent=100, content=content, finished_at=timezone.now()
        )
