"""Memberships at the front desk: take one with the fee from the rules, check a card, renewals."""

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coope.core import exports
from coope.core.kept import kept_result, read_stamp
from coope.core.models import House
from coope.core.permissions import user_associations
from coope.core.templatetags.coope import euros
from coope.core.views import object_from_query, require_perm
from coope.lib.spreadsheets import CONTENT_TYPES, FORMATS, write_spreadsheet
from coope.membership import services
from coope.membership.forms import (
    CardCheckForm,
    RenewalFilterForm,
    RenewForm,
    TakeMembershipForm,
)
from coope.membership.models import FeeRule, MemberKind, Membership, MembershipPeriod
from coope.people.models import Household, HouseholdMember, Link, Person
from coope.people.services import quotient_of

RENEWALS_PER_PAGE = 100


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
    # A holder still covered is offered the membership that follows theirs.
    day = services.first_free_day(person=person, household=household, on=today)
    kind = MemberKind.INDIVIDUAL if person else MemberKind.HOUSEHOLD
    quotient = quotient_of(person=person, household=household, on=day)
    options = _options(request.cooperation, day, kind, quotient)
    form = TakeMembershipForm(
        request.POST or None,
        houses=houses,
        options=[(o.key, o.label, o.period) for o in options],
        initial={"house": houses.first(), "period": options[0].key, "valid_from": day},
    )
    # The fee shown before paying, from the rules and the family quotient.
    chosen = options[0]
    if form.is_bound and form.is_valid():
        chosen = next(o for o in options if o.key == form.data["period"])
    fee, fee_error = chosen.fee, chosen.fee_error
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
            "chosen": chosen,
            "offered": options[0] if options[0].offered else None,
            "current": next((o for o in options if not o.offered), None),
        },
    )


@dataclass
class Option:
    """A period the front desk may choose, with the validity and fee it would give."""

    key: str
    period: MembershipPeriod
    valid_from: datetime.date
    valid_until: datetime.date
    offered: bool
    fee: FeeRule | None
    fee_error: str | None

    @property
    def label(self) -> str:
        text = _("%(p)s · du %(s)s au %(e)s") % {
            "p": self.period.name,
            "s": f"{self.valid_from:%d/%m/%Y}",
            "e": f"{self.valid_until:%d/%m/%Y}",
        }
        if self.fee is not None:
            text += f" · {euros(self.fee.amount_cents)}"
        if self.offered:
            text += " · " + _("proposée")
        return text


def _options(cooperation, day, kind, quotient) -> list[Option]:
    """The offers of `day` (the next period first in the last weeks of one), then the other
    periods to come, each with its fee or the reason it has none: the periods, the rules and the
    fee grids read once for all of them."""
    periods = services.Periods.read(cooperation)
    offers = periods.offers(day)
    keys = {offer.key for offer in offers}
    offers += [
        services.Offer(p, max(day, p.start), periods.rules.valid_until(p, max(day, p.start)))
        for p in periods.periods  # by start
        if p.end >= day and str(p.pk) not in keys
    ]
    periods.read_fees([offer.period for offer in offers], kind)
    options = []
    for offer in offers:
        fee, error = None, None
        try:
            fee = periods.compute_fee(period=offer.period, kind=kind, quotient=quotient)
        except ValidationError as problem:
            error = problem.messages[0]
        options.append(
            Option(
                offer.key,
                offer.period,
                offer.valid_from,
                offer.valid_until,
                offer.offered,
                fee,
                error,
            )
        )
    return options


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


def _renewals(request):
    """The memberships to renew, of the house chosen in ?maison= (all when none), with the phone
    of the person or of the household's referent; the filter form says when the house is wrong.

    Only the columns the list and its export show: a person's other fields (their notes are
    encrypted) are neither read nor decrypted for thousands of rows."""
    form = RenewalFilterForm(request.GET or None)
    memberships = services.memberships_to_renew()
    if form.is_valid() and form.cleaned_data["maison"] is not None:
        memberships = memberships.filter(house=form.cleaned_data["maison"])
    referent_phone = (
        HouseholdMember.objects.on(timezone.localdate())
        .filter(household=OuterRef("household"), link=Link.REFERENT)
        .order_by("pk")
        .values("person__phone")[:1]
    )
    memberships = (
        memberships.select_related("period")
        .only(*RENEWAL_COLUMNS)
        .annotate(
            phone=Coalesce(NullIf("person__phone", Value("")), Subquery(referent_phone), Value(""))
        )
    )
    return form, memberships


RENEWAL_COLUMNS = [
    "card_number",
    "valid_until",
    "person__first_name",
    "person__last_name",
    "household__name",
    "house__name",
    "house__short_name",
    "period__name",
]


