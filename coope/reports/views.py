"""Report pages: the list, a report with its figures and texts edited in place, its outputs
(PDF, JSON, spreadsheets) and the records behind each figure."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from coope.core import exports as downloads
from coope.core.models import House
from coope.core.views import require_perm
from coope.lib.indicators import Scope, registry
from coope.lib.pdf import pdf_response
from coope.lib.spreadsheets import CONTENT_TYPES
from coope.reports import exports, services
from coope.reports.forms import (
    FigureEditForm,
    FigureForm,
    ReportForm,
    SectionForm,
    TextAddForm,
    TextForm,
)
from coope.reports.models import (
    PublishedFigure,
    Report,
    ReportPdf,
    Section,
    SectionFigure,
    TextBlock,
)
from coope.reports.provenance import describe, measure_note, records_of
from coope.reports.rendering import FigureView, build_sections, load_report, text_parts

RECORDS_PER_PAGE = 50


def _report(pk) -> Report:
    try:
        return load_report(pk)
    except Report.DoesNotExist as error:
        raise Http404 from error


def _back(section_or_report) -> HttpResponse:
    if isinstance(section_or_report, Section):
        return redirect(
            reverse("reports:detail", args=[section_or_report.report_id])
            + f"#section-{section_or_report.pk}"
        )
    return redirect("reports:detail", section_or_report.pk)


def _fail(request, error: ValidationError | str) -> None:
    text = "; ".join(error.messages) if isinstance(error, ValidationError) else error
    messages.error(request, text)


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@require_perm("reports.view")
def report_list(request):
    reports = Report.objects.select_related("made_from").order_by("-period_start", "-pk")
    if request.method == "POST":
        if not request.user.has_coope_perm("reports.edit"):
            raise Http404
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                report = services.create_report(
                    actor=request.user,
                    cooperation=request.cooperation,
                    title=form.cleaned_data["title"],
                    period_start=form.cleaned_data["period_start"],
                    period_end=form.cleaned_data["period_end"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Rapport créé : ajoutez-lui des sections."))
                return redirect("reports:detail", report.pk)
    else:
        form = ReportForm()
    return render(
        request,
        "reports/list.html",
        {"reports": reports, "form": form, "can_edit": request.user.has_coope_perm("reports.edit")},
    )


@require_perm("reports.view")
def report_detail(request, pk):
    report = _report(pk)
    can_edit = request.user.has_coope_perm("reports.edit") and report.published_at is None
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "sections": build_sections(report),
            "can_edit": can_edit,
            "can_publish": can_edit,
            "report_form": ReportForm(
                initial={
                    "title": report.title,
                    "period_start": report.period_start,
                    "period_end": report.period_end,
                }
            )
            if can_edit
            else None,
            "figure_form": FigureForm() if can_edit else None,
            "text_add_form": TextAddForm() if can_edit else None,
            "section_form": SectionForm() if can_edit else None,
            "houses": list(House.objects.order_by("name")) if can_edit else [],
        },
    )


def _filename(report: Report, extension: str) -> str:
    return f"{slugify(report.title) or 'rapport'}.{extension}"


def _download(request, report: Report, response: HttpResponse, fmt: str) -> HttpResponse:
    """A report leaving Coopé: audited (who, which report, how many figures), sent no-store."""
    return downloads.audited(
        response,
        request=request,
        list_name="reports.report",
        rows=SectionFigure.objects.filter(section__report=report).count(),
        label=str(report.title)[:200],
        details={"format": fmt, "report": report.pk},
    )


@require_perm("reports.view")
def report_pdf(request, pk):
    """The report's PDF: at once when it is made already (kept while the report and its records
    have not changed), else a page that shows it being made in the background."""
    report = _report(pk)
    pdf = services.request_pdf(actor=request.user, report=report)
    pdf = ReportPdf.objects.get(pk=pdf.pk)  # made meanwhile when the tasks run on commit (dev)
    if pdf.status == ReportPdf.Status.READY:
        return _pdf_download(request, report, pdf)
    return redirect("reports:pdf_job", pk=report.pk, job=pdf.pk)


def _pdf_of(report: Report, job) -> ReportPdf:
    return get_object_or_404(ReportPdf.objects.defer("content"), pk=job, report=report)


def _pdf_download(request, report: Report, pdf: ReportPdf) -> HttpResponse:
    response = pdf_response(bytes(pdf.content or b""), _filename(report, "pdf"))
    return _download(request, report, response, "pdf")


@require_perm("reports.view")
def pdf_job(request, pk, job):
    """A PDF being made: its progress (the page asks again every two seconds), then its link,
    or what went wrong and what to do."""
    report = _report(pk)
    pdf = _pdf_of(report, job)
    if services.stuck(pdf):
        pdf.error = _(
            "Le PDF n'est pas venu : le service qui le prépare ne répond pas. Redemandez-le ; "
            "si cela recommence, prévenez l'administrateur de Coopé (le service « coope worker »)."
        )
    running = pdf.running and not pdf.error
    if request.htmx and request.GET.get("progres"):
        if running:
            return render(request, "reports/_pdf_progress.html", {"report": report, "pdf": pdf})
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # finished: the page offers the file, or says why not
        return response
    return render(
        request, "reports/pdf_job.html", {"report": report, "pdf": pdf, "running": running}
    )


@require_perm("reports.view")
def pdf_file(request, pk, job):
    report = _report(pk)
    pdf = get_object_or_404(ReportPdf, pk=job, report=report)
    if pdf.status != ReportPdf.Status.READY:
        return redirect("reports:pdf_job", pk=report.pk, job=pdf.pk)
    return _pdf_download(request, report, pdf)


@require_perm("reports.view")
def report_json(request, pk):
    report = _report(pk)
    response = JsonResponse(
        exports.report_json(report), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'inline; filename="{_filename(report, "json")}"'
    return _download(request, report, response, "json")


@require_perm("reports.view")
def report_sheet(request, pk, fmt):
    if fmt not in ("xlsx", "ods"):
        raise Http404
    report = _report(pk)
    response = HttpResponse(exports.report_sheet(report, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, fmt)}"'
    return _download(request, report, response, fmt)


def _keep(request, *names: str) -> str:
    """The query string's named parameters, to carry into the page links."""
    kept = QueryDict(mutable=True)
    for name in names:
        if request.GET.get(name):
            kept[name] = request.GET[name]
    return f"&{kept.urlencode()}" if kept else ""


