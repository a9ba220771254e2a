"""A report's content computed from the records: one structure read by the web page, the PDF,
the JSON and the spreadsheet, so that every output shows the same numbers."""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from coope.core.models import House
from coope.lib import charts
from coope.lib.indicators import (
    FigureValue,
    Indicator,
    Scope,
    Unit,
    as_float,
    as_json,
    from_json,
    registry,
)
from coope.lib.periods import Period, period_label
from coope.reports.models import Report, Section, SectionFigure, TextBlock

DEFAULT_COLOURS = ["#1f5f99", "#E4572E", "#17BEBB", "#76B041", "#6A4C93", "#F3A712"]


def earlier_caption(period: Period) -> str:
    """What a figure is compared with, as the page says it."""
    if period.longer_than_a_year:
        return _("période précédente de même durée")
    return _("un an avant")


def number(value: FigureValue | float, unit: Unit | None = None) -> str:
    """A figure as French readers write it: 1 350, 1 600 h, 9 840 €, 34,5 %. Counts are shown
    without their unit (the label says what is counted); quantities with theirs."""
    if value is None or isinstance(value, dict):
        return "—"
    unit = unit or Unit.PERSONS
    return unit.show(value, with_unit=unit.shows_unit)


def total(value: FigureValue, unit: Unit | None = None) -> float:
    """A scalar figure, or the sum of a breakdown's parts, in display units (to draw and compare)."""
    amount = as_float(value)
    return amount / unit.display.scale if unit is not None else amount


def text_parts(body: str) -> list[tuple[str, Any]]:
    """Plain text as paragraphs and bullet lists: a line starting with "- " is a bullet, a blank
    line ends a paragraph, other lines continue the paragraph or bullet above."""
    parts: list[tuple[str, Any]] = []
    current: list[str] | None = None
    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            current = None
            continue
        if line.startswith(("- ", "• ")):
            if not parts or parts[-1][0] != "ul" or current is None:
                parts.append(("ul", []))
            parts[-1][1].append(line[2:].strip())
            current = parts[-1][1]
        elif current is not None:
            current[-1] = f"{current[-1]} {line}"
        else:
            parts.append(("p", [line]))
            current = parts[-1][1]
    return [(kind, items if kind == "ul" else items[0]) for kind, items in parts]


