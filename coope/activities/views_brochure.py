"""The annual brochure as a PDF, for staff of the cooperation (see coope/activities/brochure.py)."""

from django.conf import settings
from django.http import Http404
from django.utils import translation

from coope.activities import brochure
from coope.core.views import require_perm
from coope.lib.pdf import pdf_response


@require_perm("activities.view")
def brochure_pdf(request, year):
    """The year's regular public activities of the user's cooperation, grouped by house. The
    brochure is for the inhabitants: it is written in the cooperation's language, whatever the
    language of the staff member who prints it."""
    if not brochure.MIN_YEAR <= year <= brochure.MAX_YEAR:
        raise Http404
    with translation.override(settings.LANGUAGE_CODE):
        document = brochure.gather(request.cooperation, year)
        pdf = brochure.brochure_pdf(document, request=request)
    return pdf_response(pdf, brochure.file_name(document))
