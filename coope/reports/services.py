"""Every write to a report: one function each, atomic, audited."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from coope.core import audit
from coope.lib.indicators import as_json, registry
from coope.lib.periods import shift_date
from coope.reports.models import (
    PublishedFigure,
    Report,
    ReportPdf,
    Section,
    SectionFigure,
    TextBlock,
    TextKind,
    shift_year,
)


def _check_period(start, end) -> None:
    if (start is None) != (end is None):
        raise ValidationError(_("Donnez les deux dates de la période, ou aucune."))
    if start is not None and end < start:
        raise ValidationError(
            _("La période finit le %(end)s, avant de commencer le %(start)s : vérifiez les dates.")
            % {"start": f"{start:%d/%m/%Y}", "end": f"{end:%d/%m/%Y}"}
        )


def _check_indicator(key: str) -> None:
    if key not in registry():
        raise ValidationError(
            _("L'indicateur « %(key)s » n'existe pas : choisissez-le dans la liste.") % {"key": key}
        )


def _check_editable(report: Report) -> None:
    """Refuse any change to a published report (read from the database, not from a copy)."""
    # Locked, so that an edit and a publication take turns: an edit that started before the
    # publication ends before it is frozen; one that starts after sees it published.
    published_at = (
        Report.objects.select_for_update()
        .filter(pk=report.pk)
        .values_list("published_at", flat=True)
        .first()
    )
    if published_at is not None:
        raise ValidationError(
            _(
                "Ce rapport a été publié le %(day)s : il ne change plus. Pour un autre texte ou "
                "d'autres chiffres, préparez un nouveau rapport."
            )
            % {"day": f"{timezone.localtime(published_at):%d/%m/%Y}"}
        )


def _report_of(instance) -> Report:
    if isinstance(instance, Report):
        return instance
    if isinstance(instance, Section):
        return instance.report
    return instance.section.report


def _update(actor, instance, **values):
    """Set fields, save them and audit the difference."""
    _check_editable(_report_of(instance))
    fields = list(values)
    before = audit.snapshot(instance, fields)
    for name, value in values.items():
        setattr(instance, name, value)
    instance.save(
        update_fields=[*fields, *(["updated_at"] if isinstance(instance, Report) else [])]
    )
    audit.record(
        actor=actor,
        action="update",
        instance=instance,
        changes=audit.diff(before, audit.snapshot(instance, fields)),
    )
    return instance


def _remove(actor, instance) -> None:
    _check_editable(_report_of(instance))
    audit.record(actor=actor, action="delete", instance=instance, changes=audit.snapshot(instance))
    instance.delete()


def _next_order(queryset) -> int:
    return (queryset.aggregate(m=Max("order"))["m"] or 0) + 1


# -- reports -----------------------------------------------------------------------------------


@transaction.atomic
def create_report(*, actor, cooperation, title: str, period_start, period_end) -> Report:
    _check_period(period_start, period_end)
    if not title.strip():
        raise ValidationError(_("Donnez un titre au rapport, ex. « Rapport d'activités 2019 »."))
    report = Report.objects.create(
        cooperation=cooperation,
        title=title.strip(),
        period_start=period_start,
        period_end=period_end,
    )
    audit.record(actor=actor, action="create", instance=report, changes=audit.snapshot(report))
    return report


@transaction.atomic
def update_report(*, actor, report: Report, title: str, period_start, period_end) -> Report:
    _check_period(period_start, period_end)
    if not title.strip():
        raise ValidationError(_("Le titre du rapport ne peut pas être vide."))
    return _update(
        actor, report, title=title.strip(), period_start=period_start, period_end=period_end
    )


@transaction.atomic
def delete_report(*, actor, report: Report) -> None:
    _remove(actor, report)


@transaction.atomic
def start_next_report(*, actor, report: Report, year: int) -> Report:
    """A new report for `year` with this report's structure: sections, figures and texts,
    every period shifted by the years between the two. Figures are computed anew; the texts
    are copied so that staff rewrite them rather than start from a blank page."""
    years = year - report.period_start.year
    if Report.objects.filter(
        cooperation=report.cooperation,
        made_from=report,
        period_start=shift_date(report.period_start, years),
    ).exists():
        raise ValidationError(
            _("Le rapport %(year)s a déjà été préparé à partir de celui-ci.") % {"year": year}
        )
    title = report.title.replace(str(report.period_start.year), str(year))
    if title == report.title:
        title = f"{report.title} ({year})"
    new = Report.objects.create(
        cooperation=report.cooperation,
        title=title,
        made_from=report,
        period_start=shift_date(report.period_start, years),
        period_end=shift_date(report.period_end, years),
    )
    sections = list(report.sections.prefetch_related("figures", "texts"))
    copies = Section.objects.bulk_create(
        Section(
            cooperation=report.cooperation,
            report=new,
            order=s.order,
            title=s.title,
            period_start=shift_year(s.period_start, years),
            period_end=shift_year(s.period_end, years),
            project_group_id=s.project_group_id,
            association_id=s.association_id,
            house_id=s.house_id,
        )
        for s in sections
    )
    SectionFigure.objects.bulk_create(
        SectionFigure(
            cooperation=report.cooperation,
            section=copy,
            order=f.order,
            indicator_key=f.indicator_key,
            label=f.label,
            by_house=f.by_house,
        )
        for section, copy in zip(sections, copies, strict=True)
        for f in section.figures.all()
    )
    TextBlock.objects.bulk_create(
        TextBlock(
            cooperation=report.cooperation,
            section=copy,
            order=t.order,
            kind=t.kind,
            title=t.title,
            body=t.body,
        )
        for section, copy in zip(sections, copies, strict=True)
        for t in section.texts.all()
    )
    audit.record(
        actor=actor,
        action="create",
        instance=new,
        changes={**audit.snapshot(new), "sections": len(copies)},
    )
    return new


@transaction.atomic
def create_report_from_template(*, actor, cooperation, template: dict, year: int) -> Report:
    """A report built from a structure (see coope/reports/demo.py): periods are given relative to
    `year`; a figure whose indicator is not in the registry (its app not installed yet) is skipped."""
    from coope.core.models import ProjectGroup

    def day(spec):
        years, month, day_ = spec
        return datetime.date(year + years, month, day_)

    groups = {g.slug: g for g in ProjectGroup.objects.filter(cooperation=cooperation)}
    known = registry()
    report = create_report(
        actor=actor,
        cooperation=cooperation,
        title=template["title"].format(year=year),
        period_start=datetime.date(year, 1, 1),
        period_end=datetime.date(year, 12, 31),
    )
    sections, figures, texts = [], [], []
    for order, spec in enumerate(template["sections"], start=1):
        period = spec.get("period")
        section = Section(
            cooperation=cooperation,
            report=report,
            order=order,
            title=spec["title"],
            period_start=day(period[0]) if period else None,
            period_end=day(period[1]) if period else None,
            project_group=groups.get(spec.get("project_group", "")),
        )
        sections.append(section)
        figures.append(
            [
                SectionFigure(
                    cooperation=cooperation,
                    order=number,
                    indicator_key=key,
                    label=label,
                    by_house=by_house,
                )
                for number, (key, label, by_house) in enumerate(spec.get("figures", []), start=1)
                if key in known
            ]
        )
        texts.append(
            [
                TextBlock(
                    cooperation=cooperation, order=number, kind=kind, title=title, body=body.strip()
                )
                for number, (kind, title, body) in enumerate(spec.get("texts", []), start=1)
            ]
        )
    Section.objects.bulk_create(sections)
    for section, section_figures, section_texts in zip(sections, figures, texts, strict=True):
        for figure in section_figures:
            figure.section = section
        for text in section_texts:
            text.section = section
    SectionFigure.objects.bulk_create([f for fs in figures for f in fs])
    TextBlock.objects.bulk_create([t for ts in texts for t in ts])
    return report


# -- sections ----------------------------------------------------------------------------------


@transaction.atomic
def add_section(
    *, actor, report: Report, title: str, period_start=None, period_end=None, project_group=None
) -> Section:
    _check_editable(report)
    _check_period(period_start, period_end)
    if not title.strip():
        raise ValidationError(_("Donnez un titre à la section, ex. « La conserverie mobile »."))
    section = Section.objects.create(
        cooperation=report.cooperation,
        report=report,
        order=_next_order(report.sections.all()),
        title=title.strip(),
        period_start=period_start,
        period_end=period_end,
        project_group=project_group,
    )
    audit.record(actor=actor, action="create", instance=section, changes=audit.snapshot(section))
    return section


@transaction.atomic
def update_section(
    *, actor, section: Section, title: str, period_start=None, period_end=None, house=None
) -> Section:
    """Title, own period (none: the report's) and the house whose figures it shows (none: all)."""
    _check_period(period_start, period_end)
    if not title.strip():
        raise ValidationError(_("Le titre de la section ne peut pas être vide."))
    if house is not None and house.cooperation_id != section.cooperation_id:
        raise ValidationError(_("Cette maison n'est pas de la coopération du rapport."))
    return _update(
        actor,
        section,
        title=title.strip(),
        period_start=period_start,
        period_end=period_end,
        house=house,
        association=house.association if house is not None else None,
    )


@transaction.atomic
def remove_section(*, actor, section: Section) -> None:
    _remove(actor, section)


def _move(actor, queryset, item, direction: int):
    """Swap `item` with its neighbour above (-1) or below (+1), renumbering the list 1..n."""
    _check_editable(_report_of(item))
    before = item.order
    items = list(queryset.select_for_update().order_by("order", "pk"))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    target = index + direction
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for number, other in enumerate(items, start=1):
        other.order = number
    type(item).objects.bulk_update(items, ["order"])
    item.order = next(other.order for other in items if other.pk == item.pk)
    audit.record(actor=actor, action="move", instance=item, changes={"order": [before, item.order]})
    return item


@transaction.atomic
def move_section(*, actor, section: Section, direction: int) -> Section:
    return _move(actor, Section.objects.filter(report_id=section.report_id), section, direction)


# -- figures -----------------------------------------------------------------------------------


@transaction.atomic
def add_figure(
    *, actor, section: Section, indicator_key: str, label: str = "", by_house: bool = False
) -> SectionFigure:
    _check_editable(section.report)
    _check_indicator(indicator_key)
    figure = SectionFigure.objects.create(
        cooperation=section.cooperation,
        section=section,
        order=_next_order(section.figures.all()),
        indicator_key=indicator_key,
        label=label.strip(),
        by_house=by_house,
    )
    audit.record(actor=actor, action="create", instance=figure, changes=audit.snapshot(figure))
    return figure


@transaction.atomic
def update_figure(*, actor, figure: SectionFigure, label: str, by_house: bool) -> SectionFigure:
    return _update(actor, figure, label=label.strip(), by_house=by_house)


@transaction.atomic
def remove_figure(*, actor, figure: SectionFigure) -> None:
    _remove(actor, figure)


@transaction.atomic
def move_figure(*, actor, figure: SectionFigure, direction: int) -> SectionFigure:
    return _move(
        actor, SectionFigure.objects.filter(section_id=figure.section_id), figure, direction
    )


# -- texts -------------------------------------------------------------------------------------


@transaction.atomic
def add_text(
    *, actor, section: Section, kind: str = TextKind.FREE, title: str = "", body: str = ""
) -> TextBlock:
    _check_editable(section.report)
    if kind not in TextKind.values:
        raise ValidationError(_("Type de texte inconnu : choisissez-le dans la liste."))
    block = TextBlock.objects.create(
        cooperation=section.cooperation,
        section=section,
        order=_next_order(section.texts.all()),
        kind=kind,
        title=title.strip(),
        body=body.strip(),
    )
    audit.record(actor=actor, action="create", instance=block, changes=audit.snapshot(block))
    return block


@transaction.atomic
def update_text(*, actor, block: TextBlock, title: str, body: str) -> TextBlock:
    return _update(actor, block, title=title.strip(), body=body.strip())


@transaction.atomic
def remove_text(*, actor, block: TextBlock) -> None:
    _remove(actor, block)


@transaction.atomic
def move_text(*, actor, block: TextBlock, direction: int) -> TextBlock:
    return _move(actor, TextBlock.objects.filter(section_id=block.section_id), block, direction)


# -- publication -------------------------------------------------------------------------------


def _codes(value: object) -> list[str]:
    return list(value) if isinstance(value, dict) else []


@transaction.atomic
def publish_report(*, actor, report: Report) -> Report:
    """Freeze the report: each figure's exact value, the year before, its parts by house and the
    ids of the records it counted are stored; the report shows them from now on, whatever
    today's records say (and says where they differ)."""
    from coope.reports.provenance import record_ids
    from coope.reports.rendering import build_sections, load_report

    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.published_at is not None:
        raise ValidationError(_("Ce rapport est déjà publié."))
    loaded = load_report(report.pk)
    published = []
    for view in build_sections(loaded):
        for f in view.figures:
            if f.indicator is None or f.scope is None:
                continue
            published.append(
                PublishedFigure(
                    cooperation=report.cooperation,
                    report=report,
                    figure=f.figure,
                    indicator_key=f.key,
                    label=f.label[:200],
                    unit=str(f.unit),
                    period_start=f.period.start,
                    period_end=f.period.end,
                    value=as_json(f.value),
                    previous=as_json(f.previous),
                    # Lists of pairs: PostgreSQL's jsonb does not keep the order of an object.
                    by_house=[[h.pk, as_json(v)] for h, v in f.by_house],
                    labels=[[code, f.labels.get(code, code)] for code in _codes(f.value)],
                    record_ids=record_ids(f.indicator, f.scope),
                )
            )
    PublishedFigure.objects.bulk_create(published)
    report.published_at = timezone.now()
    report.published_by = actor if actor is not None and actor.is_authenticated else None
    report.save(update_fields=["published_at", "published_by", "updated_at"])
    audit.record(
        actor=actor,
        action="publish",
        instance=report,
        changes={"published_at": report.published_at.isoformat(), "figures": len(published)},
    )
    _new_pdf(actor, report, PUBLISHED)  # made now, kept as it is: the report never changes
    return report


# -- its PDF -----------------------------------------------------------------------------------

PUBLISHED = {"published": True}
# A PDF asked for this long ago and still not made: its worker died; it is asked again.
STUCK_AFTER = datetime.timedelta(minutes=10)


def _new_pdf(actor, report: Report, state: dict) -> ReportPdf:
    from coope.reports import tasks

    # Earlier PDFs of a report not published are of a state gone by: not kept.
    report.pdfs.exclude(state=PUBLISHED).exclude(
        status__in=[ReportPdf.Status.WAITING, ReportPdf.Status.MAKING]
    ).delete()
    pdf = ReportPdf.objects.create(
        cooperation=report.cooperation,
        report=report,
        state=state,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    tasks.enqueue(pdf)
    return pdf


def stuck(pdf: ReportPdf) -> bool:
    return pdf.running and pdf.requested_at < timezone.now() - STUCK_AFTER


@transaction.atomic
def request_pdf(*, actor, report: Report) -> ReportPdf:
    """The report's PDF as it stands: the one made (or being made) from the same report and the
    same records, else a new one, made in the background once this is committed. A published
    report's PDF is the one made at its publication (made again only if that one failed).
    Not audited: asking for a PDF changes nothing a figure counts (its download is audited)."""
    from coope.core.kept import Stamp, read_stamp, still_fresh

    report = Report.objects.select_for_update().get(pk=report.pk)  # two clicks: one PDF
    now = None if report.published_at is not None else read_stamp(report.cooperation_id)
    for pdf in (
        report.pdfs.exclude(status=ReportPdf.Status.FAILED)
        .defer("content")
        .order_by("-requested_at", "-pk")
    ):
        if stuck(pdf):
            continue
        if now is None and pdf.state == PUBLISHED:
            return pdf
        if (
            now is not None
            and pdf.state != PUBLISHED
            and still_fresh(Stamp.from_json(pdf.state), now)
        ):
            return pdf
    return _new_pdf(actor, report, PUBLISHED if now is None else now.as_json())
