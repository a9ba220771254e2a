"""The figure layer: every key figure is a measure over its records.

Each app declares its key figures in its own `indicators.py`. An indicator is a function that
returns its records (a queryset) for a `Scope`, and a declaration of how they are measured:

    @indicator("membership.members", _("Adhérents"), unit=Unit.PERSONS, measure=Distinct(),
               dimensions={"association", "house"})
    def members(scope: Scope) -> QuerySet[Person]: ...

- The value is computed from the records, so the number and the rows behind it cannot disagree.
- Values are exact, in base units (minutes, grams, centilitres, cents, whole counts, an exact
  fraction for percentages); rounding and units happen at display (`Unit.show`).
- A breakdown is keyed by stable codes (a choice value, a primary key, a band code), labelled at
  display (`Indicator.labels`).
- The dimensions a figure accepts are declared; the period and the cooperation always apply.
  `programme` slices a figure by programme (the code of `coope.core.plugins.Programme`), so a
  programme's figures are the shared figures sliced by its code (`derived`).
- `public_fields` are the fields of its records that may be shown to a role that may not see
  people; nothing else is shown to them.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Protocol

from django.db.models import Count, Expression, F, Model, Q, QuerySet
from django.db.models import Sum as SumOf
from django.utils.module_loading import autodiscover_modules
from unidecode import unidecode

from coope.lib.periods import Period

Value = int | Fraction
FigureValue = Value | dict[str, Value] | None
DIMENSIONS = frozenset({"association", "house", "programme"})


@dataclass(frozen=True)
class UnitDisplay:
    label: str  # written after the number (singular labels are not used: figures are counts)
    scale: int = 1  # base units per displayed unit (60 minutes per hour)
    decimals: int = 0
    symbol: bool = False  # "€" and "%" stick to the number with a non-breaking space
    singular: str = ""  # for exactly 1: « 1 atelier », not « 1 ateliers »


class Unit(enum.StrEnum):
    """The one list of units. A value is stored in the base unit, shown in the display unit."""

    PERSONS = "persons"
    HOUSEHOLDS = "households"
    SESSIONS = "sessions"
    WORKSHOPS = "workshops"
    ATTENDANCES = "attendances"
    EVENTS = "events"
    COMMUNES = "communes"
    VISITS = "visits"
    EXCHANGES = "exchanges"
    ACCOUNTS = "accounts"
    PRODUCERS = "producers"
    JARS = "jars"
    VEHICLES = "vehicles"
    LOANS = "loans"
    RIDES = "rides"
    CYCLES = "cycles"
    KILOMETRES = "kilometres"
    DAYS = "days"
    MINUTES = "minutes"
    GRAMS = "grams"
    CENTILITRES = "centilitres"
    CENTS = "cents"
    PERCENT = "percent"

    @property
    def display(self) -> UnitDisplay:
        return UNIT_DISPLAY[self]

    @property
    def shows_unit(self) -> bool:
        """Quantities (hours, kilograms, euros, %) are shown with their unit; counts are not."""
        return self.display.scale != 1 or self.display.symbol

    def to_display(self, value: Value) -> Fraction:
        return Fraction(value) / self.display.scale

    def rounded(self, value: Value) -> float | int:
        """The value in display units, rounded as it is shown (half away from zero): what a
        spreadsheet cell holds, so that it reads as the page does (a count stays whole)."""
        text = french_number(self.to_display(value), self.display.decimals)
        number = float(text.replace("\u202f", "").replace(",", "."))
        return int(number) if self.display.decimals == 0 else number

    def show(self, value: FigureValue | float, *, with_unit: bool = True) -> str:
        """The value as French readers write it: 1 350, 1 600 h, 1 900 kg, 9 840 €, 34,5 %."""
        if value is None or isinstance(value, dict):
            return "—"
        display = self.display
        shown = Fraction(value).limit_denominator(10**9) / display.scale
        text = french_number(shown, display.decimals)
        if not with_unit:
            return text
        label = display.singular if text == "1" and display.singular else display.label
        return f"{text}\u00a0{label}"


UNIT_DISPLAY: dict[Unit, UnitDisplay] = {
    Unit.PERSONS: UnitDisplay("personnes", singular="personne"),
    Unit.HOUSEHOLDS: UnitDisplay("foyers", singular="foyer"),
    Unit.SESSIONS: UnitDisplay("séances", singular="séance"),
    Unit.WORKSHOPS: UnitDisplay("ateliers", singular="atelier"),
    Unit.ATTENDANCES: UnitDisplay("présences", singular="présence"),
    Unit.EVENTS: UnitDisplay("évènements", singular="évènement"),
    Unit.COMMUNES: UnitDisplay("communes", singular="commune"),
    Unit.VISITS: UnitDisplay("passages", singular="passage"),
    Unit.EXCHANGES: UnitDisplay("échanges", singular="échange"),
    Unit.ACCOUNTS: UnitDisplay("comptes", singular="compte"),
    Unit.PRODUCERS: UnitDisplay("producteurs", singular="producteur"),
    Unit.JARS: UnitDisplay("bocaux", singular="bocal"),
    Unit.VEHICLES: UnitDisplay("véhicules", singular="véhicule"),
    Unit.LOANS: UnitDisplay("prêts", singular="prêt"),
    Unit.RIDES: UnitDisplay("trajets", singular="trajet"),
    Unit.CYCLES: UnitDisplay("cycles", singular="cycle"),
    Unit.KILOMETRES: UnitDisplay("km"),
    Unit.DAYS: UnitDisplay("jours", singular="jour"),
    Unit.MINUTES: UnitDisplay("h", scale=60, decimals=1),
    Unit.GRAMS: UnitDisplay("kg", scale=1000, decimals=1),
    Unit.CENTILITRES: UnitDisplay("L", scale=100, decimals=1),
    Unit.CENTS: UnitDisplay("€", scale=100, decimals=2, symbol=True),
    Unit.PERCENT: UnitDisplay("%", decimals=1, symbol=True),
}


def french_number(value: Fraction | int, decimals: int) -> str:
    """1 350 ; 820,5 ; 12,50 — rounded half away from zero, trailing ",0" dropped."""
    quantum = Fraction(1, 10**decimals)
    sign = -1 if value < 0 else 1
    steps = int(abs(Fraction(value)) / quantum + Fraction(1, 2))
    whole, part = divmod(steps, 10**decimals)
    text = f"{whole:,}".replace(",", "\u202f")
    if decimals and part:
        text += "," + f"{part:0{decimals}d}"
    return f"-{text}" if sign < 0 and steps else text


def as_float(value: FigureValue) -> float:
    """A scalar figure, or the sum of a breakdown's parts, as a float (to draw and compare)."""
    if isinstance(value, dict):
        return float(sum(value.values()))
    return float(value or 0)


