"""Staff pages of activities: plan, register, tick attendance, count, record volunteer time.

Thin views: a scoped lookup (404 for what is absent or not ours), a form, a service, a redirect.
Every page makes a fixed number of queries, whatever the number of sessions or people."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coope.activities import services
from coope.activities.forms import (
    ActivityForm,
    HeadcountForm,
    SessionPlanForm,
    VolunteerHoursForm,
    WalkInForm,
)
from coope.activities.models import (
    Activity,
    Attendance,
    Headcount,
    Registration,
    RegistrationStatus,
    Session,
)
from coope.core.models import House
from coope.core.permissions import user_associations
from coope.core.views import object_from_query, require_perm
from coope.lib.bounds import NUMBER_MAX, french_number, parse_int
from coope.lib.pdf import pdf_response, render_pdf
from coope.lib.periods import AGE_BANDS
from coope.people.models import Person
from coope.people.services import create_person
from coope.volunteering.models import VolunteerHours
from coope.volunteering.services import record_volunteer_hours

SHEET_BLANK_LINES = 8
SEARCH_LIMIT = 15
RECENT_HOURS = 20


def _association_of(obj):
    """The association an activity or session belongs to (None: the whole cooperation)."""
    house = getattr(obj, "house", None)
    if house is None and isinstance(obj, Session):
        house = obj.activity.house
    return house.association_id if house is not None else None


def _check(request, permission: str, obj) -> None:
    """A permission bound to the association of the activity's house; cooperation-wide
    activities need it in any association."""
    if not request.user.has_coope_perm(permission, _association_of(obj)):
        raise PermissionDenied


def _session(pk):
    return get_object_or_404(
        Session.objects.select_related(
            "activity", "activity__house", "house", "activity__project_group"
        ),
        pk=pk,
    )


def _manageable_houses(user):
    return House.objects.filter(association__in=user_associations(user, "activities.manage"))


# -- activities ---------------------------------------------------------------------------------


@require_perm("activities.view")
def activity_list(request):
    now = timezone.now()
    activities = (
        Activity.objects.select_related("house", "project_group")
        .annotate(
            upcoming=Count(
                "sessions", filter=Q(sessions__starts_at__gte=now, sessions__cancelled=False)
            ),
            next_start=Min(
                "sessions__starts_at",
                filter=Q(sessions__starts_at__gte=now, sessions__cancelled=False),
            ),
        )
        .order_by("house__name", "title")
    )
    houses = House.objects.order_by("name")
    house = object_from_query(request, houses, "maison")
    if house is not None:
        activities = activities.filter(house=house)
    return render(
        request,
        "activities/activity_list.html",
        {
            "activities": activities,
            "houses": houses,
            "house": house,
            "year": timezone.localdate().year,
            "can_manage": request.user.has_coope_perm("activities.manage"),
        },
    )


@require_perm("activities.manage")
def activity_create(request):
    houses = _manageable_houses(request.user)
    form = ActivityForm(request.POST or None, houses=houses, prefix="a")
    plan = SessionPlanForm(request.POST or None, prefix="s")
    if request.method == "POST" and form.is_valid() and plan.is_valid():
        fields = form.activity_fields()  # houses offered: those of the user's associations, or none
        try:
            # The activity and its sessions are written together, or neither.
            with transaction.atomic():
                activity = services.create_activity(
                    actor=request.user, cooperation=request.cooperation, **fields
                )
                sessions = _schedule(request, activity, plan)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Activité « %(title)s » créée, avec %(n)d séance(s).")
                % {"title": activity.title, "n": len(sessions)},
            )
            return redirect("activities:detail", pk=activity.pk)
    return render(request, "activities/activity_form.html", {"form": form, "plan": plan})


def _schedule(request, activity, plan: SessionPlanForm) -> list[Session]:
    data = plan.cleaned_data
    return services.schedule_sessions(
        actor=request.user,
        activity=activity,
        first_start=plan.first_start(),
        duration=plan.duration(),
        weeks=data["weeks"],
        house=data["place_house"],
        commune=data["commune"],
    )


@require_perm("activities.view")
def activity_detail(request, pk):
    activity = get_object_or_404(Activity.objects.select_related("house", "project_group"), pk=pk)
    headcounts = (
        Headcount.objects.filter(session=OuterRef("pk"))
        .values("session")
        .annotate(n=Sum("count"))
        .values("n")
    )
    sessions = (
        activity.sessions.select_related("house")
        .annotate(
            registered=Count(
                "registrations",
                distinct=True,
                filter=Q(registrations__status=RegistrationStatus.CONFIRMED),
            ),
            waiting=Count(
                "registrations",
                distinct=True,
                filter=Q(registrations__status=RegistrationStatus.WAITING),
            ),
            present=Count("attendances", distinct=True),
            counted=Coalesce(Subquery(headcounts, output_field=IntegerField()), 0),
        )
        .order_by("starts_at")
    )
    plan = SessionPlanForm(request.POST or None, prefix="s")
    if request.method == "POST":
        _check(request, "activities.manage", activity)
        if plan.is_valid():
            try:
                created = _schedule(request, activity, plan)
            except ValidationError as error:
                plan.add_error(None, error)
            else:
                messages.success(request, _("%(n)d séance(s) ajoutée(s).") % {"n": len(created)})
                return redirect("activities:detail", pk=activity.pk)
    mix = (
        Attendance.objects.filter(session__activity=activity, person__home_house__isnull=False)
        .values("person__home_house__name", "person__home_house__colour")
        .annotate(n=Count("person", distinct=True))
        .order_by("-n", "person__home_house__name")
    )
    return render(
        request,
        "activities/activity_detail.html",
        {
            "activity": activity,
            "sessions": sessions,
            "plan": plan,
            "mix": mix,
            "can_manage": request.user.has_coope_perm(
                "activities.manage", _association_of(activity)
            ),
        },
    )


# -- a session: registrations, headcount ---------------------------------------------------------


@require_perm("activities.view")
def session_detail(request, pk):
    session = _session(pk)
    registrations = (
        Registration.objects.filter(session=session)
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("person", "person__home_house")
        .order_by("created_at", "pk")
    )
    confirmed = [r for r in registrations if r.status == RegistrationStatus.CONFIRMED]
    waiting = [r for r in registrations if r.status == RegistrationStatus.WAITING]
    counts = {h.age_band: h.count for h in Headcount.objects.filter(session=session)}
    headcount = HeadcountForm(
        initial={"all": counts.get("") or None}
        | {f"band_{band}": counts.get(band) or None for band, _low, _high in AGE_BANDS}
    )
    return render(
        request,
        "activities/session_detail.html",
        {
            "session": session,
            "confirmed": confirmed,
            "waiting": waiting,
            "headcount": headcount,
            "headcount_total": sum(counts.values()),
            "present": Attendance.objects.filter(session=session).count(),
            "can_tick": request.user.has_coope_perm(
                "activities.attendance", _association_of(session)
            ),
        },
    )


@require_perm("activities.attendance")
def session_search(request, pk):
    """People matching ?q=, with the button this page needs (register, or tick as a walk-in)."""
    session = _session(pk)
    query = request.GET.get("q", "").replace("\x00", "").strip()
    mode = "walk_in" if request.GET.get("pour") == "presence" else "register"
    results = (
        (
            Person.objects.search(query)
            .filter(anonymised_at__isnull=True)
            .select_related("home_house")[:SEARCH_LIMIT]
        )
        if query
        else []
    )
    # At the roll call, someone already ticked is shown as such, with nothing to click.
    present = (
        set(
            Attendance.objects.filter(
                session=session, person__in=[person.pk for person in results]
            ).values_list("person_id", flat=True)
        )
        if mode == "walk_in" and results
        else set()
    )
    return render(
        request,
        "activities/_person_results.html",
        {
            "session": session,
            "results": results,
            "present": present,
            "q": query,
            "mode": mode,
            "limit": SEARCH_LIMIT,
        },
    )


def _posted_person(request):
    value = request.POST.get("person", "")
    if not value.isdigit():
        raise PermissionDenied
    return get_object_or_404(Person, pk=value)


@require_POST
@require_perm("activities.attendance")
def register(request, pk):
    session = _session(pk)
    _check(request, "activities.attendance", session)
    person = _posted_person(request)
    registration = services.register(actor=request.user, session=session, person=person)
    if registration.status == RegistrationStatus.CONFIRMED:
        messages.success(request, _("%(p)s est inscrit·e.") % {"p": person})
    else:
        messages.warning(
            request, _("C'est complet : %(p)s est sur la liste d'attente.") % {"p": person}
        )
    return redirect("activities:session", pk=session.pk)


@require_POST
@require_perm("activities.attendance")
def cancel_registration(request, pk):
    registration = get_object_or_404(
        Registration.objects.select_related("session__activity__house", "session__house", "person"),
        pk=pk,
    )
    _check(request, "activities.attendance", registration.session)
    moved_up = services.cancel_registration(actor=request.user, registration=registration)
    messages.success(request, _("%(p)s est désinscrit·e.") % {"p": registration.person})
    if moved_up is not None:
        messages.success(
            request,
            _("%(p)s quitte la liste d'attente : sa place est confirmée.") % {"p": moved_up.person},
        )
    return redirect("activities:session", pk=registration.session_id)


@require_POST
@require_perm("activities.attendance")
def headcount(request, pk):
    session = _session(pk)
    _check(request, "activities.attendance", session)
    form = HeadcountForm(request.POST)
    if form.is_valid():
        services.record_headcount(actor=request.user, session=session, counts=form.counts())
        messages.success(
            request,
            _("Comptage enregistré : %(n)d personne(s).") % {"n": sum(form.counts().values())},
        )
    else:
        messages.error(
            request,
            _("Comptage non enregistré : chaque nombre doit être entre 0 et %(max)s, ou vide.")
            % {"max": french_number(NUMBER_MAX)},
        )
    return redirect("activities:session", pk=session.pk)


# -- attendance on a phone ------------------------------------------------------------------------


def _attendance_rows(session):
    """Registered people first, then walk-ins, each with its tick."""
    present = {
        a.person_id: a for a in Attendance.objects.filter(session=session).select_related("person")
    }
    registered = [
        r.person
        for r in Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED)
        .select_related("person")
        .order_by("person__last_name", "person__first_name")
    ]
    rows = [(person, person.pk in present) for person in registered]
    known = {person.pk for person in registered}
    walk_ins = sorted(
        (a.person for a in present.values() if a.person_id not in known),
        key=lambda p: (p.last_name, p.first_name),
    )
    return rows + [(person, True) for person in walk_ins], len(present)


@require_perm("activities.attendance")
def attendance(request, pk):
    session = _session(pk)
    _check(request, "activities.attendance", session)
    rows, present = _attendance_rows(session)
    return render(
        request,
        "activities/attendance.html",
        {"session": session, "rows": rows, "present": present, "walk_in": WalkInForm()},
    )


@require_POST
@require_perm("activities.attendance")
def tick(request, pk):
    """Tick or untick one person (htmx swaps the row; a plain POST redirects)."""
    session = _session(pk)
    _check(request, "activities.attendance", session)
    person = _posted_person(request)
    is_present = request.POST.get("present") == "1"
    try:
        services.record_attendance(
            actor=request.user, session=session, person=person, present=is_present
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("activities:attendance", pk=session.pk)
    if request.htmx and request.POST.get("row"):
        return render(
            request,
            "activities/_attendance_row.html",
            {"session": session, "person": person, "is_present": is_present},
        )
    # Found by the search: the page says what happened, the row is in the list above.
    if is_present:
        messages.success(request, _("%(p)s est noté·e présent·e.") % {"p": person})
    else:
        messages.success(request, _("%(p)s n'est plus noté·e présent·e.") % {"p": person})
    return redirect("activities:attendance", pk=session.pk)


@require_POST
@require_perm("activities.attendance")
def walk_in_new(request, pk):
    """Someone nobody knows yet: create the person and tick them at once."""
    session = _session(pk)
    _check(request, "activities.attendance", session)
    form = WalkInForm(request.POST)
    if not form.is_valid():
        rows, present = _attendance_rows(session)
        return render(
            request,
            "activities/attendance.html",
            {"session": session, "rows": rows, "present": present, "walk_in": form},
            status=400,
        )
    person = create_person(actor=request.user, cooperation=request.cooperation, **form.cleaned_data)
    services.record_attendance(actor=request.user, session=session, person=person)
    messages.success(request, _("%(p)s est ajouté·e et noté·e présent·e.") % {"p": person})
    return redirect("activities:attendance", pk=session.pk)


@require_perm("activities.view")
def attendance_sheet_pdf(request, pk):
    """The sheet to sign on paper: the registered people, then blank lines for walk-ins."""
    session = _session(pk)
    registrations = (
        Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED)
        .select_related("person")
        .order_by("person__last_name", "person__first_name")
    )
    pdf = render_pdf(
        "activities/attendance_sheet.html",
        {
            "session": session,
            "registrations": registrations,
            "blank_lines": range(SHEET_BLANK_LINES),
            "printed_at": timezone.localtime(),
        },
        request=request,
    )
    return pdf_response(pdf, f"feuille-presence-{session.starts_at:%Y%m%d}-{session.pk}.pdf")


# -- volunteer time -------------------------------------------------------------------------------


@require_perm("volunteering.record")
def volunteer_hours(request):
    """Hours for one person or a whole team at once; from a session, its people are proposed,
    unticked: participants are not volunteers until someone says so."""
    session = object_from_query(
        request, Session.objects.select_related("activity", "activity__project_group"), "seance"
    )
    candidates: list[Person] = []
    initial = {"date": timezone.localdate()}
    if session is not None:
        initial = {
            "date": timezone.localtime(session.starts_at).date(),
            "project_group": session.activity.project_group_id,
        }
        candidates = list(
            Person.objects.filter(
                Q(attendances__session=session)
                | Q(
                    registrations__session=session,
                    registrations__status=RegistrationStatus.CONFIRMED,
                )
            )
            .distinct()
            .order_by("last_name", "first_name")
        )
    form = VolunteerHoursForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rows = record_volunteer_hours(
                actor=request.user,
                people=data["people"],
                date=data["date"],
                duration_minutes=form.duration_minutes(),
                kind=data["kind"],
                project_group=data["project_group"],
                session=session,
                comment=data["comment"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Heures de bénévolat enregistrées pour %(n)d personne(s).") % {"n": len(rows)},
            )
            return redirect(request.get_full_path())
    chosen = form.cleaned_data["people"] if form.is_bound and form.is_valid() else []
    if form.is_bound and not form.is_valid():
        ids = [v for v in request.POST.getlist("people") if parse_int(v) is not None]
        chosen = list(Person.objects.filter(pk__in=ids))
    team = {p.pk: p for p in [*candidates, *chosen]}
    recent = VolunteerHours.objects.select_related("person", "project_group").order_by(
        "-date", "-pk"
    )[:RECENT_HOURS]
    return render(
        request,
        "activities/volunteer_hours.html",
        {
            "form": form,
            "session": session,
            "team": team.values(),
            "checked": {p.pk for p in chosen},
            "recent": recent,
        },
    )


@require_perm("volunteering.record")
def volunteer_search(request):
    query = request.GET.get("q", "").replace("\x00", "").strip()
    results = (
        (
            Person.objects.search(query)
            .filter(anonymised_at__isnull=True)
            .select_related("home_house")[:SEARCH_LIMIT]
        )
        if query
        else []
    )
    return render(
        request,
        "activities/_person_results.html",
        {"results": results, "q": query, "mode": "team", "limit": SEARCH_LIMIT},
    )
