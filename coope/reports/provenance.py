"""Which records make a figure: the indicator's `records` function, scoped like the figure."""

from django.db import models

from coope.lib.indicators import Indicator, registry
from coope.people.models import Household, Person
from coope.reports.models import Report, SectionFigure

# Never shown to a reader who may not see people: they name or locate someone.
IDENTIFYING = {
    "first_name",
    "last_name",
    "search_name",
    "email",
    "phone",
    "address",
    "notes",
    "comment",
    "birth_date",
    "card_number",
    "name",
    "place",
}
SKIPPED = {
    "id",
    "cooperation",
    "recorded_by",
    "taken_by",
    "created_at",
    "recorded_at",
    "anonymised_at",
    "content_hash",
    "idempotency_key",
}
# People and households are shown by number only: sex, birth year, postcode, neighbourhood and
# employment together can point at one person in a small neighbourhood.
BY_NUMBER_ONLY = (Person, Household)


def records_of(
    figure: SectionFigure, report: Report
) -> tuple[models.QuerySet | None, Indicator | None]:
    """The queryset of the rows the figure counts (None when the indicator gives none)."""
    indicator = registry().get(figure.indicator_key)
    if indicator is None or indicator.records is None:
        return None, indicator
    section = figure.section
    queryset = indicator.records(
        report.cooperation,
        section.period_in(report),
        association=section.association,
        house=section.house,
    )
    related = related_paths(queryset.model)
    if related:
        queryset = queryset.select_related(*related)
    if not queryset.ordered:
        queryset = queryset.order_by("pk")
    return queryset, indicator


def related_paths(model) -> list[str]:
    """Foreign keys to load with each record, two levels deep, so that describing a page of
    records takes one query whatever the page holds (an attendance names its session's activity)."""
    paths = []
    for field in model._meta.concrete_fields:
        if field.is_relation and field.name not in SKIPPED:
            paths.append(field.name)
            paths.extend(
                f"{field.name}__{inner.name}"
                for inner in field.related_model._meta.concrete_fields
                if inner.is_relation and inner.name not in SKIPPED
            )
    return paths


def _shown(record, field) -> str | None:
    value = getattr(record, field.name)
    if value in (None, ""):
        return None
    if field.is_relation:
        if field.related_model in BY_NUMBER_ONLY:
            return f"{field.related_model._meta.verbose_name} n° {value.pk}"
        return str(value)
    if field.choices:
        return str(getattr(record, f"get_{field.name}_display")())
    if isinstance(field, models.DateTimeField):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(field, models.DateField):
        return f"{value:%d/%m/%Y}"
    if isinstance(field, models.BooleanField):
        return str(field.verbose_name) if value else None
    return f"{field.verbose_name} : {value}"


def describe(record, *, with_names: bool) -> dict:
    """A row of the records page: its number, and what it is — with names only when allowed."""
    model = type(record)
    if with_names:
        text = str(record)
    elif model in BY_NUMBER_ONLY:
        text = f"{model._meta.verbose_name} n° {record.pk}"
    else:
        parts = [
            _shown(record, f)
            for f in model._meta.concrete_fields
            if f.name not in SKIPPED and f.name not in IDENTIFYING
        ]
        text = " · ".join(p for p in parts if p)
    return {"pk": record.pk, "kind": str(model._meta.verbose_name), "text": text}
