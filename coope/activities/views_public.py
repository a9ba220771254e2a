"""The public agenda of a cooperation and its iCalendar feeds: no login, public sessions only."""

import datetime
from functools import wraps

import icalendar
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django_scopes import scope

from coope.activities.models import Session
from coope.core.models import Cooperation, House


def public_scope(view):
    """Resolve the cooperation from the URL and open its scope for the request."""

    @wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        cooperation = get_object_or_404(Cooperation, slug=slug)
        with scope(cooperation=cooperation.pk):
            return view(request, cooperation, *args, **kwargs)

    return wrapper


def public_sessions(cooperation):
    return Session.objects.filter(
        cooperation=cooperation, public=True, activity__public=True, cancelled=False
    ).select_related("activity", "house", "activity__house")


@public_scope
def agenda(request, cooperation):
    sessions = public_sessions(cooperation).filter(starts_at__gte=timezone.now())
    houses = House.objects.filter(cooperation=cooperation)
    house_id, theme = request.GET.get("maison", ""), request.GET.get("theme", "").strip()
    if house_id.isdigit():
        sessions = sessions.filter(house_id=house_id)
    if theme:
        sessions = sessions.filter(activity__theme__iexact=theme)
    themes = (
        public_sessions(cooperation)
        .exclude(activity__theme="")
        .order_by("activity__theme")
        .values_list("activity__theme", flat=True)
        .distinct()
    )
    return render(
        request,
        "activities/agenda.html",
        {
            "cooperation": cooperation,
            "sessions": sessions[:200],
            "houses": houses,
            "themes": themes,
            "house_id": house_id,
            "theme": theme,
        },
    )


@public_scope
def event(request, cooperation, pk):
    session = get_object_or_404(public_sessions(cooperation), pk=pk)
    return render(
        request, "activities/event.html", {"cooperation": cooperation, "session": session}
    )


def _calendar(cooperation, sessions, request, name: str) -> HttpResponse:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Coopé//agenda//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for session in sessions:
        entry = icalendar.Event()
        entry.add("uid", f"session-{session.pk}@{cooperation.slug}.coope")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", session.starts_at)
        entry.add("dtend", session.ends_at)
        entry.add("summary", session.activity.title)
        place = session.house.name if session.house else session.commune
        if session.place:
            place = f"{place}, {session.place}" if place else session.place
        if place:
            entry.add("location", place)
        if session.activity.description:
            entry.add("description", session.activity.description)
        entry.add(
            "url",
            request.build_absolute_uri(f"/agenda/{cooperation.slug}/evenements/{session.pk}/"),
        )
        calendar.add_component(entry)
    return HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")


FEED_PAST_DAYS = 90


@public_scope
def feed(request, cooperation, house_id=None):
    sessions = public_sessions(cooperation).filter(
        starts_at__gte=timezone.now() - datetime.timedelta(days=FEED_PAST_DAYS)
    )
    name = cooperation.name
    if house_id is not None:
        house = House.objects.filter(pk=house_id).first()
        if house is None:
            raise Http404
        sessions = sessions.filter(house=house)
        name = f"{house.name} — {cooperation.name}"
    return _calendar(cooperation, sessions, request, name)
