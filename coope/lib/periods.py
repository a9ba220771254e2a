"""Periods of time used by figures and reports."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, CharField, Q, Value, When
from django.utils import timezone


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"La période finit ({self.end}) avant de commencer ({self.start}).")

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    def __str__(self) -> str:
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def longer_than_a_year(self) -> bool:
        return shift_date(self.end, -1) >= self.start

    def moments(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The first moment of the period and the first moment after it, in the current time
        zone: a filter on a timestamp between them can be served by its index, where one on
        its date cannot."""
        return _midnight(self.start), _midnight(self.end + datetime.timedelta(days=1))

    def earlier(self) -> "Period":
        """The period a figure is compared with, never overlapping this one: the same dates a
        year before for a period of a year or less; for a longer one (a season of July 2017 to
        December 2018), the period of the same length just before it, counted in months when it
        is made of whole months."""
        if not self.longer_than_a_year:
            return Period(shift_date(self.start, -1), shift_date(self.end, -1))
        end = self.start - datetime.timedelta(days=1)
        months = self.whole_months
        if months is not None:  # July 2017 – December 2018: January 2016 – June 2017
            start_month = self.start.year * 12 + self.start.month - 1 - months
            return Period(datetime.date(start_month // 12, start_month % 12 + 1, 1), end)
        return Period(end - datetime.timedelta(days=self.days - 1), end)

    @property
    def whole_months(self) -> int | None:
        """The number of months of a period from a first of the month to a last, else None."""
        if self.start.day != 1 or (self.end + datetime.timedelta(days=1)).day != 1:
            return None
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def shift_date(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later (28 February for a 29 February that does not exist)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


AGE_BANDS: list[tuple[str, int, int | None]] = [
    ("0-5", 0, 5),
    ("6-11", 6, 11),
    ("12-17", 12, 17),
    ("18-25", 18, 25),
    ("26-59", 26, 59),
    ("60+", 60, None),
]


def age_band(birth_year: int | None, on_year: int) -> str:
    """Age bands by year of birth, so that anonymisation (which keeps the year) keeps them."""
    if birth_year is None:
        return "inconnu"
    age = on_year - birth_year
    for label, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return label
    return "inconnu"


def age_band_expression(on_year: int, field: str = "birth_date__year") -> Case:
    """A database expression giving the age band (as in `age_band`) of each row."""
    whens = []
    for label, low, high in AGE_BANDS:
        condition = Q(**{f"{field}__lte": on_year - low})
        if high is not None:
            condition &= Q(**{f"{field}__gte": on_year - high})
        whens.append(When(condition, then=Value(label)))
    return Case(*whens, default=Value("inconnu"), output_field=CharField())


MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def period_label(period: Period) -> str:
    """'2018', 'Juillet 2017 à décembre 2018', '12/03/2018 – 30/04/2018' as people write them."""
    start, end = period.start, period.end
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return str(start.year) if start.year == end.year else f"{start.year}-{end.year}"
    next_day = end + datetime.timedelta(days=1)
    if start.day == 1 and next_day.day == 1:
        first = f"{MONTHS[start.month - 1]} {start.year}"
        last = f"{MONTHS[end.month - 1]} {end.year}"
        return f"{first[0].upper()}{first[1:]} à {last}" if first != last else first.capitalize()
    return str(period)