def _record_rows(queryset, page_number, public_fields, with_names):
    if queryset is not None and not with_names:
        queryset = queryset.order_by("pk")  # an order by name would tell something of the names
    page = (
        Paginator(queryset, RECORDS_PER_PAGE).get_page(page_number)
        if queryset is not None
        else None
    )
    rows = (
        [describe(r, with_names=with_names, public_fields=public_fields) for r in page]
        if page is not None
        else []
    )
    return page, rows


@require_perm("reports.view")
def figure_records(request, pk):
    """The records a figure counts, page by page; names only for those who may see people. For a
    published figure, `?ecart=1` lists what today's records add to or remove from it."""
    figure = get_object_or_404(
        SectionFigure.objects.select_related(
            "section__report__cooperation", "section__association", "section__house"
        ),
        pk=pk,
    )
    section, report = figure.section, figure.section.report
    part = request.GET.get("partie")
    queryset, indicator = records_of(figure, report, part)
    view = FigureView(
        figure=figure,
        indicator=indicator,
        period=section.period_in(report),
        scope_kind=section.scope_kind,
        scope_name=str(section.house or section.association or report.cooperation),
    )
    source = indicator
    if indicator is not None and indicator.parts:
        source = registry()[part if part in indicator.parts else indicator.parts[0]]
    public_fields = source.public_fields if source is not None else ()
    scope = Scope(report.cooperation, section.period_in(report), section.association, section.house)
    with_names = request.user.has_coope_perm("people.view")
    published = PublishedFigure.objects.filter(figure=figure).first()
    difference = None
    if published is not None and request.GET.get("ecart") and queryset is not None and source:
        counted = set(published.record_ids.get(source.key, []))
        now = set(queryset.order_by().values_list("pk", flat=True))
        added = queryset.filter(pk__in=now - counted).order_by("pk")
        difference = {
            "added": [
                describe(r, with_names=with_names, public_fields=public_fields) for r in added[:200]
            ],
            "added_count": len(now - counted),
            "removed": sorted(counted - now)[:200],
            "removed_count": len(counted - now),
        }
    page, rows = _record_rows(queryset, request.GET.get("page"), public_fields, with_names)
    return render(
        request,
        "reports/records.html",
        {
            "figure": view,
            "report": report,
            "section": section,
            "page": page,
            "rows": rows,
            "with_names": with_names,
            "parts": [(key, registry()[key].label) for key in indicator.parts] if indicator else [],
            "part": source.key if source is not None else "",
            "published": published,
            "difference": difference,
            "query": _keep(request, "partie", "ecart"),
            "note": measure_note(source, queryset.model)
            if source is not None and queryset is not None
            else "",
            "value_shown": source.show(source.value(scope)) if source is not None else "",
            "part_values": [
                (key, registry()[key].label, registry()[key].show(registry()[key].value(scope)))
                for key in indicator.parts
            ]
            if indicator is not None
            else [],
        },
    )