def as_json(value: FigureValue) -> Any:
    """Exact values in JSON: integers as they are, fractions as [numerator, denominator]."""
    if isinstance(value, dict):
        return {code: as_json(v) for code, v in value.items()}
    if isinstance(value, Fraction):
        return [value.numerator, value.denominator]
    return value


def from_json(data: Any) -> FigureValue:
    if isinstance(data, dict):
        return {code: from_json(v) for code, v in data.items()}  # type: ignore[misc]
    if isinstance(data, list):
        return Fraction(data[0], data[1])
    if data is None or isinstance(data, int):
        return data
    return Fraction(data)


@dataclass(frozen=True)
class Scope:
    """What a figure is asked for: a cooperation, a period and optional dimensions."""

    cooperation: Any
    period: Period
    association: Any = None
    house: Any = None
    programme: str | None = None

    def dimensions(self) -> set[str]:
        return {name for name in DIMENSIONS if getattr(self, name) is not None}

    def key(self) -> tuple[Any, ...]:
        return (
            getattr(self.cooperation, "pk", None),
            self.period,
            getattr(self.association, "pk", None),
            getattr(self.house, "pk", None),
            self.programme,
        )


# -- measures ----------------------------------------------------------------------------------


class Measure(Protocol):
    def value(self, records: QuerySet[Any]) -> Value: ...

    def grouped(self, records: QuerySet[Any], by: Any) -> dict[Any, Value]: ...


