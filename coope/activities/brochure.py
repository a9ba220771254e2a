"""The annual brochure (« plaquette annuelle »): the year's regular activities, grouped by house.

`gather` reads everything in three queries whatever the number of activities: the houses, the
sessions of the year (which give days and times), and the activities they belong to. An activity
is in the brochure when it is regular, public, and has at least one public session of the year
that is not cancelled. Days and times are worked out from those sessions: a slot (weekday, start,
end) seen at least twice is a weekly slot, « le mardi 14 h – 16 h »; otherwise the dates are listed.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coope.activities.dates import day_format
from coope.activities.models import Activity, PriceKind, Session
from coope.core.models import Cooperation, House
from coope.lib.pdf import render_pdf

TEMPLATE = "activities/brochure.html"
MIN_YEAR, MAX_YEAR = 2000, 2100
DATES_LISTED = 4  # beyond this, only the first and last dates of one-off sessions are shown
COOPERATION_COLOUR = "#3A6EA5"
A_MONDAY = datetime.date(2018, 1, 1)


@dataclass
class Entry:
    activity: Activity
    slots: list[str]  # « le mardi 14 h – 16 h », or dated sessions
    span: str  # « du 8 janvier au 25 juin »
    places: list[str]  # where sessions are held, when not (only) at the activity's house
    price: str


@dataclass
class Section:
    title: str
    colour: str
    house: House | None = None
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Brochure:
    cooperation: Cooperation
    year: int
    houses: list[House]
    sections: list[Section]

    @property
    def activity_count(self) -> int:
        return sum(len(section.entries) for section in self.sections)


# -- words -------------------------------------------------------------------------------------


def clock(moment: datetime.time) -> str:
    """14:00 -> '14 h'; 9:30 -> '9 h 30'."""
    return f"{moment.hour} h" + (f" {moment.minute:02d}" if moment.minute else "")


def hours_between(start: datetime.time, end: datetime.time) -> str:
    return f"{clock(start)} – {clock(end)}" if end != start else clock(start)


def weekday_name(weekday: int) -> str:
    """0 -> 'lundi' (in the active language)."""
    return date_format(A_MONDAY + datetime.timedelta(days=weekday), "l")


def day_month(day: datetime.date) -> str:
    """« 8 janvier », « 1er décembre »."""
    return day_format(day, "j F")


def from_to(first: datetime.date, last: datetime.date) -> str:
    return _("du %(first)s au %(last)s") % {"first": day_month(first), "last": day_month(last)}


def price_of(activity: Activity) -> str:
    if activity.price_kind == PriceKind.EUROS and activity.price_cents:
        euros, cents = divmod(activity.price_cents, 100)
        return f"{euros},{cents:02d} €" if cents else f"{euros} €"
    if activity.price_kind == PriceKind.TIME and activity.price_minutes:
        hours, minutes = divmod(activity.price_minutes, 60)
        amount = clock(datetime.time(hours, minutes)) if hours else f"{minutes} min"
        return _("%(t)s de TIC-TAC") % {"t": amount}
    return _("Gratuit")


def schedule(sessions: list[tuple[datetime.datetime, datetime.datetime]]) -> tuple[list[str], str]:
    """(slots, span) from an activity's sessions of the year, in local time, sorted by start."""
    local = [(timezone.localtime(start), timezone.localtime(end)) for start, end in sessions]
    slots = Counter((start.weekday(), start.time(), end.time()) for start, end in local)
    weekly = sorted(slot for slot, seen in slots.items() if seen >= 2)
    first, last = local[0][0].date(), local[-1][0].date()
    if weekly:
        dates: dict[tuple, list[datetime.date]] = defaultdict(list)
        for start, end in local:
            dates[(start.weekday(), start.time(), end.time())].append(start.date())
        moved = _moved_weekdays(weekly, dates)
        lines = []
        order = sorted(
            weekly, key=lambda s: (s[0], dates[s][0] if s[0] in moved else first, s[1], s[2])
        )
        for slot in order:
            weekday, begins, ends = slot
            line = _("le %(day)s %(hours)s") % {
                "day": weekday_name(weekday),
                "hours": hours_between(begins, ends),
            }
            if weekday in moved:  # the sessions moved: each time says when it held
                line = f"{line} ({from_to(dates[slot][0], dates[slot][-1])})"
            lines.append(line)
        return lines, from_to(first, last)
    if len(local) <= DATES_LISTED:
        lines = [
            _("le %(day)s, %(hours)s")
            % {
                "day": day_format(start.date(), "l j F"),
                "hours": hours_between(start.time(), end.time()),
            }
            for start, end in local
        ]
        return lines, ""
    count = ngettext("%(n)s date", "%(n)s dates", len(local)) % {"n": len(local)}
    return [count], from_to(first, last)