@require_POST
@require_perm("reports.edit")
def report_publish(request, pk):
    report = _report(pk)
    try:
        services.publish_report(actor=request.user, report=report)
    except ValidationError as error:
        _fail(request, error)
    else:
        messages.success(
            request,
            _("Rapport publié : ses chiffres sont figés, tels qu'ils sont affichés aujourd'hui."),
        )
    return redirect("reports:detail", pk=report.pk)


# -- editing -----------------------------------------------------------------------------------


def _submit(request, form, back_to, write, done: str):
    """Validate the form, write through the service, say how it went, go back to the report."""
    if not form.is_valid():
        _fail(request, _form_errors(form))
        return _back(back_to)
    try:
        written = write(**form.cleaned_data)
    except ValidationError as error:
        _fail(request, error)
        return _back(back_to)
    messages.success(request, done)
    return _back(written if isinstance(written, Section) else back_to)


@require_POST
@require_perm("reports.edit")
def report_update(request, pk):
    report = get_object_or_404(Report, pk=pk)
    return _submit(
        request,
        ReportForm(request.POST),
        report,
        lambda **data: services.update_report(actor=request.user, report=report, **data),
        _("Rapport enregistré."),
    )


@require_POST
@require_perm("reports.edit")
def report_next(request, pk):
    report = get_object_or_404(Report, pk=pk)
    try:
        new = services.start_next_report(
            actor=request.user, report=report, year=report.period_start.year + 1
        )
    except ValidationError as error:
        _fail(request, error)
        return redirect("reports:list")
    messages.success(
        request,
        _("Rapport %(year)s préparé à partir de celui de %(before)s : relisez les textes.")
        % {"year": new.period_start.year, "before": report.period_start.year},
    )
    return redirect("reports:detail", new.pk)


@require_POST
@require_perm("reports.edit")
def section_add(request, pk):
    report = get_object_or_404(Report, pk=pk)
    return _submit(
        request,
        SectionForm(request.POST),
        report,
        lambda house=None, **data: services.add_section(actor=request.user, report=report, **data),
        _("Section ajoutée."),
    )


@require_POST
@require_perm("reports.edit")
def section_update(request, pk):
    section = get_object_or_404(Section, pk=pk)
    return _submit(
        request,
        SectionForm(request.POST, cooperation=request.cooperation),
        section,
        lambda **data: services.update_section(actor=request.user, section=section, **data),
        _("Section enregistrée."),
    )


@require_POST
@require_perm("reports.edit")
def section_remove(request, pk):
    section = get_object_or_404(Section, pk=pk)
    report_id = section.report_id
    try:
        services.remove_section(actor=request.user, section=section)
    except ValidationError as error:
        return _refused(request, error, report_id)
    messages.success(
        request, _("Section « %(title)s » retirée du rapport.") % {"title": section.title}
    )
    return redirect("reports:detail", report_id)


def _refused(request, error: ValidationError, report_id: int) -> HttpResponse:
    _fail(request, error)
    return redirect("reports:detail", report_id)