def _group(records: QuerySet[Any], by: Any, aggregate: Any) -> dict[Any, Value]:
    keys = by if isinstance(by, tuple) else (by,)
    names = {f"g{i}": (F(k) if isinstance(k, str) else k) for i, k in enumerate(keys)}
    rows = records.order_by().values(**names).annotate(n=aggregate)
    result: dict[Any, Value] = {}
    for row in rows:
        group = tuple(row[f"g{i}"] for i in range(len(keys)))
        code = group if isinstance(by, tuple) else group[0]
        result[code] = result.get(code, 0) + (row["n"] or 0)
    return result


@dataclass(frozen=True)
class Rows:
    """The number of records."""

    def value(self, records: QuerySet[Any]) -> Value:
        return records.count()

    def grouped(self, records: QuerySet[Any], by: Any) -> dict[Any, Value]:
        return _group(records, by, Count("pk"))


@dataclass(frozen=True)
class Distinct:
    """The number of distinct values of a field of the records (persons, communes...)."""

    field: str = "pk"

    def value(self, records: QuerySet[Any]) -> Value:
        return int(records.aggregate(n=Count(self.field, distinct=True))["n"] or 0)

    def grouped(self, records: QuerySet[Any], by: Any) -> dict[Any, Value]:
        return _group(records, by, Count(self.field, distinct=True))


@dataclass(frozen=True)
class Total:
    """The sum of a quantity of the records, in its base unit (minutes, grams, cents...)."""

    field: str
    per: int = 1  # divide the sum, exactly (e.g. minutes × cents per hour, per 60)

    def _exact(self, total: int | None) -> Value:
        value = Fraction(int(total or 0), self.per)
        return value.numerator if value.denominator == 1 else value

    def value(self, records: QuerySet[Any]) -> Value:
        return self._exact(records.aggregate(n=SumOf(self.field))["n"])

    def grouped(self, records: QuerySet[Any], by: Any) -> dict[Any, Value]:
        return {k: self._exact(int(v)) for k, v in _group(records, by, SumOf(self.field)).items()}


@dataclass(frozen=True)
class Share:
    """The percentage of distinct `field` values of the records that meet `part`, exact."""

    part: Q
    field: str = "pk"

    def value(self, records: QuerySet[Any]) -> Value:
        counts = records.aggregate(
            whole=Count(self.field, distinct=True),
            part=Count(self.field, distinct=True, filter=self.part),
        )
        if not counts["whole"]:
            return 0
        return Fraction(100 * counts["part"], counts["whole"])

    def grouped(self, records: QuerySet[Any], by: Any) -> dict[Any, Value]:
        raise TypeError("A share has no breakdown.")


# -- breakdowns --------------------------------------------------------------------------------

Labeller = Callable[[Scope, list[str]], Mapping[str, str]]


@dataclass(frozen=True)
class Breakdown:
    """Parts of a figure: the records grouped by a field path or an expression (or a tuple of
    them, coded "a/b"); `labels` names the codes at display (default: the field's choices, else
    the code itself); `codes` lists parts always shown, with 0 when nothing falls in them."""

    by: str | Expression | tuple[str | Expression, ...] | None = None
    labels: Labeller | None = None
    codes: Callable[[], Iterable[str]] | None = None
    # Instead of `by`: one part per house of the cooperation, the figure asked with house=that
    # house (for figures whose records reach a house by several paths).
    over_houses: bool = False


