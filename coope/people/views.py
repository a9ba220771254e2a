"""The front desk: search, people, households and visits. Thin views over the services."""

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from coope.core.models import House
from coope.core.permissions import user_associations
from coope.core.views import object_from_query, require_perm
from coope.membership.models import Membership
from coope.people import privacy, services
from coope.people.forms import (
    AddMemberForm,
    HouseholdForm,
    LeaveHouseholdForm,
    PersonForm,
    QuotientForm,
    VisitForm,
)
from coope.people.models import Household, HouseholdMember, Link, Person

SEARCH_LIMIT = 30


def _current_card(memberships):
    """The card that covers a person today among `memberships` valid today: their own first,
    else their household's; the one that lasts longest."""
    return max(
        memberships, key=lambda m: (m.person_id is not None, m.valid_until, m.pk), default=None
    )


def _with_cards(people):
    """Attach to each person the membership covering them today (their own or their household's),
    in two index-served queries whatever the number of people: their households of today, then
    the cards valid today of those people and households."""
    today = timezone.localdate()
    people = list(people)
    if not people:
        return people
    households = defaultdict(set)
    for person_id, household_id in (
        HouseholdMember.objects.on(today)
        .filter(person__in=[p.pk for p in people])
        .values_list("person_id", "household_id")
    ):
        households[person_id].add(household_id)
    own, shared = defaultdict(list), defaultdict(list)
    for membership in Membership.objects.valid_on(today).filter(
        Q(person__in=[p.pk for p in people])
        | Q(household__in={pk for pks in households.values() for pk in pks})
    ):
        if membership.person_id is not None:
            own[membership.person_id].append(membership)
        else:
            shared[membership.household_id].append(membership)
    for p in people:
        p.current_membership = _current_card(
            own[p.pk] + [m for pk in households[p.pk] for m in shared[pk]]
        )
    return people


@require_perm("people.view")
def desk(request):
    query = request.GET.get("q", "").replace("\x00", "").strip()
    results = (
        _with_cards(Person.objects.search(query).select_related("home_house")[:SEARCH_LIMIT])
        if query
        else []
    )
    template = "people/_results.html" if request.htmx else "people/desk.html"
    return render(request, template, {"q": query, "results": results, "limit": SEARCH_LIMIT})


@require_perm("people.edit")
def person_create(request):
    show_sensitive = request.user.has_coope_perm("people.view_sensitive")
    household = object_from_query(request, Household.objects.all(), "foyer")
    form = PersonForm(
        request.POST or None,
        show_sensitive=show_sensitive,
        initial={
            "last_name": household.name.removeprefix("Famille ") if household else "",
            "address": household.address if household else "",
            "postcode": household.postcode if household else "",
            "city": household.city if household else "",
        },
    )
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        duplicates = list(
            services.likely_duplicates(
                first_name=data["first_name"],
                last_name=data["last_name"],
                birth_date=data["birth_date"],
            )
        )
        link = request.GET.get("lien", Link.CHILD)
        if household is not None and link not in Link.values:
            form.add_error(
                None,
                _("Le lien dans le foyer « %(l)s » n'existe pas : repartez de la page du foyer.")
                % {"l": link[:40]},
            )
        elif duplicates and not data["confirm_not_duplicate"]:
            form.add_error(
                None,
                _(
                    "Cette personne existe peut-être déjà : vérifiez la liste ci-dessous. "
                    "Si c'est bien quelqu'un d'autre, cochez la case et enregistrez."
                ),
            )
        else:
            fields = {k: v for k, v in data.items() if k != "confirm_not_duplicate"}
            # The person and their place in the household are written together, or neither.
            with transaction.atomic():
                person = services.create_person(
                    actor=request.user, cooperation=request.cooperation, **fields
                )
                if household is not None:
                    services.add_to_household(
                        actor=request.user, household=household, person=person, link=link
                    )
            if household is not None:
                messages.success(request, _("%(p)s a été ajouté·e au foyer.") % {"p": person})
                return redirect("people:household", pk=household.pk)
            messages.success(request, _("%(p)s a été enregistré·e.") % {"p": person})
            return redirect("people:person", pk=person.pk)
    return render(
        request,
        "people/person_form.html",
        {"form": form, "duplicates": duplicates, "household": household},
    )


@require_perm("people.edit")
def person_edit(request, pk):
    person = get_object_or_404(Person, pk=pk, anonymised_at__isnull=True)
    show_sensitive = request.user.has_coope_perm("people.view_sensitive")
    form = PersonForm(request.POST or None, instance=person, show_sensitive=show_sensitive)
    del form.fields["confirm_not_duplicate"]
    if request.method == "POST" and form.is_valid():
        fields = {
            name: form.cleaned_data[name] for name in form.changed_data if name in form.Meta.fields
        }
        person.refresh_from_db()
        try:
            services.update_person(
                actor=request.user,
                person=person,
                home_house_on=form.cleaned_data.get("home_house_since"),
                **fields,
            )
        except ValidationError as error:
            person.refresh_from_db()
            form.add_error("home_house_since" if "home_house" in fields else None, error)
        else:
            messages.success(request, _("Modifications enregistrées."))
            return redirect("people:person", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person})


