"""A report's content computed from the records: one structure read by the web page, the PDF,
the JSON and the spreadsheet, so that every output shows the same numbers."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from coope.core.models import House
from coope.lib.indicators import Indicator, registry
from coope.lib.periods import Period
from coope.reports import charts
from coope.reports.models import Report, Section, SectionFigure, TextBlock, period_label, shift_year

DEFAULT_COLOURS = ["#1f5f99", "#E4572E", "#17BEBB", "#76B041", "#6A4C93", "#F3A712"]


def shift_years(period: Period, years: int) -> Period:
    return Period(shift_year(period.start, years), shift_year(period.end, years))


def number(value: Any, unit: str = "") -> str:
    """A figure as French readers write it: 1 350, 820,5, 9 840 €, 34,5 %."""
    if value is None:
        return "—"
    if unit == "centimes":
        value, unit = value / 100, "€"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = f"{value:,}".replace(",", "\u202f")
    else:
        text = f"{value:,.1f}".replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0{unit}" if unit in ("€", "%") else text


def total(value: Any) -> float:
    """A scalar figure, or the sum of a breakdown's parts (to draw and compare it)."""
    if isinstance(value, dict):
        return float(sum(v for v in value.values() if isinstance(v, int | float)))
    return float(value or 0)


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
    value: Any = None
    previous: Any = None
    by_house: list[tuple[House, Any]] = field(default_factory=list)
    by_house_chart: str = ""
    breakdown_chart: str = ""

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
    def unit(self) -> str:
        return self.indicator.unit if self.indicator else ""

    @property
    def breakdown(self) -> bool:
        return bool(self.indicator and self.indicator.breakdown)

    @property
    def shown(self) -> str:
        return number(self.value, self.unit)

    @property
    def previous_shown(self) -> str:
        return number(self.previous, self.unit)

    @property
    def parts(self) -> list[tuple[str, str]]:
        return (
            [(part, number(v, self.unit)) for part, v in (self.value or {}).items()]
            if self.breakdown
            else []
        )

    @property
    def has_records(self) -> bool:
        return bool(self.indicator and self.indicator.records)


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
    """Computes each (indicator, period, scope) once per render."""

    def __init__(self, cooperation):
        self.cooperation = cooperation
        self.indicators = registry()
        self.cache: dict[tuple, Any] = {}

    def __call__(self, indicator: Indicator, period: Period, association=None, house=None):
        key = (indicator.key, period, getattr(association, "pk", None), getattr(house, "pk", None))
        if key not in self.cache:
            self.cache[key] = indicator(
                self.cooperation, period, association=association, house=house
            )
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
                ).prefetch_related("figures", "texts"),
            ),
        )
        .get(pk=report_id)
    )


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
            )
            if indicator is not None:
                view.value = calculate(indicator, period, section.association, section.house)
                if compare:
                    view.previous = calculate(
                        indicator, shift_years(period, -1), section.association, section.house
                    )
                if figure.by_house and not indicator.breakdown:
                    view.by_house = [
                        (h, calculate(indicator, period, None, h))
                        for h in houses
                        if section.house is None or h.pk == section.house_id
                    ]
                    view.by_house_chart = charts.bars(
                        _("%(label)s, par maison") % {"label": view.label},
                        [
                            (h.name, total(v), number(v, view.unit), h.colour)
                            for h, v in view.by_house
                        ],
                    )
                if indicator.breakdown and view.value:
                    view.breakdown_chart = charts.bars(
                        view.label,
                        [
                            (part, total(v), number(v, view.unit), colour)
                            for part, v in view.value.items()
                        ],
                    )
            figures.append(view)
        compared = [f for f in figures if not f.missing and not f.breakdown and compare]
        comparison_chart = charts.comparison(
            _("%(section)s : chaque chiffre et la même période un an avant")
            % {"section": section.title},
            [
                (f.label, total(f.value), f.shown, total(f.previous), number(f.previous, f.unit))
                for f in compared
            ],
            colour,
            period_label(period),
            period_label(shift_years(period, -1)),
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


def figures_json(report: Report, sections: list[SectionView]) -> dict:
    """The report's figures, each with its indicator key, period and scope."""

    def period_json(period: Period) -> dict:
        return {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period_label(period),
        }

    return {
        "report": report.title,
        "cooperation": report.cooperation.slug,
        "period": period_json(report.period),
        "sections": [
            {
                "title": view.section.title,
                "period": period_json(view.period),
                "figures": [
                    {
                        "key": f.key,
                        "label": f.label,
                        "unit": f.unit,
                        "value": f.value,
                        "previous_year": f.previous,
                        "period": period_json(f.period),
                        "scope": {"kind": f.scope_kind, "name": f.scope_name},
                        **({"by_house": {h.name: v for h, v in f.by_house}} if f.by_house else {}),
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


def figures_rows(sections: list[SectionView]) -> list[list[Any]]:
    """One row per figure (per part for a breakdown, per house for a detail by house)."""
    rows = []
    for view in sections:
        for f in view.figures:
            if f.missing:
                continue
            common = [view.section.title, f.key, f.label]
            tail = [f.unit, f.period.start, f.period.end, f.scope_name]
            if f.breakdown:
                previous = f.previous or {}
                rows.extend(
                    [*common, part, v, *tail, previous.get(part)]
                    for part, v in (f.value or {}).items()
                )
            else:
                rows.append([*common, "", f.value, *tail, f.previous])
                rows.extend([*common, house.name, v, *tail, None] for house, v in f.by_house)
    return rows