def _may_export(user) -> bool:
    return user.has_coope_perm("membership.export_renewals")


@require_perm("membership.view")
def renewals(request):
    form, memberships = _renewals(request)
    paginator = Paginator(memberships, RENEWALS_PER_PAGE)
    # Counting thousands of renewals is most of the page's time: the count is kept while no
    # audited write (a membership taken, renewed, a household changed…) happens, for the day.
    house = form.cleaned_data["maison"] if form.is_bound and form.is_valid() else None
    paginator.count = kept_result(
        request.cooperation,
        f"renewals-count:{timezone.localdate().isoformat()}:{house.pk if house else ''}",
        memberships.count,
        read_stamp(request.cooperation.pk),
    )
    page = paginator.get_page(request.GET.get("page"))
    kept = request.GET.copy()
    kept.pop("page", None)
    query = kept.urlencode()
    return render(
        request,
        "membership/renewals.html",
        {
            "form": form,
            "page": page,
            "memberships": page.object_list,
            "count": page.paginator.count,
            "query": f"&{query}" if query else "",
            "today": timezone.localdate(),
            "can_renew": request.user.has_coope_perm("membership.take"),
            "exports": [(fmt, f"?{query}" if query else "") for fmt in FORMATS]
            if _may_export(request.user)
            else [],
        },
    )


@require_perm("membership.view")
def renewals_export(request, fmt):
    if fmt not in FORMATS:
        raise Http404
    if not _may_export(request.user):
        raise PermissionDenied
    form, memberships = _renewals(request)
    # Values, not models: the whole list (thousands of rows) in one pass, linear in its length.
    rows = [
        [
            household if household is not None else f"{first_name} {last_name}".strip(),
            _("Foyer") if household is not None else _("Personne"),
            card_number,
            phone,
            valid_until,
            short_name or name,
            period,
        ]
        for (
            first_name,
            last_name,
            household,
            card_number,
            phone,
            valid_until,
            short_name,
            name,
            period,
        ) in memberships.values_list(
            "person__first_name",
            "person__last_name",
            "household__name",
            "card_number",
            "phone",
            "valid_until",
            "house__short_name",
            "house__name",
            "period__name",
        ).iterator(chunk_size=2000)
    ]
    content = write_spreadsheet(
        [
            _("Adhérent"),
            _("Adhésion"),
            _("Carte"),
            _("Téléphone"),
            _("Fin"),
            _("Maison"),
            _("Période"),
        ],
        rows,
        fmt,
        title=_("À renouveler"),
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    house = form.cleaned_data.get("maison") if form.is_valid() else None
    name = "-".join(
        part
        for part in (
            "a-renouveler",
            request.cooperation.slug,
            slugify(house.short_name or house.name) if house else "",
            timezone.localdate().isoformat(),
        )
        if part
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return exports.audited(
        response,
        request=request,
        list_name="membership.renewals",
        rows=len(rows),
        label=_("Adhésions à renouveler"),
        details={"format": fmt, "maison": house.pk if house else None},
    )


@require_perm("membership.take")
def renew(request, pk):
    """« Renouveler » from the list: what the renewal would be (period, fee), confirmed in one
    click, taken through the membership service."""
    membership = get_object_or_404(
        Membership.objects.select_related("person", "household", "house", "period"), pk=pk
    )
    houses = House.objects.filter(
        association__in=user_associations(request.user, "membership.take")
    ).order_by("name")
    if not houses:
        raise PermissionDenied
    try:
        options = services.renewal_options(membership)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("membership:renewals")
    form = RenewForm(
        request.POST or None,
        houses=houses,
        options=[(o.key, _renewal_label(o)) for o in options],
        initial={"house": membership.house if membership.house in houses else houses.first()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            renewed = services.renew_membership(
                actor=request.user,
                membership=membership,
                house=form.cleaned_data["house"],
                payment_method=form.cleaned_data["payment_method"],
                choice=form.cleaned_data.get("period") or None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Adhésion renouvelée : carte %(card)s, %(euros)s.")
                % {"card": renewed.card_number, "euros": euros(renewed.fee_cents)},
            )
            return redirect("membership:done", pk=renewed.pk)
    return render(
        request,
        "membership/renew.html",
        {
            "membership": membership,
            "renewal": options[0],
            "current": next((o for o in options if not o.offered), None),
            "form": form,
        },
    )


def _renewal_label(renewal: services.Renewal) -> str:
    text = _("%(p)s · du %(s)s au %(e)s · %(fee)s") % {
        "p": renewal.period.name,
        "s": f"{renewal.valid_from:%d/%m/%Y}",
        "e": f"{renewal.valid_until:%d/%m/%Y}",
        "fee": euros(renewal.fee.amount_cents),
    }
    return text + (" · " + _("proposée") if renewal.offered else "")