def _moved_weekdays(weekly: list[tuple], dates: dict[tuple, list[datetime.date]]) -> set[int]:
    """Weekdays whose weekly times follow one another (the sessions moved during the year),
    rather than run side by side (two groups on the same day)."""
    moved = set()
    for weekday in {slot[0] for slot in weekly}:
        spans = sorted((dates[s][0], dates[s][-1]) for s in weekly if s[0] == weekday)
        if len(spans) > 1 and all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False)):
            moved.add(weekday)
    return moved


# -- gathering ---------------------------------------------------------------------------------


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_current_timezone()
    return datetime.datetime(year, 1, 1, tzinfo=zone), datetime.datetime(
        year + 1, 1, 1, tzinfo=zone
    )


def gather(cooperation, year: int) -> Brochure:
    """The brochure of `cooperation` for `year`, in three queries."""
    start, end = year_bounds(year)
    houses = list(House.objects.filter(cooperation=cooperation).order_by("name"))
    by_pk = {house.pk: house for house in houses}
    rows = (
        Session.objects.filter(
            cooperation=cooperation,
            starts_at__gte=start,
            starts_at__lt=end,
            cancelled=False,
            public=True,
            activity__regular=True,
            activity__public=True,
        )
        .order_by("starts_at", "pk")
        .values_list(
            "activity_id", "activity__house_id", "starts_at", "ends_at", "house_id", "commune"
        )
    )
    sessions: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = defaultdict(list)
    places: dict[int, list[str]] = defaultdict(list)  # other than the activity's own house
    for activity_id, home_id, starts_at, ends_at, house_id, commune in rows:
        sessions[activity_id].append((starts_at, ends_at))
        place = by_pk[house_id].name if house_id in by_pk else commune
        if place and (house_id is None or house_id != home_id) and place not in places[activity_id]:
            places[activity_id].append(place)
    activities = Activity.objects.filter(pk__in=list(sessions)).select_related("project_group")

    sections: dict[int | None, Section] = {
        house.pk: Section(title=house.name, colour=house.colour, house=house) for house in houses
    }
    whole = Section(title=_("Dans toute la Coopération"), colour=COOPERATION_COLOUR)
    for activity in sorted(activities, key=lambda a: (a.theme.lower(), a.title.lower(), a.pk)):
        slots, span = schedule(sessions[activity.pk])
        section = sections.get(activity.house_id, whole)
        section.entries.append(
            Entry(
                activity=activity,
                slots=slots,
                span=span,
                places=places[activity.pk],
                price=price_of(activity),
            )
        )
    ordered = [section for section in sections.values() if section.entries]
    if whole.entries:
        ordered.append(whole)
    return Brochure(cooperation=cooperation, year=year, houses=houses, sections=ordered)


def brochure_pdf(brochure: Brochure, request=None) -> bytes:
    return render_pdf(TEMPLATE, {"brochure": brochure}, request=request)


def file_name(brochure: Brochure) -> str:
    return f"plaquette-{brochure.cooperation.slug}-{brochure.year}.pdf"
