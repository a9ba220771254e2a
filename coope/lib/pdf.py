"""PDF documents rendered from templates with WeasyPrint."""

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def render_pdf(
    template_name: str, context: Mapping[str, Any], request: HttpRequest | None = None
) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template_name, context, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else None
    pdf: bytes = HTML(string=html, base_url=base_url).write_pdf()
    return pdf


def pdf_response(pdf: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