def natural_key(code: str) -> tuple[Any, ...]:
    """Codes as people sort them: numbers by value (« 6-11 » before « 12-17 »), letters without
    their accents (« Châtillon » before « Chatuzange »)."""
    pieces = re.split(r"(\d+)", unidecode(code).casefold())
    return tuple(int(piece) if index % 2 else piece for index, piece in enumerate(pieces))


def code_of(group: Any) -> str:
    if isinstance(group, tuple):
        return "/".join(code_of(g) for g in group)
    if group is None or group == "":
        return UNKNOWN
    return str(group)


UNKNOWN = "inconnu"


def labels_of(model: type[Model], attribute: str = "name") -> Labeller:
    """Labels of primary-key codes: the `attribute` of each row of `model`."""

    def labels(scope: Scope, codes: list[str]) -> dict[str, str]:
        ids = [int(code) for code in codes if code.isdigit()]
        rows = model._default_manager.filter(pk__in=ids).values_list("pk", attribute)
        return {str(pk): str(name) for pk, name in rows}

    return labels


def choice_labels(choices: Iterable[tuple[str, Any]]) -> Labeller:
    table = {str(value): str(label) for value, label in choices}

    def labels(scope: Scope, codes: list[str]) -> dict[str, str]:
        return {code: table.get(code, code) for code in codes}

    return labels


# -- indicators --------------------------------------------------------------------------------

Records = Callable[[Scope], QuerySet[Any]]


class DimensionNotAccepted(ValueError):
    """The figure does not answer for this dimension (e.g. the cannery for one house)."""