@dataclass
class FigureView:
    figure: SectionFigure
    indicator: Indicator | None
    period: Period
    scope_kind: str
    scope_name: str
    scope: Scope | None = None
    value: FigureValue = None
    previous: FigureValue = None
    by_house: list[tuple[House, FigureValue]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # breakdown code -> label
    by_house_chart: str = ""
    breakdown_chart: str = ""
    # A published report shows its published values; `current` is what today's records give.
    published: bool = False
    current: FigureValue = None
    # The earlier period has no records at all: "pas de données", not 0.
    previous_missing: bool = False
    # Parts that count a person in several places add up to more than the figure.
    overlap_note: str = ""

    @property
    def key(self) -> str:
        return self.figure.indicator_key

    @property
    def missing(self) -> bool:
        return self.indicator is None

    @property
    def label(self) -> str:
        return self.figure.label or (str(self.indicator.label) if self.indicator else self.key)

    @property
    def unit(self) -> Unit:
        return self.indicator.unit if self.indicator else Unit.PERSONS

    @property
    def breakdown(self) -> bool:
        return bool(self.indicator and self.indicator.is_breakdown)

    @property
    def shown(self) -> str:
        return number(self.value, self.unit)

    @property
    def previous_shown(self) -> str:
        if self.previous_missing:
            return str(_("pas de données"))
        return number(self.previous, self.unit)

    @property
    def compared(self) -> bool:
        return self.previous is not None or self.previous_missing

    @property
    def previous_caption(self) -> str:
        return earlier_caption(self.period)

    @property
    def parts(self) -> list[tuple[str, str]]:
        """(label, shown) of each part of a breakdown."""
        if not self.breakdown or not isinstance(self.value, dict):
            return []
        return [
            (self.labels.get(code, code), number(v, self.unit)) for code, v in self.value.items()
        ]

    @property
    def has_records(self) -> bool:
        return bool(self.indicator and (self.indicator.records or self.indicator.parts))

    @property
    def changed(self) -> bool:
        """Published, and today's records give another value."""
        return self.published and self.indicator is not None and self.current != self.value

    @property
    def change_shown(self) -> str:
        """« 1 352, +2 » for a scalar; the new value for a breakdown."""
        if isinstance(self.current, dict) or isinstance(self.value, dict):
            return _("autres valeurs")
        difference = as_float(self.current) - as_float(self.value)
        shown = number(abs(difference), self.unit)
        if shown.split("\u00a0")[0] == "0":
            return f"{number(self.current, self.unit)} ({_('écart plus petit que l’arrondi')})"
        sign = "+" if difference > 0 else "−"
        return f"{number(self.current, self.unit)}, {sign}{shown}"


@dataclass
class SectionView:
    section: Section
    period: Period
    colour: str
    figures: list[FigureView]
    texts: list[tuple[TextBlock, list]]
    comparison_chart: str = ""

    @property
    def period_label(self) -> str:
        return period_label(self.period)


class Calculator:
    """Computes each (indicator, scope) once per render."""

    def __init__(self, cooperation: Any) -> None:
        self.cooperation = cooperation
        self.indicators = registry()
        self.cache: dict[tuple[Any, ...], FigureValue] = {}

    def __call__(
        self, indicator: Indicator, period: Period, association: Any = None, house: Any = None
    ) -> FigureValue:
        scope = Scope(self.cooperation, period, association, house)
        key = (indicator.key, *scope.key())
        if key not in self.cache:
            self.cache[key] = indicator.value(scope)
        return self.cache[key]


def load_report(report_id: int) -> Report:
    """The report with everything its render reads, in a fixed number of queries."""
    return (
        Report.objects.select_related("cooperation")
        .prefetch_related(
            Prefetch(
                "sections",
                queryset=Section.objects.select_related(
                    "association", "house", "project_group"
                ).prefetch_related("figures__published", "texts"),
            ),
        )
        .get(pk=report_id)
    )


def _in_order(value: FigureValue, order: list[str]) -> FigureValue:
    """A published breakdown in the order it was published (its codes first, then any other)."""
    if not isinstance(value, dict):
        return value
    return {code: value[code] for code in order if code in value} | value


def _published(figure: SectionFigure) -> Any:
    try:
        return figure.published
    except ObjectDoesNotExist:
        return None


def _fill(
    view: FigureView, calculate: Calculator, section: Section, houses: list[House], compare: bool
) -> None:
    """The figure's values: published ones for a published report, else today's records'."""
    indicator, period = view.indicator, view.period
    assert indicator is not None
    view.current = calculate(indicator, period, section.association, section.house)
    published = _published(view.figure)
    if published is not None:
        view.published = True
        order = [code for code, _label in published.labels]
        view.value = _in_order(from_json(published.value), order)
        view.previous = _in_order(from_json(published.previous), order)
        by_id = {h.pk: h for h in houses}
        view.by_house = [
            (by_id[int(pk)], from_json(v)) for pk, v in published.by_house if int(pk) in by_id
        ]
        view.labels = {code: label for code, label in published.labels}
        view.previous_missing = view.previous is None
        return
    view.value = view.current
    if compare:
        earlier = period.earlier()
        view.previous = calculate(indicator, earlier, section.association, section.house)
        if not indicator.has_records(
            Scope(calculate.cooperation, earlier, section.association, section.house)
        ):
            view.previous, view.previous_missing = None, True
    if view.figure.by_house and not indicator.is_breakdown and "house" in indicator.dimensions:
        view.by_house = [
            (h, calculate(indicator, period, None, h))
            for h in houses
            if section.house is None or h.pk == section.house_id
        ]
    if isinstance(view.value, dict) and view.scope is not None:
        view.labels = indicator.labels(view.scope, view.value.keys())


def overlap_note(view: FigureView) -> str:
    """A line under a chart whose parts add up to more than the figure: one person may count in
    several houses (a child of two households, a participant of activities in two houses)."""
    indicator, scope = view.indicator, view.scope
    if indicator is None or scope is None or view.published:
        return ""  # a published figure is not compared with today's records here
    if view.by_house:
        parts_total, whole = sum(as_float(v) for _h, v in view.by_house), as_float(view.value)
    elif (overlap := indicator.overlap(scope, view.value)) is not None:
        parts_total, whole = float(overlap[0]), float(overlap[1])
    else:
        return ""
    if parts_total <= whole:
        return ""
    return _(
        "Une personne peut compter dans plusieurs maisons : les parts font %(parts)s, "
        "pour %(whole)s au total."
    ) % {"parts": number(parts_total, view.unit), "whole": number(whole, view.unit)}


def build_sections(report: Report, *, compare: bool = True) -> list[SectionView]:
    """Every section of the report with its figures computed (and the year before, to compare)."""
    calculate = Calculator(report.cooperation)
    houses = list(House.objects.filter(cooperation=report.cooperation).order_by("name"))
    palette = [h.colour for h in houses] or DEFAULT_COLOURS
    views = []
    for index, section in enumerate(report.sections.all()):
        period = section.period_in(report)
        colour = palette[index % len(palette)]
        scope_name = str(section.house or section.association or report.cooperation)
        figures = []
        for figure in section.figures.all():
            indicator = calculate.indicators.get(figure.indicator_key)
            view = FigureView(
                figure=figure,
                indicator=indicator,
                period=period,
                scope_kind=section.scope_kind,
                scope_name=scope_name,
                scope=Scope(report.cooperation, period, section.association, section.house),
            )
            if indicator is not None:
                _fill(view, calculate, section, houses, compare)
                unit = indicator.unit
                if view.by_house:
                    view.by_house_chart = charts.bars(
                        _("%(label)s, par maison") % {"label": view.label},
                        [
                            (h.name, total(v, unit), number(v, unit), h.colour)
                            for h, v in view.by_house
                        ],
                    )
                if isinstance(view.value, dict) and view.value:
                    view.breakdown_chart = charts.bars(
                        view.label,
                        [
                            (view.labels.get(code, code), total(v, unit), number(v, unit), colour)
                            for code, v in view.value.items()
                        ],
                    )
                view.overlap_note = overlap_note(view)
            figures.append(view)
        compared = [f for f in figures if not f.missing and not f.breakdown and compare]
        comparison_chart = charts.comparison(
            _("%(section)s : chaque chiffre et la période de comparaison")
            % {"section": section.title},
            [
                (
                    f.label,
                    total(f.value, f.unit),
                    f.shown,
                    total(f.previous, f.unit),
                    f.previous_shown,
                )
                for f in compared
            ],
            colour,
            period_label(period),
            f"{period_label(period.earlier())} ({earlier_caption(period)})",
        )
        texts = [(block, text_parts(block.body)) for block in section.texts.all()]
        views.append(
            SectionView(
                section=section,
                period=period,
                colour=colour,
                figures=figures,
                texts=texts,
                comparison_chart=comparison_chart,
            )
        )
    return views


def _value_json(f: FigureView, value: FigureValue) -> Any:
    if isinstance(value, dict):
        return [
            {
                "code": code,
                "label": f.labels.get(code, code),
                "value": as_json(v),
                "shown": number(v, f.unit),
            }
            for code, v in value.items()
        ]
    return as_json(value)


def figures_json(report: Report, sections: list[SectionView]) -> dict[str, Any]:
    """The report's figures, each with its indicator key, period, scope and exact value in its
    base unit (fractions as [numerator, denominator]), with the value as shown beside it."""

    def period_json(period: Period) -> dict[str, str]:
        return {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period_label(period),
        }

    return {
        "report": report.title,
        "cooperation": report.cooperation.slug,
        "period": period_json(report.period),
        "published_at": report.published_at.isoformat() if report.published_at else None,
        "sections": [
            {
                "title": view.section.title,
                "period": period_json(view.period),
                "figures": [
                    {
                        "key": f.key,
                        "label": f.label,
                        "unit": str(f.unit),
                        "display_unit": f.unit.display.label,
                        "value": _value_json(f, f.value),
                        "shown": f.shown,
                        "previous_year": _value_json(f, f.previous),
                        "period": period_json(f.period),
                        "scope": {"kind": f.scope_kind, "name": f.scope_name},
                        **(
                            {"by_house": {h.name: as_json(v) for h, v in f.by_house}}
                            if f.by_house
                            else {}
                        ),
                        **({"since_publication": _value_json(f, f.current)} if f.changed else {}),
                    }
                    for f in view.figures
                    if not f.missing
                ],
            }
            for view in sections
        ],
    }


SHEET_HEADERS = [
    "Section",
    "Indicateur",
    "Libellé",
    "Détail",
    "Valeur",
    "Unité",
    "Du",
    "Au",
    "Périmètre",
    "Un an avant",
]


def _cell(value: FigureValue, unit: Unit) -> float | None:
    """A value in display units, rounded as shown (hours, kilograms, euros)."""
    if value is None or isinstance(value, dict):
        return None
    return unit.rounded(value)


def figures_rows(sections: list[SectionView]) -> list[list[Any]]:
    """One row per figure (per part for a breakdown, per house for a detail by house)."""
    rows: list[list[Any]] = []
    for view in sections:
        for f in view.figures:
            if f.missing:
                continue
            common = [view.section.title, f.key, f.label]
            tail = [f.unit.display.label, f.period.start, f.period.end, f.scope_name]
            if isinstance(f.value, dict):
                previous = f.previous if isinstance(f.previous, dict) else {}
                rows.extend(
                    [
                        *common,
                        f.labels.get(code, code),
                        _cell(v, f.unit),
                        *tail,
                        _cell(previous.get(code), f.unit),
                    ]
                    for code, v in f.value.items()
                )
            else:
                rows.append([*common, "", _cell(f.value, f.unit), *tail, _cell(f.previous, f.unit)])
                rows.extend(
                    [*common, house.name, _cell(v, f.unit), *tail, None] for house, v in f.by_house
                )
    return rows
