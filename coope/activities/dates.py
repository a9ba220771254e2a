"""Dates as a French reader writes them: « le 1er décembre », never « le 1 décembre »."""

import datetime
import re

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language

# "j" (day of the month) in a date format, unless escaped by a backslash.
_DAY = re.compile(r"(?<!\\)j")


def day_format(value: datetime.date | datetime.datetime, fmt: str) -> str:
    """`date_format(value, fmt)` with the first of the month written « 1er » in French."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if value.day == 1 and (get_language() or "fr").startswith("fr"):
        fmt = _DAY.sub(r"j\\e\\r", fmt)
    return date_format(value, fmt)
