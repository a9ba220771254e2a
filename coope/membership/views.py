"""Memberships at the front desk: take one with the fee from the rules, check a card, renewals."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from coope.core.models import House
from coope.core.permissions import user_associations
from coope.core.views import object_from_query, require_perm
from coope.membership import services
from coope.membership.forms import CardCheckForm, TakeMembershipForm
from coope.membership.models import MemberKind, Membership
from coope.people.models import Household, Person
from coope.people.services import quotient_of


@require_perm("membership.take")
def take(request):
    person = object_from_query(
        request, Person.objects.filter(anonymised_at__isnull=True), "personne"
    )
    household = object_from_query(request, Household.objects.all(), "foyer")
    if (person is None) == (household is None):
        messages.error(request, _("Choisissez d'abord la personne ou le foyer qui adhère."))
        return redirect("people:desk")
    houses = House.objects.filter(
        association__in=user_associations(request.user, "membership.take")
    )
    if not houses:
        raise PermissionDenied
    today = timezone.localdate()
    current = services.period_on(request.cooperation, today)
    form = TakeMembershipForm(
        request.POST or None,
        houses=houses,
        initial={"house": houses.first(), "period": current, "valid_from": today},
    )
    # The fee shown before paying, from the rules and the family quotient.
    period = current
    if form.is_bound and form.is_valid():
        period = form.cleaned_data["period"]
    kind = MemberKind.INDIVIDUAL if person else MemberKind.HOUSEHOLD
    quotient = quotient_of(person=person, household=household, on=today)
    fee, fee_error = None, None
    if period is not None:
        try:
            fee = services.compute_fee(period=period, kind=kind, quotient=quotient)
        except ValidationError as error:
            fee_error = error.messages[0]
    else:
        fee_error = _(
            "Aucune période d'adhésion ne couvre aujourd'hui : une direction doit la créer."
        )
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.take_membership(
                actor=request.user, person=person, household=household, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Adhésion enregistrée : carte %(card)s, %(euros)s €.")
                % {
                    "card": membership.card_number,
                    "euros": f"{membership.fee_cents / 100:.2f}".replace(".", ","),
                },
            )
            return redirect("membership:done", pk=membership.pk)
    return render(
        request,
        "membership/take.html",
        {
            "form": form,
            "person": person,
            "household": household,
            "fee": fee,
            "fee_error": fee_error,
            "quotient": quotient if request.user.has_coope_perm("people.view_sensitive") else None,
            "kind": MemberKind(kind).label,
        },
    )


@require_perm("membership.view")
def done(request, pk):
    membership = get_object_or_404(
        Membership.objects.select_related("person", "household", "house"), pk=pk
    )
    return render(request, "membership/done.html", {"membership": membership})


@require_perm("membership.view")
def check_card(request):
    form = CardCheckForm(request.GET or None)
    status = services.card_status(form.cleaned_data["number"]) if form.is_valid() else None
    return render(request, "membership/check_card.html", {"form": form, "status": status})


@require_perm("membership.view")
def renewals(request):
    memberships = services.memberships_to_renew()
    return render(
        request,
        "membership/renewals.html",
        {"memberships": memberships[:500], "today": timezone.localdate()},
    )
