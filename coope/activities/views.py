"""Staff pages of activities."""

from django.shortcuts import get_object_or_404
from django.utils import timezone

from coope.activities.models import Registration, RegistrationStatus, Session
from coope.core.views import require_perm
from coope.lib.pdf import pdf_response, render_pdf

SHEET_BLANK_LINES = 8


@require_perm("people.view")
def attendance_sheet_pdf(request, pk):
    """The sheet to sign on paper: the registered people, then blank lines for walk-ins."""
    session = get_object_or_404(Session.objects.select_related("activity", "house"), pk=pk)
    registrations = (Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED)
                     .select_related("person").order_by("person__last_name", "person__first_name"))
    pdf = render_pdf("activities/attendance_sheet.html", {
        "session": session, "registrations": registrations, "blank_lines": range(SHEET_BLANK_LINES),
        "printed_at": timezone.localtime()}, request=request)
    return pdf_response(pdf, f"feuille-presence-{session.starts_at:%Y%m%d}-{session.pk}.pdf")