@dataclass(frozen=True)
class Indicator:
    key: str
    label: Any
    unit: Unit
    records: Records | None
    measure: Measure | None
    dimensions: frozenset[str] = frozenset()
    breakdown: Breakdown | None = None
    public_fields: tuple[str, ...] = ()
    # A figure made of other figures of the same unit, added (`label` says what is added).
    parts: tuple[str, ...] = ()
    # Dimensions fixed by a derived figure (e.g. programme="cannery").
    fixed: Mapping[str, Any] = field(default_factory=dict)
    do_not_call_in_templates = True  # templates read its label, they do not compute it

    @property
    def is_breakdown(self) -> bool:
        return self.breakdown is not None

    def accepts(self, scope: Scope) -> bool:
        """Whether the figure answers for the scope's dimensions: declared ones, and fixed ones
        asked with their fixed value (the cannery's figures answer for programme "cannery" only)."""
        if any(
            getattr(scope, name) is not None and getattr(scope, name) != value
            for name, value in self.fixed.items()
        ):
            return False
        return scope.dimensions() <= self.dimensions | set(self.fixed)

    def scoped(self, scope: Scope) -> Scope:
        if not self.accepts(scope):
            refused = ", ".join(sorted(scope.dimensions() - self.dimensions))
            raise DimensionNotAccepted(f"{self.key} ne se calcule pas par {refused}.")
        return replace(scope, **self.fixed) if self.fixed else scope

    def records_for(self, scope: Scope) -> QuerySet[Any]:
        if self.records is None:
            raise TypeError(f"{self.key} is made of other figures: ask its parts for records.")
        return self.records(self.scoped(scope))

    def value(self, scope: Scope) -> FigureValue:
        """The exact value; None when the figure does not answer for the scope's dimensions."""
        if not self.accepts(scope):
            return None
        if self.parts:
            found = registry()
            values = [found[key].value(scope) for key in self.parts]
            if any(not isinstance(v, int | Fraction) for v in values):
                return None  # a part that does not answer: the sum would be wrong
            return sum(v for v in values if isinstance(v, int | Fraction))
        assert self.measure is not None
        if self.breakdown is None:
            return self.measure.value(self.records_for(scope))
        if self.breakdown.over_houses:
            return self._over_houses(scope)
        grouped = self.measure.grouped(self.records_for(scope), self.breakdown.by)
        parts: dict[str, Value] = {}
        for group, amount in grouped.items():
            code = code_of(group)
            parts[code] = parts.get(code, 0) + amount
        if self.breakdown.codes is not None:
            parts = {code: parts.get(code, 0) for code in self.breakdown.codes()} | parts
        else:
            parts = dict(sorted(parts.items(), key=lambda item: natural_key(item[0])))
        return parts

    def has_records(self, scope: Scope) -> bool:
        """Whether any record stands behind the figure in that scope (its parts', for a sum):
        without one, a 0 would say « nothing happened » where Coopé knows nothing."""
        found = registry()
        sources = [found[key] for key in self.parts] if self.parts else [self]
        return any(
            source.records is not None
            and source.accepts(scope)
            and source.records_for(scope).exists()
            for source in sources
        )

    def overlap(self, scope: Scope, value: FigureValue) -> tuple[Value, Value] | None:
        """(sum of the parts, the whole) when a breakdown's parts add up to more than the whole:
        one person counted in several houses (a child of two households) or in several parts.
        None when the parts add up, or cannot overlap (rows, sums)."""
        if not isinstance(value, dict) or self.measure is None or self.breakdown is None:
            return None
        if not (self.breakdown.over_houses or isinstance(self.measure, Distinct)):
            return None
        parts_total: Value = sum(value.values())
        whole = self.measure.value(self.records_for(scope))
        return (parts_total, whole) if parts_total > whole else None

    def _over_houses(self, scope: Scope) -> dict[str, Value]:
        assert self.measure is not None
        houses = _houses(scope)
        return {
            str(house.pk): self.measure.value(self.records_for(replace(scope, house=house)))
            for house in houses
        }

    def labels(self, scope: Scope, codes: Iterable[str]) -> dict[str, str]:
        """The display label of each code of a breakdown."""
        codes = list(codes)
        found: Mapping[str, str] = {}
        if self.breakdown is not None and self.breakdown.over_houses:
            found = {str(house.pk): house.name for house in _houses(scope)}
        elif self.breakdown is not None and self.breakdown.labels is not None:
            found = self.breakdown.labels(scope, codes)
        return {code: found.get(code, code) for code in codes}

    def show(self, value: FigureValue) -> str:
        return self.unit.show(value)

    def __call__(
        self,
        cooperation: Any,
        period: Period,
        *,
        association: Any = None,
        house: Any = None,
        programme: str | None = None,
    ) -> FigureValue:
        return self.value(Scope(cooperation, period, association, house, programme))


def _houses(scope: Scope) -> list[Any]:
    houses = scope.cooperation.houses.order_by("name", "pk")
    if scope.house is not None:
        houses = houses.filter(pk=scope.house.pk)
    if scope.association is not None:
        houses = houses.filter(association=scope.association)
    return list(houses)


_REGISTRY: dict[str, Indicator] = {}
_discovered = False


def _register(item: Indicator) -> None:
    known = _REGISTRY.get(item.key)
    if known is not None and known != item:
        raise ValueError(f"Indicator {item.key} is declared twice.")
    _REGISTRY[item.key] = item


def indicator(
    key: str,
    label: Any,
    *,
    unit: Unit,
    measure: Measure,
    dimensions: Iterable[str] = (),
    breakdown: Breakdown | None = None,
    public_fields: Iterable[str] = (),
) -> Callable[[Records], Records]:
    """Declare a figure: the decorated function returns its records for a scope."""
    accepted = frozenset(dimensions)
    if accepted - DIMENSIONS:
        raise ValueError(f"{key}: unknown dimensions {sorted(accepted - DIMENSIONS)}")

    def register(records: Records) -> Records:
        _register(
            Indicator(
                key=key,
                label=label,
                unit=unit,
                records=records,
                measure=measure,
                dimensions=accepted,
                breakdown=breakdown,
                public_fields=tuple(public_fields),
            )
        )
        return records

    return register