def _direction(request) -> int:
    return -1 if request.POST.get("direction") == "up" else 1


def _mover(model, service, argument: str):
    """A POST view that moves a section, a figure or a text up or down."""

    @require_POST
    @require_perm("reports.edit")
    def view(request, pk):
        item = get_object_or_404(model, pk=pk)
        section = item if isinstance(item, Section) else item.section
        try:
            service(actor=request.user, direction=_direction(request), **{argument: item})
        except ValidationError as error:
            return _refused(request, error, section.report_id)
        return _back(section)

    return view


def _remover(model, service, argument: str, message: str | Promise):
    """A POST view that takes a figure or a text out of its section."""

    @require_POST
    @require_perm("reports.edit")
    def view(request, pk):
        item = get_object_or_404(model.objects.select_related("section"), pk=pk)
        try:
            service(actor=request.user, **{argument: item})
        except ValidationError as error:
            return _refused(request, error, item.section.report_id)
        messages.success(request, message)
        return _back(item.section)

    return view


section_move = _mover(Section, services.move_section, "section")
figure_move = _mover(SectionFigure, services.move_figure, "figure")
text_move = _mover(TextBlock, services.move_text, "block")
figure_remove = _remover(
    SectionFigure, services.remove_figure, "figure", gettext_lazy("Chiffre retiré.")
)
text_remove = _remover(TextBlock, services.remove_text, "block", gettext_lazy("Texte retiré."))


@require_POST
@require_perm("reports.edit")
def figure_add(request, pk):
    section = get_object_or_404(Section, pk=pk)
    return _submit(
        request,
        FigureForm(request.POST),
        section,
        lambda **data: services.add_figure(actor=request.user, section=section, **data),
        _("Chiffre ajouté."),
    )


@require_POST
@require_perm("reports.edit")
def figure_update(request, pk):
    figure = get_object_or_404(SectionFigure.objects.select_related("section"), pk=pk)
    return _submit(
        request,
        FigureEditForm(request.POST),
        figure.section,
        lambda **data: services.update_figure(actor=request.user, figure=figure, **data),
        _("Chiffre enregistré."),
    )


@require_POST
@require_perm("reports.edit")
def text_add(request, pk):
    section = get_object_or_404(Section, pk=pk)
    form = TextAddForm(request.POST)
    if not form.is_valid():
        _fail(request, _form_errors(form))
        return _back(section)
    try:
        block = services.add_text(
            actor=request.user, section=section, kind=form.cleaned_data["kind"]
        )
    except ValidationError as error:
        return _refused(request, error, section.report_id)
    return redirect("reports:text_edit", block.pk)


def _text_block(pk) -> TextBlock:
    return get_object_or_404(TextBlock.objects.select_related("section__report"), pk=pk)


@require_perm("reports.edit")
def text_edit(request, pk):
    """In place (htmx): GET gives the form, POST saves and gives the block back as it reads."""
    block = _text_block(pk)
    if block.section.report.published_at is not None:
        return _refused(
            request,
            ValidationError(_("Ce rapport a été publié : ses textes ne changent plus.")),
            block.section.report_id,
        )
    if request.method == "POST":
        form = TextForm(request.POST)
        if form.is_valid():
            try:
                services.update_text(
                    actor=request.user,
                    block=block,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except ValidationError as error:
                return _refused(request, error, block.section.report_id)
            if not request.htmx:
                messages.success(request, _("Texte enregistré."))
                return _back(block.section)
            return _text_response(request, block)
    else:
        form = TextForm(initial={"title": block.title, "body": block.body})
    return render(
        request,
        "reports/_text_form.html" if request.htmx else "reports/text_edit.html",
        {"text_block": block, "form": form},
    )


def _text_response(request, block: TextBlock):
    return render(
        request,
        "reports/_text.html",
        {
            "text_block": block,
            "parts": text_parts(block.body),
            "can_edit": request.user.has_coope_perm("reports.edit"),
        },
    )


@require_perm("reports.view")
def text_show(request, pk):
    """The block as it reads (htmx: "Annuler" of the in-place form)."""
    return _text_response(request, _text_block(pk))
