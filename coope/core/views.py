"""Helpers shared by every view: permission checks written once."""

import datetime
from dataclasses import dataclass, field
from functools import wraps

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from coope.core import exports
from coope.core.kept import Stamp, kept_result, read_stamp
from coope.core.models import House
from coope.lib import charts
from coope.lib.indicators import (
    FigureValue,
    Indicator,
    Scope,
    ShownFigure,
    Unit,
    breakdown_labels,
    compute_figures,
    registry,
    shown_figures,
)
from coope.lib.periods import Period, period_label
from coope.lib.spreadsheets import CONTENT_TYPES, write_spreadsheet


def require_perm(permission: str):
    """Login required, then the Coopé permission (see coope/core/permissions.py), else 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_coope_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def object_from_query(request, queryset, key: str):
    """The object whose pk is in ?key=, None when absent; 404 when unknown, not ours or malformed."""
    value = request.GET.get(key, "")
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return get_object_or_404(queryset, pk=value)


@login_required
def home(request):
    """Each role lands on a page it may open: the front desk, else the key figures; an
    inhabitant with no staff role lands on their TIC-TAC page; a platform administrator (a
    superuser of no cooperation) on the cooperations; the director of a cooperation without a
    house yet on its setup checklist."""
    if request.user.must_change_password:  # a password Coopé chose: its holder picks theirs
        return redirect("core:password_change")
    if request.user.is_superuser and request.user.cooperation_id is None:
        return redirect("core:platform")
    if (
        request.user.has_coope_perm("cooperation.configure")
        and not House.objects.filter(cooperation_id=request.user.cooperation_id).exists()
    ):  # a new cooperation: its director starts with the setup checklist
        return redirect("core:setup")
    if request.user.person_id is not None and not request.user.staff_roles.exists():
        return redirect("timebank:me")
    if request.user.has_coope_perm("people.view"):
        return redirect("people:desk")
    if request.user.has_coope_perm("figures.view"):
        return redirect("figures")
    raise PermissionDenied


FIGURE_FORMATS = ("xlsx", "ods", "csv")
FIGURE_HEADERS = [
    "Programme",
    "Chiffre",
    "Détail",
    "Valeur",
    "Unité",
    "Du",
    "Au",
    "Période de comparaison",
    "Valeur de comparaison",
]


@dataclass
class FigureGroup:
    """The figures of one app (membership, activities, the cannery...), as the page shows them."""

    label: str
    figures: list[ShownFigure]
    previous: dict[str, ShownFigure]
    chart: str = ""
    earlier_empty: bool = False
    # Under a breakdown whose parts add up to more than the whole: why (by figure key).
    notes: dict[str, str] = field(default_factory=dict)
    # Figures with no record in the earlier period (« pas de données »), by key.
    missing: set[str] = field(default_factory=set)

    @property
    def rows(self) -> list[tuple[ShownFigure, str]]:
        return [(f, self.notes.get(f.indicator.key, "")) for f in self.figures]


def _default_period(cooperation, today: datetime.date, stamp: Stamp) -> Period:
    """The last complete year with records in the most programmes (of the ten years before
    this one), else the current year: a year where only memberships were taken is not where a
    director expects to start. Kept while nothing is written (coope.core.kept)."""
    start, end = kept_result(
        cooperation,
        f"figures-default-year:{today.year}",
        lambda: _busiest_year(cooperation, today),
        stamp,
    )
    return Period(start, end)


def _busiest_year(cooperation, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    by_app: dict[str, list[Indicator]] = {}
    for item in registry().values():
        if item.records is not None and not item.fixed:
            by_app.setdefault(item.key.split(".", 1)[0], []).append(item)
    best, best_count = Period.year(today.year), 0
    for year in range(today.year - 1, today.year - 11, -1):
        scope = Scope(cooperation, Period.year(year))
        count = sum(
            any(item.records_for(scope).exists() for item in items) for items in by_app.values()
        )
        if count > best_count:
            best, best_count = Period.year(year), count
        if best_count == len(by_app):
            break
    return best.start, best.end


MIN_YEAR, MAX_YEAR = 1900, 2100  # beyond, a date is a typing error (and out of SQLite's range)


def _period_asked(request, today: datetime.date, stamp: Stamp) -> tuple[Period, str]:
    if not request.GET.get("du") and not request.GET.get("au"):
        return _default_period(request.cooperation, today, stamp), ""
    try:
        start = datetime.date.fromisoformat(request.GET.get("du") or f"{today.year}-01-01")
        end = datetime.date.fromisoformat(request.GET.get("au") or f"{today.year}-12-31")
    except ValueError:
        return _default_period(request.cooperation, today, stamp), _(
            "Dates non comprises : choisissez-les dans le calendrier (jour/mois/année)."
        )
    if start.year < MIN_YEAR or end.year > MAX_YEAR:
        return _default_period(request.cooperation, today, stamp), _(
            "Choisissez des dates entre %(min)s et %(max)s."
        ) % {"min": MIN_YEAR, "max": MAX_YEAR}
    if end < start:
        return _default_period(request.cooperation, today, stamp), _(
            "La période finit le %(end)s, avant de commencer le %(start)s : vérifiez les dates."
        ) % {"start": f"{start:%d/%m/%Y}", "end": f"{end:%d/%m/%Y}"}
    return Period(start, end), ""


@dataclass(frozen=True)
class PeriodFigures:
    """What the page reads from the database for a period: every figure of the period and of
    its earlier period, the labels of their breakdowns, where parts overlap, and which figures
    had no record then. Plain values, kept while nothing is written (coope.core.kept)."""

    values: dict[str, FigureValue]
    labels: dict[str, dict[str, str]]
    earlier_values: dict[str, FigureValue]
    earlier_labels: dict[str, dict[str, str]]
    overlaps: dict[str, tuple]
    missing: frozenset[str]


def _period_figures(cooperation, period: Period) -> PeriodFigures:
    scope, earlier = Scope(cooperation, period), Scope(cooperation, period.earlier())
    values = compute_figures(cooperation, period)
    before = compute_figures(cooperation, earlier.period)
    found = registry()
    overlaps = {}
    for key, value in values.items():
        if (overlap := found[key].overlap(scope, value)) is not None:
            overlaps[key] = overlap
    return PeriodFigures(
        values=values,
        labels=breakdown_labels(scope, values),
        earlier_values=before,
        earlier_labels=breakdown_labels(earlier, before),
        overlaps=overlaps,
        # A figure with no record behind it in the earlier period reads « pas de données »,
        # not 0 (only a zero needs the look: any other value has records).
        missing=frozenset(
            key
            for key, value in before.items()
            if value in (0, {}) and not found[key].has_records(earlier)
        ),
    )


def _groups(cooperation, period: Period, stamp: Stamp) -> list[FigureGroup]:
    """The figures of the period and of its earlier period, grouped by app."""
    scope, earlier = Scope(cooperation, period), Scope(cooperation, period.earlier())
    data: PeriodFigures = kept_result(
        cooperation,
        f"figures-page:{period.start}:{period.end}",
        lambda: _period_figures(cooperation, period),
        stamp,
    )
    shown = shown_figures(scope, data.values, data.labels)
    before = {
        f.indicator.key: f for f in shown_figures(earlier, data.earlier_values, data.earlier_labels)
    }
    order = {config.label: index for index, config in enumerate(apps.get_app_configs())}
    by_app: dict[str, list[ShownFigure]] = {}
    for figure in shown:
        by_app.setdefault(figure.indicator.key.split(".", 1)[0], []).append(figure)
    groups = []
    for app_label in sorted(by_app, key=lambda label: order.get(label, len(order))):
        try:
            label = str(apps.get_app_config(app_label).verbose_name)
        except LookupError:
            label = app_label
        group = FigureGroup(label=label, figures=by_app[app_label], previous=before)
        for f in group.figures:
            if (overlap := data.overlaps.get(f.indicator.key)) is not None:
                unit = f.indicator.unit
                where = (
                    _("plusieurs maisons")
                    if f.indicator.breakdown and f.indicator.breakdown.over_houses
                    else _("plusieurs parts")
                )
                group.notes[f.indicator.key] = _(
                    "Une personne peut compter dans %(where)s : les parts font %(parts)s, "
                    "pour %(whole)s au total."
                ) % {
                    "where": where,
                    "parts": unit.show(overlap[0]),
                    "whole": unit.show(overlap[1]),
                }
        scalars = [f for f in group.figures if not f.parts and f.value is not None]
        group.missing = {f.indicator.key for f in group.figures} & data.missing
        group.earlier_empty = all(
            f.indicator.key in group.missing or before[f.indicator.key].value is None
            for f in group.figures
        )
        nothing = _("pas de données")
        group.chart = charts.comparison(
            _("%(group)s : chaque chiffre et la période de comparaison") % {"group": label},
            [
                (
                    str(f.indicator.label),
                    _scalar(f.value, f.indicator.unit),
                    f.shown,
                    _scalar(before[f.indicator.key].value, f.indicator.unit),
                    nothing if f.indicator.key in group.missing else before[f.indicator.key].shown,
                )
                for f in scalars
            ],
            "#1f5f99",
            period_label(period),
            f"{period_label(period.earlier())}",
        )
        groups.append(group)
    return groups


def _scalar(value: FigureValue, unit: Unit) -> float:
    return unit.rounded(value) if value is not None and not isinstance(value, dict) else 0.0


def _sheet_rows(groups: list[FigureGroup], period: Period) -> list[list]:
    earlier = period.earlier()
    rows: list[list] = []
    for group in groups:
        for f in group.figures:
            unit = f.indicator.unit
            previous = group.previous.get(f.indicator.key)
            if f.indicator.key in group.missing:
                previous = None  # no record then: an empty cell, not 0
            common = [group.label, str(f.indicator.label)]
            tail = [unit.display.label, period.start, period.end, str(earlier)]
            if isinstance(f.value, dict):
                before = previous.value if previous and isinstance(previous.value, dict) else {}
                for (label, _shown), (code, value) in zip(f.parts, f.value.items(), strict=True):
                    rows.append(
                        [
                            *common,
                            label,
                            unit.rounded(value),
                            *tail,
                            _scalar(before.get(code), unit) if code in before else None,
                        ]
                    )
            else:
                rows.append(
                    [
                        *common,
                        "",
                        _scalar(f.value, unit) if f.value is not None else None,
                        *tail,
                        _scalar(previous.value, unit)
                        if previous and previous.value is not None
                        else None,
                    ]
                )
    return rows


@require_perm("figures.view")
def figures(request):
    """The key figures of a period, grouped by programme, each against its earlier period, with
    a download; it opens on the last complete year with records."""
    today = timezone.localdate()
    stamp = read_stamp(request.cooperation.pk)  # before anything is read: see coope.core.kept
    period, error = _period_asked(request, today, stamp)
    groups = _groups(request.cooperation, period, stamp)
    fmt = request.GET.get("format", "")
    if fmt:
        if fmt not in FIGURE_FORMATS:
            raise Http404
        rows = _sheet_rows(groups, period)
        data = write_spreadsheet(FIGURE_HEADERS, rows, fmt, title=f"Chiffres {period.start.year}")
        response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
        name = f"chiffres-cles-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return exports.audited(
            response,
            request=request,
            list_name="figures",
            rows=len(rows),
            label=_("Chiffres clés"),
            details={"format": fmt, "du": period.start.isoformat(), "au": period.end.isoformat()},
        )
    return render(
        request,
        "core/figures.html",
        {
            "period": period,
            "period_label": period_label(period),
            "earlier_label": period_label(period.earlier()),
            "groups": groups,
            "error": error,
            "formats": FIGURE_FORMATS,
        },
    )
