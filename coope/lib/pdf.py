"""PDF documents rendered from templates with WeasyPrint."""

from django.http import HttpResponse
from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict, request=None) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template_name, context, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else None
    return HTML(string=html, base_url=base_url).write_pdf()


def pdf_response(pdf: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