def derived(key: str, label: Any, *, base: str, unit: Unit | None = None, **fixed: Any) -> None:
    """Declare a figure that is another figure with some dimensions fixed, e.g. a programme's
    workshops: `derived("cannery.workshops", ..., base="activities.sessions", programme="cannery")`.
    The base must be declared before: import its app's indicators module first."""
    source = _REGISTRY[base]
    if set(fixed) - source.dimensions:
        raise ValueError(f"{key}: {base} does not accept {sorted(set(fixed) - source.dimensions)}")
    _register(
        replace(
            source,
            key=key,
            label=label,
            unit=unit or source.unit,
            dimensions=source.dimensions - set(fixed),
            fixed={**source.fixed, **fixed},
        )
    )


def composite(key: str, label: Any, *, parts: tuple[str, ...], unit: Unit) -> None:
    """Declare a figure that adds other figures of the same unit; its label says what is added.
    It answers for the dimensions all its parts answer for (the parts must be declared before)."""
    sources = [_REGISTRY[part] for part in parts]
    if any(source.unit != unit for source in sources):
        raise ValueError(f"{key}: its parts must all be in {unit}.")
    dimensions = frozenset(DIMENSIONS).intersection(
        *(source.dimensions | set(source.fixed) for source in sources)
    )
    fixed = {name: value for source in sources for name, value in source.fixed.items()}
    _register(
        Indicator(
            key=key,
            label=label,
            unit=unit,
            records=None,
            measure=None,
            parts=parts,
            dimensions=dimensions - set(fixed),
            fixed=fixed,
        )
    )


def autodiscover_once() -> None:
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("indicators")


def registry() -> dict[str, Indicator]:
    autodiscover_once()
    return dict(sorted(_REGISTRY.items()))


def compute_figures(
    cooperation: Any,
    period: Period,
    *,
    association: Any = None,
    house: Any = None,
    programme: str | None = None,
    keys: list[str] | None = None,
) -> dict[str, FigureValue]:
    """Every figure (or those of `keys`) for a scope, exact; None where a figure does not answer."""
    indicators = registry()
    unknown = set(keys or []) - indicators.keys()
    if unknown:
        raise KeyError(f"Indicateurs inconnus : {', '.join(sorted(unknown))}")
    scope = Scope(cooperation, period, association, house, programme)
    return {
        key: item.value(scope) for key, item in indicators.items() if keys is None or key in keys
    }


@dataclass(frozen=True)
class ShownFigure:
    """A figure as people read it: its value with its unit, or its labelled parts."""

    indicator: Indicator
    value: FigureValue
    shown: str
    parts: list[tuple[str, str]]


def breakdown_labels(scope: Scope, values: Mapping[str, FigureValue]) -> dict[str, dict[str, str]]:
    """The display label of each code of each breakdown among `values`, by figure key."""
    indicators = registry()
    return {
        key: indicators[key].labels(scope, value.keys())
        for key, value in values.items()
        if isinstance(value, dict)
    }


def shown_figures(
    scope: Scope,
    values: Mapping[str, FigureValue],
    labels_of_codes: Mapping[str, Mapping[str, str]] | None = None,
) -> list[ShownFigure]:
    """The figures as people read them; `labels_of_codes` (from `breakdown_labels`, e.g. kept
    with the values) saves asking the database for the breakdowns' labels."""
    indicators = registry()
    result = []
    for key, value in values.items():
        item = indicators[key]
        parts: list[tuple[str, str]] = []
        if isinstance(value, dict):
            known = labels_of_codes.get(key) if labels_of_codes is not None else None
            labels = (
                {code: known.get(code, code) for code in value}
                if known is not None
                else item.labels(scope, value.keys())
            )
            parts = [(labels[code], item.unit.show(v)) for code, v in value.items()]
        shown = "—" if value is None else item.unit.show(value) if not parts else ""
        result.append(ShownFigure(item, value, shown, parts))
    return result
