"""The indicator registry, the spine of the activity report.

Each app declares its key figures in its own `indicators.py`:

    @indicator("membership.members", _("Adhérents"), unit="personnes")
    def members(cooperation, period, *, association=None, house=None) -> int: ...

A figure is a number, or a mapping label -> number for a breakdown. Functions use
database aggregates, never loops over rows.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F
from django.utils.module_loading import autodiscover_modules

from coope.lib.periods import Period


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str
    compute: Callable[..., Any]
    breakdown: bool = False
    # records(cooperation, period, *, association=None, house=None) -> the queryset of the rows
    # the figure counts, for provenance ("which records make this number?").
    records: Callable[..., Any] | None = None
    do_not_call_in_templates = True  # templates read its label, they do not compute it

    def __call__(self, cooperation, period: Period, *, association=None, house=None):
        return self.compute(cooperation, period, association=association, house=house)


_REGISTRY: dict[str, Indicator] = {}
_discovered = False


def indicator(
    key: str,
    label,
    *,
    unit: str,
    breakdown: bool = False,
    records: Callable[..., Any] | None = None,
):
    def register(func):
        if key in _REGISTRY and _REGISTRY[key].compute is not func:
            raise ValueError(f"Indicator {key} is declared twice.")
        _REGISTRY[key] = Indicator(
            key=key, label=label, unit=unit, compute=func, breakdown=breakdown, records=records
        )
        return func

    return register


def registry() -> dict[str, Indicator]:
    global _discovered
    if not _discovered:
        autodiscover_modules("indicators")
        _discovered = True
    return dict(sorted(_REGISTRY.items()))


def compute_figures(
    cooperation, period: Period, *, association=None, house=None, keys: list[str] | None = None
) -> dict[str, Any]:
    indicators = registry()
    unknown = set(keys or []) - indicators.keys()
    if unknown:
        raise KeyError(f"Indicateurs inconnus : {', '.join(sorted(unknown))}")
    return {
        key: ind(cooperation, period, association=association, house=house)
        for key, ind in indicators.items()
        if keys is None or key in keys
    }


def count_by(queryset, group) -> dict[str, int]:
    """{group value: row count} over a queryset, grouped in the database.

    `group` is a field name or an expression; empty values are counted as "inconnu"."""
    if isinstance(group, str):
        group = F(group)
    rows = queryset.values(group=group).annotate(n=Count("pk")).order_by("group")
    result: dict[str, int] = {}
    for row in rows:
        label = row["group"] or "inconnu"
        result[label] = result.get(label, 0) + row["n"]
    return result
