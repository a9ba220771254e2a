"""The printable membership card: a credit-card-sized PDF with the QR code of its number."""

import segno
from django.shortcuts import get_object_or_404
from django.utils import timezone

from coope.core.views import require_perm
from coope.lib.pdf import pdf_response, render_pdf
from coope.membership.models import Membership
from coope.people.models import HouseholdMember, Person


def qr_data_uri(text: str) -> str:
    """The QR code of `text` as a PNG data URI, one pixel per module (scaled up in CSS).

    PNG rather than SVG so the printed code is one image, crisp with `image-rendering:
    pixelated`, that can be read back from the PDF."""
    return segno.make(text, error="m", micro=False).png_data_uri(scale=1, border=4)


def _get_membership(pk: int) -> Membership:
    """404 both when the membership does not exist and when it belongs to another cooperation."""
    return get_object_or_404(
        Membership.objects.select_related("person", "household", "house", "cooperation"), pk=pk
    )


@require_perm("membership.view")
def card_pdf(request, pk):
    membership = _get_membership(pk)
    members = []
    if membership.household_id:
        # The household as it is on the day the card speaks for: today while the card is valid,
        # else its first or last day. A former member is not printed.
        day = min(max(timezone.localdate(), membership.valid_from), membership.valid_until)
        members = list(
            Person.objects.filter(
                pk__in=HouseholdMember.objects.on(day)
                .filter(household=membership.household_id)
                .values("person")
            ).order_by("birth_date", "pk")
        )
    pdf = render_pdf(
        "membership/card_pdf.html",
        {
            "membership": membership,
            "members": members,
            "qr": qr_data_uri(membership.card_number),
        },
        request=request,
    )
    return pdf_response(pdf, f"carte-{membership.card_number}.pdf")
