"""A report's PDF is made in the background: the request returns at once with a page that shows
it coming, the task makes it (WeasyPrint) and keeps it, and it is served again while the report
and its records have not changed; a published report's PDF is made at publication, for good."""

import datetime
import html
import io
import re

import pypdf
import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django_scopes import scope

from coope.core.exports import EXPORT
from coope.core.models import AuditEntry
from coope.people.services import create_person, record_visit
from coope.reports import services
from coope.reports.models import ReportPdf, TextBlock

pytestmark = pytest.mark.django_db
WORKER = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\n", "")


def pdfs(w) -> list[ReportPdf]:
    with scope(cooperation=w.coop.pk):
        return list(ReportPdf.objects.filter(report=w.report).order_by("pk"))


def downloads(w) -> int:
    with scope(cooperation=w.coop.pk):
        return AuditEntry.objects.filter(action=EXPORT, model="reports.report").count()


def new_user(w) -> None:
    """Dora, seen at house A's front desk in 2018: one more user of the report's figures."""
    dora = create_person(
        actor=w.alice,
        cooperation=w.coop,
        first_name="Dora",
        last_name="Neuve",
        home_house=w.house_a,
    )
    record_visit(
        actor=w.alice,
        house=w.house_a,
        date=datetime.date(2018, 9, 9),
        reason="information",
        person=dora,
    )


def ask(client, w, callbacks):
    """Ask for the PDF; the tasks enqueued on commit are held back, then run."""
    with callbacks(execute=False) as held:
        response = client.get(reverse("reports:pdf", args=[w.report.pk]))
    return response, held


def test_the_request_returns_at_once_and_the_pdf_follows(
    report, client_as, django_capture_on_commit_callbacks
):
    w = report
    client = client_as(w.director)
    response, held = ask(client, w, django_capture_on_commit_callbacks)
    # Nothing rendered in the request: one task enqueued once committed, a page that shows it.
    [pdf] = pdfs(w)
    assert len(held) == 1 and pdf.status == ReportPdf.Status.WAITING and pdf.content is None
    job = reverse("reports:pdf_job", args=[w.report.pk, pdf.pk])
    assert response.status_code == 302 and response["Location"] == job
    page = client.get(job).content.decode()
    assert "Préparation du PDF…" in page and "0 %" in page and 'hx-trigger="every 2s"' in page
    progress = client.get(job, {"progres": "1"}, headers={"HX-Request": "true"})
    assert "Préparation du PDF…" in progress.content.decode()

    held[0]()  # the task runs (the immediate backend of development and tests)
    [pdf] = pdfs(w)
    assert pdf.status == ReportPdf.Status.READY and pdf.percent == 100
    done = client.get(job, {"progres": "1"}, headers={"HX-Request": "true"})
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    file_url = reverse("reports:pdf_file", args=[w.report.pk, pdf.pk])
    assert file_url in client.get(job).content.decode()
    before = downloads(w)
    served = client.get(file_url)
    assert served["Content-Type"] == "application/pdf"
    text = text_of(served.content)
    # The report's figures, hand-computed (conftest): 2 sessions, 3 users, 2 members, 3.5 h.
    assert "LA COOPÉRATION" in text and "Rapport d'activités 2018" in text
    for value, label in (("2", "séances"), ("3", "usagers"), ("2", "adhérents")):
        assert re.search(f"{value}{label}", text), label
    assert downloads(w) == before + 1  # a report leaving Coopé is audited, as before


def test_the_same_pdf_is_served_again_until_the_report_or_its_records_change(
    report, client_as, django_capture_on_commit_callbacks
):
    w = report
    client = client_as(w.director)
    _response, held = ask(client, w, django_capture_on_commit_callbacks)
    held[0]()
    # Nothing changed (a download is audited, yet changes nothing): served at once, as it is.
    for _ in range(2):
        again, held = ask(client, w, django_capture_on_commit_callbacks)
        assert again.status_code == 200 and again["Content-Type"] == "application/pdf"
        assert not held and len(pdfs(w)) == 1
    first = again.content

    # A record the report counts: a new PDF, with the new figure.
    with scope(cooperation=w.coop.pk):
        new_user(w)
    response, held = ask(client, w, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and len(held) == 1
    held[0]()
    assert [p.status for p in pdfs(w)] == [ReportPdf.Status.READY]  # the old one is gone
    newer = client.get(reverse("reports:pdf", args=[w.report.pk])).content
    assert newer != first and "3usagers" in text_of(first) and "4usagers" in text_of(newer)

    # A text of the report rewritten: a new PDF too.
    with scope(cooperation=w.coop.pk):
        block = TextBlock.objects.filter(section__report=w.report).first()
        services.update_text(actor=w.director, block=block, title="", body="Texte réécrit.")
    response, held = ask(client, w, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and len(held) == 1


def test_a_published_report_s_pdf_is_made_at_publication_and_kept(
    report, client_as, django_capture_on_commit_callbacks
):
    w = report
    with django_capture_on_commit_callbacks(execute=True):
        with scope(cooperation=w.coop.pk):
            services.publish_report(actor=w.director, report=w.report)
    [pdf] = pdfs(w)
    assert pdf.status == ReportPdf.Status.READY and pdf.state == services.PUBLISHED
    with scope(cooperation=w.coop.pk):
        new_user(w)
    response, held = ask(client_as(w.director), w, django_capture_on_commit_callbacks)
    assert response.status_code == 200 and not held
    assert response.content == bytes(pdf.content) and "3usagers" in text_of(response.content)


def test_a_failure_is_said_in_french_with_what_to_do(
    report, client_as, django_capture_on_commit_callbacks, monkeypatch
):
    w = report
    client = client_as(w.director)
    response, held = ask(client, w, django_capture_on_commit_callbacks)

    def broken(*args, **kwargs):
        raise OSError("disque plein")

    monkeypatch.setattr("coope.reports.exports.render_pdf", broken)
    held[0]()
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "n'a pas pu être préparé" in page and "Redemandez-le" in page
    assert reverse("reports:pdf", args=[w.report.pk]) in page
    monkeypatch.undo()
    # Asked again: a new one, made this time.
    again, held = ask(client, w, django_capture_on_commit_callbacks)
    assert again.status_code == 302 and len(held) == 1
    held[0]()
    assert pdfs(w)[-1].status == ReportPdf.Status.READY


@pytest.mark.django_db(transaction=True)  # the worker closes connections between tasks
def test_with_the_database_worker_the_request_only_enqueues(report, client_as):
    w = report
    client = client_as(w.director)
    with override_settings(TASKS=WORKER):
        response = client.get(reverse("reports:pdf", args=[w.report.pk]))
        assert response.status_code == 302
        [pdf] = pdfs(w)
        assert pdf.status == ReportPdf.Status.WAITING
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    [pdf] = pdfs(w)
    assert pdf.status == ReportPdf.Status.READY
    served = client.get(reverse("reports:pdf_file", args=[w.report.pk, pdf.pk]))
    assert "LA COOPÉRATION" in text_of(served.content)
