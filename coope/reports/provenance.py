"""Which records make a figure: the indicator's `records` function, scoped like the figure."""

from typing import Any

from django.db import models
from django.utils import timezone

from coope.core.plugins import programmes
from coope.lib.indicators import Indicator, Scope, Unit, registry
from coope.people.models import Household, Person
from coope.reports.models import Report, SectionFigure

# People and households are shown by number only to roles that may not see people: sex, birth
# year, postcode, neighbourhood and employment together can point at one person.
BY_NUMBER_ONLY = (Person, Household)
SKIPPED = {"id", "cooperation"}
# Quantities are stored in base units, named by their suffix, and shown as people read them.
UNIT_OF_FIELD = {
    "_minutes": Unit.MINUTES,
    "_grams": Unit.GRAMS,
    "grams": Unit.GRAMS,
    "_centilitres": Unit.CENTILITRES,
    "_cents": Unit.CENTS,
    "minutes": Unit.MINUTES,
}


def records_of(
    figure: SectionFigure, report: Report, part: str | None = None
) -> tuple[models.QuerySet[Any] | None, Indicator | None]:
    """The queryset of the rows the figure counts (None when the indicator gives none). A figure
    made of parts gives the records of the part named by `part` (its first part by default)."""
    indicator = registry().get(figure.indicator_key)
    if indicator is None:
        return None, None
    source = indicator
    if indicator.parts:
        key = part if part in indicator.parts else indicator.parts[0]
        source = registry()[key]
    section = figure.section
    scope = Scope(report.cooperation, section.period_in(report), section.association, section.house)
    if not source.accepts(scope) or source.records is None:
        return None, indicator
    queryset = source.records_for(scope)
    related = related_paths(queryset.model)
    if related:
        queryset = queryset.select_related(*related)
    if not queryset.ordered:
        queryset = queryset.order_by("pk")
    return queryset, indicator


def record_ids(indicator: Indicator, scope: Scope) -> dict[str, list[int]]:
    """{indicator key: ids of the records it counts}, for each part of a composite figure."""
    found = registry()
    sources = [found[key] for key in indicator.parts] if indicator.parts else [indicator]
    ids: dict[str, list[int]] = {}
    for source in sources:
        if source.records is None or not source.accepts(scope):
            continue
        ids[source.key] = sorted(
            set(source.records_for(scope).order_by().values_list("pk", flat=True))
        )
    return ids


def related_paths(model: type[models.Model]) -> list[str]:
    """Foreign keys to load with each record, two levels deep, so that describing a page of
    records takes one query whatever the page holds (an attendance names its session's activity)."""
    paths = []
    for field in model._meta.concrete_fields:
        if field.is_relation and field.name not in SKIPPED:
            paths.append(field.name)
            paths.extend(
                f"{field.name}__{inner.name}"
                for inner in field.related_model._meta.concrete_fields  # type: ignore[union-attr]
                if inner.is_relation and inner.name not in SKIPPED
            )
    return paths


def _shown(record: models.Model, field: Any) -> str | None:
    value = getattr(record, field.name)
    if value in (None, ""):
        return None
    if field.is_relation:
        # A related record is named only when its model says its name names no one (a house,
        # an activity, a lot); any other (a person, a producer, a collection) by its number.
        if getattr(field.related_model, "names_no_one", False):
            return str(value)
        return f"{field.related_model._meta.verbose_name} n° {value.pk}"
    if field.choices:
        return str(getattr(record, f"get_{field.name}_display")())
    if isinstance(field, models.DateTimeField):
        return f"{timezone.localtime(value):%d/%m/%Y %H:%M}"
    if isinstance(field, models.DateField):
        return f"{value:%d/%m/%Y}"
    if isinstance(field, models.BooleanField):
        return str(field.verbose_name) if value else None
    label = str(field.verbose_name).split(" (")[0]  # « durée (minutes) » reads « durée »
    for suffix, unit in UNIT_OF_FIELD.items():
        if field.name.endswith(suffix) and isinstance(value, int):
            return f"{label} : {unit.show(value)}"
    if field.name == "programme":
        return f"{label} : {programmes()[value].label}" if value in programmes() else None
    return f"{label} : {value}"


def describe(
    record: models.Model, *, with_names: bool, public_fields: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A row of the records page: its number, and what it is. A reader who may see people reads
    the record as it names itself; any other reader reads only the fields its indicator declares
    public, and people and households by number."""
    model = type(record)
    fields = {f.name: f for f in model._meta.concrete_fields}
    shown_fields = [
        name
        for name in public_fields
        if name in fields
        and not (with_names and getattr(fields[name], "related_model", None) in BY_NUMBER_ONLY)
    ]
    details = [_shown(record, fields[name]) for name in shown_fields]
    if with_names:
        text = " · ".join([str(record), *(d for d in details if d)])
    elif model in BY_NUMBER_ONLY:
        text = f"{model._meta.verbose_name} n° {record.pk}"
    else:
        text = " · ".join(d for d in details if d)
    return {"pk": record.pk, "kind": str(model._meta.verbose_name), "text": text}


def measure_note(indicator: Indicator, model: type[models.Model]) -> str:
    """How the figure is made from the records listed, in French."""
    from django.core.exceptions import FieldDoesNotExist
    from django.utils.translation import gettext as _

    from coope.lib.indicators import Distinct, Rows, Share, Total

    measure = indicator.measure

    def named(path: str) -> str:
        """The French name of a field (a lookup across relations ends on its last field); a
        relation without a name of its own is named by its model (« personne »)."""
        current, found = model, None
        for part in path.split("__"):
            try:
                found = current._meta.get_field(part)
            except FieldDoesNotExist:
                return _("valeur calculée")  # an annotation of the records, not a column
            current = found.related_model or current
        name = str(getattr(found, "verbose_name", path))
        related = getattr(found, "related_model", None)
        if related is not None and name == path.rsplit("__", 1)[-1].replace("_", " "):
            name = str(related._meta.verbose_name)
        return name.split(" (")[0]

    if isinstance(measure, Rows):
        return _("Le chiffre est le nombre de ces enregistrements.")
    if isinstance(measure, Distinct):
        if measure.field == "pk":
            return _("Le chiffre est le nombre de ces enregistrements.")
        return _(
            "Le chiffre compte une seule fois chaque « %(field)s » de ces enregistrements."
        ) % {"field": named(measure.field)}
    if isinstance(measure, Total):
        return _("Le chiffre est la somme de « %(field)s » de ces enregistrements.") % {
            "field": named(measure.field)
        }
    if isinstance(measure, Share):
        return _("Le chiffre est une part, en %, des personnes de ces enregistrements.")
    return ""