@require_perm("people.view")
def person_detail(request, pk):
    person = get_object_or_404(Person.objects.select_related("home_house"), pk=pk)
    today = timezone.localdate()
    links = list(
        person.household_links.select_related("household")
        .prefetch_related(
            Prefetch(
                "household__links",
                queryset=HouseholdMember.objects.current().select_related("person"),
                to_attr="current_links",
            )
        )
        .order_by(F("valid_until").desc(nulls_first=True), "pk")
    )
    # Their own memberships and their households' (past households too), each marked with
    # whether it covers them today: the list and today's card in one query.
    memberships = list(
        privacy.memberships_of(person, {link.household_id for link in links})
        .select_related("house", "household")
        .annotate(
            covers_today=Q(person=person)
            | Exists(
                HouseholdMember.objects.on(today).filter(
                    household=OuterRef("household"), person=person
                )
            )
        )
        .order_by("-valid_from", "-pk")
    )
    person.current_membership = _current_card(
        m for m in memberships if m.covers_today and m.is_valid_on(today)
    )
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "links": [link for link in links if link.valid_until is None],
            "former_links": [link for link in links if link.valid_until is not None],
            "home_house_spells": person.home_house_spells.select_related("house").order_by(
                F("valid_from").desc(nulls_last=True)
            ),
            "memberships": memberships,
            "visits": person.visits.select_related("house")[:10],
            "can_take": bool(user_associations(request.user, "membership.take")),
        },
    )


@require_perm("people.edit")
def household_create(request):
    person = object_from_query(request, Person.objects.all(), "personne")
    initial = {}
    if person is not None:
        initial = {
            "name": f"Famille {person.last_name}",
            "address": person.address,
            "postcode": person.postcode,
            "city": person.city,
        }
    form = HouseholdForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        household = services.create_household(
            actor=request.user,
            cooperation=request.cooperation,
            members=[(person, "referent")] if person else [],
            **form.cleaned_data,
        )
        messages.success(request, _("Le foyer « %(h)s » a été créé.") % {"h": household})
        return redirect("people:household", pk=household.pk)
    return render(request, "people/household_form.html", {"form": form, "person": person})


@require_perm("people.view")
def household_detail(request, pk):
    household = get_object_or_404(Household, pk=pk)
    show_sensitive = request.user.has_coope_perm("people.view_sensitive")
    query = request.GET.get("q", "").replace("\x00", "").strip()
    links = household.links.select_related("person", "person__home_house")
    candidates = (
        Person.objects.search(query).exclude(pk__in=links.current().values("person"))[:10]
        if query
        else []
    )
    return render(
        request,
        "people/household_detail.html",
        {
            "household": household,
            "links": links.current(),
            "former_links": links.filter(valid_until__isnull=False).order_by("-valid_until"),
            "leave_form": LeaveHouseholdForm(),
            "quotients": household.quotients.all() if show_sensitive else None,
            "memberships": household.memberships.select_related("house").order_by("-valid_from"),
            "quotient_form": QuotientForm() if show_sensitive else None,
            "member_form": AddMemberForm(),
            "q": query,
            "candidates": candidates,
            "can_take": bool(user_associations(request.user, "membership.take")),
        },
    )


@require_perm("people.edit")
def household_add_member(request, pk):
    household = get_object_or_404(Household, pk=pk)
    form = AddMemberForm(request.POST)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_to_household(
                actor=request.user,
                household=household,
                person=form.cleaned_data["person"],
                link=form.cleaned_data["link"],
                valid_from=form.cleaned_data["valid_from"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(p)s fait maintenant partie du foyer.") % {"p": form.cleaned_data["person"]},
            )
    else:
        messages.error(
            request,
            _(
                "Choisissez une personne dans la liste, son lien avec le foyer et la date depuis "
                "laquelle elle en fait partie (pas dans le futur)."
            ),
        )
    return redirect("people:household", pk=household.pk)


@require_perm("people.edit")
def household_remove_member(request, pk, link_pk):
    """Someone left the household: their link is closed on the day given, never deleted."""
    household = get_object_or_404(Household, pk=pk)
    link = get_object_or_404(household.links.current().select_related("person"), pk=link_pk)
    form = LeaveHouseholdForm(request.POST)
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_from_household(
                actor=request.user,
                household=household,
                person=link.person,
                on=form.cleaned_data["valid_until"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(p)s ne fait plus partie du foyer depuis le %(d)s.")
                % {"p": link.person, "d": form.cleaned_data["valid_until"].strftime("%d/%m/%Y")},
            )
    else:
        messages.error(
            request, _("Indiquez le jour où la personne a quitté le foyer (pas dans le futur).")
        )
    return redirect("people:household", pk=household.pk)


@require_perm("people.view_sensitive")
def household_quotient(request, pk):
    household = get_object_or_404(Household, pk=pk)
    form = QuotientForm(request.POST)
    if request.method == "POST" and form.is_valid():
        services.record_quotient(actor=request.user, household=household, **form.cleaned_data)
        messages.success(request, _("Quotient familial enregistré."))
    else:
        messages.error(
            request,
            _("Quotient non enregistré : indiquez un montant, une date et un justificatif."),
        )
    return redirect("people:household", pk=household.pk)


@require_perm("reception.record_visit")
def visit_create(request):
    houses = House.objects.filter(
        association__in=user_associations(request.user, "reception.record_visit")
    )
    person = object_from_query(request, Person.objects.all(), "personne")
    form = VisitForm(
        request.POST or None,
        houses=houses,
        initial={"date": timezone.localdate(), "house": houses.first()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_visit(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Passage enregistré."))
            return redirect("people:person", pk=person.pk) if person else redirect("people:desk")
    if not houses:
        raise PermissionDenied
    return render(request, "people/visit_form.html", {"form": form, "person": person})
