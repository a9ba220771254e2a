"""Every value typed into a form is checked against its column and against sense.

A form that mixes in `Bounded` gets, for each of its fields (those declared, those a ModelForm
makes from the model and those added in `__init__`), limits it did not set itself, with a French
message a person can act on:

- whole numbers between -100 000 and 100 000 (a headcount, a number of jars, hours): far below
  what a 32-bit column holds on SQLite and PostgreSQL, far above any real value;
- decimals (euros, kilograms, litres) at most 100 000; Django already refuses NaN and infinity;
- dates between 1900 and 2100 (year 1 or 9999 would overflow the date arithmetic);
- texts without a length of their own at most 10 000 characters (a NUL byte is refused by
  Django's CharField);
- a choice among records (an id in a hidden field, a select, a list of people) that is not a
  number a column can hold is "not among the choices", never a database error.

A field's own limits (a month from 1 to 12, a weight in kilograms) are kept: they are checked
too. `check_range`, `check_date` and `DATE_MIN`/`DATE_MAX` serve the import kinds and the query
strings with the same messages.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NUMBER_MAX = 100_000
MONEY_MAX_EUROS = 100_000
TEXT_MAX = 10_000
DATE_MIN = datetime.date(1900, 1, 1)
DATE_MAX = datetime.date(2100, 12, 31)
# The largest id a column holds (64-bit on PostgreSQL's bigserial and on SQLite).
ID_MAX = 2**63 - 1


def french_number(value: int | Decimal) -> str:
    """100000 → « 100 000 » (a narrow no-break space between thousands)."""
    if isinstance(value, Decimal) and value != value.to_integral_value():
        whole, _dot, part = f"{value:,}".partition(".")
        return whole.replace(",", "\u202f") + "," + part
    return f"{int(value):,}".replace(",", "\u202f")


def range_message(low: int | Decimal, high: int | Decimal) -> str:
    return str(_("Le nombre doit être entre %(low)s et %(high)s.")) % {
        "low": french_number(low),
        "high": french_number(high),
    }


def date_message() -> str:
    return str(_("Date improbable : choisissez une date entre %(low)s et %(high)s.")) % {
        "low": f"{DATE_MIN:%d/%m/%Y}",
        "high": f"{DATE_MAX:%d/%m/%Y}",
    }


def check_range(value: Any, low: Any, high: Any) -> None:
    """Raise the French range message when `value` is outside [low, high]."""
    if value is not None and not low <= value <= high:
        raise ValidationError(range_message(low, high), code="out_of_range")


def check_date(value: datetime.date | None) -> None:
    if value is None:
        return
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(date_message(), code="out_of_range")


def check_text_length(value: Any) -> None:
    """A text at most TEXT_MAX long; fields that read a text into a number (hours) pass."""
    if isinstance(value, str) and len(value) > TEXT_MAX:
        raise ValidationError(
            _("Ce texte est trop long : %(max)s caractères au plus (il en a %(n)s).")
            % {"max": french_number(TEXT_MAX), "n": french_number(len(value))},
            code="max_length",
        )


def parse_date(text: str | None) -> datetime.date | None:
    """A date of a query string (AAAA-MM-JJ) within the bounds, or None: never an error."""
    try:
        day = datetime.date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return day if DATE_MIN <= day <= DATE_MAX else None


def parse_int(text: str | None, low: int = 0, high: int = ID_MAX) -> int | None:
    """A whole number of a query string within [low, high], or None: never an error."""
    text = (text or "").strip()
    if not text or len(text) > 20 or not text.lstrip("-").isdigit():
        return None
    number = int(text)
    return number if low <= number <= high else None


def _id_guard(field: forms.Field) -> Callable[[Any], Any]:
    """Ids sent for a choice among records: anything a column cannot hold is an invalid choice
    before the database is asked (SQLite raises OverflowError beyond 64 bits)."""
    clean = field.clean

    def guarded(value: Any) -> Any:
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item in (None, ""):
                continue
            text = str(item)
            if len(text) > 40 or (text.lstrip("-").isdigit() and abs(int(text)) > ID_MAX):
                raise ValidationError(
                    field.error_messages.get("invalid_choice")
                    or _("Ce choix n'existe pas : choisissez dans la liste."),
                    code="invalid_choice",
                    params={"value": text[:40]},
                )
        return clean(value)

    return guarded


def _limit(field: Any, low: int, high: int) -> None:
    """The sides the field leaves open get these limits; its own are kept (and said alike)."""
    if field.min_value is None:
        field.min_value = low
        field.validators.append(validators.MinValueValidator(low))
    if field.max_value is None:
        field.max_value = high
        field.validators.append(validators.MaxValueValidator(high))
    message = range_message(field.min_value, field.max_value)
    field.error_messages.setdefault("min_value", message)
    field.error_messages.setdefault("max_value", message)


def bound_field(field: forms.Field) -> None:
    """Add to `field` the limits it does not have (once)."""
    if getattr(field, "_coope_bounded", False):
        return
    field._coope_bounded = True  # type: ignore[attr-defined]
    if isinstance(field, forms.ModelChoiceField):  # ModelMultipleChoiceField too
        field.clean = _id_guard(field)  # type: ignore[method-assign,assignment]
    elif isinstance(field, forms.IntegerField):
        _limit(field, -NUMBER_MAX, NUMBER_MAX)
    elif isinstance(field, forms.DecimalField | forms.FloatField):
        _limit(field, -MONEY_MAX_EUROS, MONEY_MAX_EUROS)
    elif isinstance(field, forms.DateField | forms.DateTimeField):
        field.validators.append(check_date)
    elif isinstance(field, forms.CharField) and field.max_length is None:
        field.validators.append(check_text_length)


class Bounded:
    """Form mixin: every field bounded before the form is cleaned (see the module)."""

    fields: dict[str, forms.Field]

    def full_clean(self) -> None:
        for field in self.fields.values():
            bound_field(field)
        super().full_clean()  # type: ignore[misc]


def bounded_formset(formset: Any) -> Any:
    """Bound the forms of a formset (their class may be Django's own)."""
    for form in formset.forms:
        for field in form.fields.values():
            bound_field(field)
    return formset
