"""Reading the cells of a spreadsheet row: each parser returns the value, or raises ValueError
with a French reason a person can act on (`take_cell` turns it into the row's problem)."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from coope.lib.bounds import MONEY_MAX_EUROS, french_number
from coope.lib.spreadsheets import Cell
from coope.lib.text import normalize


def key_of(text: str) -> str:
    """'Date de naissance' -> 'date_de_naissance'; 'N° de carte' -> 'n_de_carte'."""
    return re.sub(r"[^a-z0-9]+", "_", normalize(str(text))).strip("_")


def words_of(text: str) -> str:
    """A choice as typed, compared without accents, case or punctuation."""
    return re.sub(r"[^a-z0-9]+", " ", normalize(str(text))).strip()


def as_text(value: Cell) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value or "").strip()


_DATE_PATTERNS = [
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
]


def parse_date(value: Cell) -> datetime.date | None:
    """A real date cell, or JJ/MM/AAAA, or AAAA-MM-JJ; raises ValueError with the reason."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = as_text(value)
    if not text:
        return None
    text = re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", text)  # "04/05/1980 00:00"
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            try:
                return datetime.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                break
    raise ValueError(
        _("« %(v)s » n'est pas une date : écrivez-la JJ/MM/AAAA, ex. 04/05/1980.") % {"v": text}
    )


def parse_whole_number(value: Cell) -> int | None:
    text = re.sub(r"[\s€]", "", as_text(value)).replace("EUR", "")
    if not text:
        return None
    if re.fullmatch(r"\d+([.,]0+)?", text):
        return int(re.split(r"[.,]", text)[0])
    raise ValueError(
        _("« %(v)s » n'est pas un nombre entier d'euros, ex. 850.") % {"v": as_text(value)}
    )


def parse_euros(value: Cell) -> int | None:
    """'12', '12,50', '12.5 €' -> cents."""
    text = re.sub(r"[\s€]", "", as_text(value)).replace("EUR", "").replace(",", ".")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is not None and amount.is_finite() and amount > MONEY_MAX_EUROS:
        raise ValueError(
            _("« %(v)s » : un montant va jusqu'à %(max)s €, vérifiez-le.")
            % {"v": as_text(value), "max": french_number(MONEY_MAX_EUROS)}
        )
    # « NaN », « inf » are no amount (and would fail the comparisons below)
    if amount is None or not amount.is_finite() or amount < 0:
        amount = None
    if amount is None or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(
            _("« %(v)s » n'est pas un montant en euros, ex. 12 ou 12,50.") % {"v": as_text(value)}
        )
    return int(amount * 100)


def choices_table(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Every way of writing a choice (its code, its label, synonyms) -> its code."""
    table = {}
    for value, label in choices:
        if value:
            table[words_of(value)] = value
            table[words_of(label)] = value
    for synonym, value in (extra or {}).items():
        table[words_of(synonym)] = value
    return table


# « oui » or « non », as people write them in a cell: -> "yes" / "no" (parse_choice).
YES_NO = choices_table(
    [],
    {
        "oui": "yes",
        "o": "yes",
        "x": "yes",
        "vrai": "yes",
        "1": "yes",
        "yes": "yes",
        "non": "no",
        "n": "no",
        "faux": "no",
        "0": "no",
        "no": "no",
    },
)


def parse_choice(value: Cell, table: dict[str, str], accepted: str) -> str | None:
    text = as_text(value)
    if not text:
        return None
    try:
        return table[words_of(text)]
    except KeyError:
        raise ValueError(
            _("« %(v)s » n'est pas reconnu : écrivez %(accepted)s.")
            % {"v": text, "accepted": accepted}
        ) from None


# -- the importers -----------------------------------------------------------------------------


def take_cell(values: dict[str, Cell], key: str, parse, problems: list[tuple[str, str]]):
    """The cell `key` parsed, or None with its problem noted as (column, message)."""
    try:
        return parse(values.get(key, ""))
    except ValueError as error:
        problems.append((key, str(error)))
        return None


_TIME = re.compile(r"^(\d{1,2})\s*(?:[h:.]\s*(\d{2})?\s*(?::\d{2})?|h)?$")


def parse_time(value: Cell) -> datetime.time | None:
    """'14:30', '14 h 30', '14h', '14', '14:30:00' or a date-and-time cell -> 14:30."""
    if isinstance(value, datetime.datetime):
        return value.time().replace(second=0, microsecond=0)
    text = as_text(value).lower()
    if not text:
        return None
    match = _TIME.match(text)
    if match and int(match.group(1)) < 24 and int(match.group(2) or 0) < 60:
        return datetime.time(int(match.group(1)), int(match.group(2) or 0))
    raise ValueError(
        _("« %(v)s » n'est pas une heure : écrivez-la 14:30 ou 14 h 30.") % {"v": as_text(value)}
    )


def check_past(day: datetime.date | None, key: str, problems) -> None:
    """Past records only: a date in the future is the row's problem."""
    if day is not None and day > timezone.localdate():
        problems.append(
            (
                key,
                _("Le %(d)s est dans le futur : on n'importe que le passé.")
                % {"d": f"{day:%d/%m/%Y}"},
            )
        )
