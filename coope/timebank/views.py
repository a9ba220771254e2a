"""TIC-TAC pages: a member's page on a phone, and the coordinators' pages.

A member is a login (`User.person`) whose person has a time account; staff pages need
`timebank.view_accounts` (to see) or `timebank.manage` (cheques, reversals, limits, opening).
"""

import datetime
from collections import Counter
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum, Window
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_scopes import scope

from coope.core import exports
from coope.core.models import User
from coope.core.views import object_from_query, require_perm
from coope.lib.pdf import pdf_response, render_pdf
from coope.lib.spreadsheets import CONTENT_TYPES, write_spreadsheet
from coope.people.models import Person
from coope.timebank import services
from coope.timebank.forms import ChequeForm, ExchangeForm, LimitsForm, ListingForm, ReverseForm
from coope.timebank.models import (
    Account,
    AccountKind,
    Entry,
    Exchange,
    ExchangeStatus,
    Listing,
    Notice,
    Transfer,
    TransferKind,
    format_minutes,
)

INACTIVE_DAYS = 180
PAGE_SIZE = 50
MEMBER_SEARCH_LIMIT = 10
STAFF_SEARCH_LIMIT = 30


def _member_account(request) -> Account:
    """The signed-in person's own account; 404 for anyone without one."""
    person_id = getattr(request.user, "person_id", None)
    if person_id is None:
        raise Http404
    return get_object_or_404(Account.objects.select_related("person"), person_id=person_id)


def statement(account: Account, *, year: int | None = None):
    """The account's entries with the running balance and the other party, newest first.

    Two queries whatever the number of rows: the entries, then the other accounts."""
    entries = (
        Entry.objects.filter(account=account)
        .select_related("transfer", "transfer__category")
        .annotate(
            running=Window(
                Sum("amount_minutes"), order_by=[F("transfer__created_at").asc(), F("pk").asc()]
            ),
            other_id=Subquery(
                Entry.objects.filter(transfer=OuterRef("transfer"))
                .exclude(account=OuterRef("account"))
                .order_by("pk")
                .values("account")[:1]
            ),
            reversed=Exists(Transfer.objects.filter(reverses=OuterRef("transfer"))),
        )
        .order_by("-transfer__created_at", "-pk")
    )
    rows = list(entries)
    if year is not None:
        rows = [e for e in rows if timezone.localtime(e.transfer.created_at).year == year]
    others = Account.objects.select_related("person", "association").in_bulk(
        {e.other_id for e in rows}
    )
    for entry in rows:
        entry.other = others.get(entry.other_id)
    return rows


def _year(request) -> int | None:
    value = request.GET.get("annee", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else None


def _statement_file(request, account: Account):
    year = _year(request)
    rows = statement(account, year=year)
    fmt = request.GET.get("format", "pdf")
    name = f"releve-tic-tac-{account.pk}{f'-{year}' if year else ''}"
    if fmt == "csv":
        content = write_spreadsheet(
            [
                _("Date"),
                _("Nature"),
                _("Libellé"),
                _("Avec"),
                _("Minutes"),
                _("Heures"),
                _("Solde (minutes)"),
            ],
            [
                [
                    timezone.localtime(e.transfer.created_at),
                    e.transfer.get_kind_display(),
                    e.transfer.memo,
                    str(e.other or ""),
                    e.amount_minutes,
                    format_minutes(e.amount_minutes),
                    e.running,
                ]
                for e in rows
            ],
            "csv",
        )
        response = HttpResponse(content, content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    elif fmt == "pdf":
        pdf = render_pdf(
            "timebank/statement_pdf.html",
            {"account": account, "rows": rows, "year": year, "printed_at": timezone.localtime()},
            request=request,
        )
        response = pdf_response(pdf, f"{name}.pdf")
    else:
        raise Http404
    return exports.audited(
        response,
        request=request,
        list_name="timebank.statement",
        rows=len(rows),
        label=_("Relevé TIC-TAC du compte %(account)s") % {"account": account.pk},
        details={"format": fmt, "account": account.pk, "year": year},
    )


# -- a member's pages -------------------------------------------------------------------------


def member_page(view):
    """A page of a member's own account. Staff without an account of their own are taken to
    the accounts they may see (else their home), not to a « page not found »."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if getattr(request.user, "person_id", None) is None:
            if request.user.has_coope_perm("timebank.view_accounts"):
                return redirect("timebank:accounts")
            return redirect("home")
        return view(request, *args, **kwargs)

    return wrapped


@member_page
def me(request):
    account = _member_account(request)
    notices = list(Notice.objects.filter(person_id=account.person_id, read_at__isnull=True)[:10])
    to_confirm = list(
        Exchange.objects.filter(receiver=account, status=ExchangeStatus.PENDING).select_related(
            "provider__person", "category"
        )
    )
    waiting = list(
        Exchange.objects.filter(provider=account, status=ExchangeStatus.PENDING).select_related(
            "receiver__person", "category"
        )
    )
    low, high = services.limits_of(account)
    return render(
        request,
        "timebank/me.html",
        {
            "account": account,
            "notices": notices,
            "to_confirm": to_confirm,
            "waiting": waiting,
            "rows": statement(account)[:20],
            "low": low,
            "high": high,
            "held": services.held_minutes(account),
        },
    )


@login_required
@require_POST
def notices_read(request):
    account = _member_account(request)
    Notice.objects.filter(person_id=account.person_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("timebank:me")


@login_required
def my_statement(request):
    return _statement_file(request, _member_account(request))


@member_page
def exchange_new(request):
    """Record a service given, in two steps: the form, then a summary with any limit warning."""
    account = _member_account(request)
    form = ExchangeForm(
        request.POST or None, exclude_account=account, initial={"key": services.new_key()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        receivers, minutes = list(data["receivers"]), data["duration"]
        legs = [(receiver, -minutes) for receiver in receivers] + [
            (account, minutes * len(receivers))
        ]
        # Refused before the summary; on confirming, the service checks again (after a replay:
        # a double click returns the exchange already recorded instead of counting it twice).
        confirming = request.POST.get("confirm") == "1"
        refusals = [] if confirming else services.limit_refusals(legs, actor=request.user)
        for refusal in refusals:
            form.add_error(None, refusal)
        if not refusals and not confirming:
            return render(
                request,
                "timebank/exchange_confirm.html",
                {
                    "form": form,
                    "data": data,
                    "warnings": services.warnings_for(legs, actor=request.user),
                    "duration": format_minutes(minutes),
                },
            )
        fields = {
            "actor": request.user,
            "provider": account,
            "category": data["category"],
            "description": data["description"],
            "performed_on": data["performed_on"],
            "site_url": request.build_absolute_uri("/"),
        }
        if not refusals:
            try:
                if len(receivers) == 1:
                    services.record_exchange(
                        receiver=receivers[0],
                        minutes=minutes,
                        idempotency_key=f"member:{data['key']}",
                        **fields,
                    )
                else:
                    services.record_group_exchange(
                        receivers=receivers,
                        minutes_each=minutes,
                        idempotency_key=f"member:{data['key']}",
                        **fields,
                    )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Échange enregistré, à confirmer par : %(who)s.")
                    % {"who": ", ".join(str(r) for r in receivers)},
                )
                unreachable = [r for r in receivers if not services.reachable(r.person)]
                if unreachable:
                    messages.info(
                        request,
                        _(
                            "%(who)s n'a ni e-mail ni compte Coopé : l'accueil lui demandera "
                            "de confirmer l'échange."
                        )
                        % {"who": ", ".join(str(r) for r in unreachable)},
                    )
                return redirect("timebank:me")
    return render(
        request,
        "timebank/exchange_form.html",
        {"form": form, "heading": _("J'ai rendu un service")},
    )


def _account_search(request, *, exclude=None, details: bool, limit: int):
    """The front desk's search (`Person.objects.search`: parts of a name, or a card number) over
    the open members' accounts; the results are ticked into the form's field `?champ=`."""
    query = request.GET.get("q", "").replace("\x00", "").strip()
    champ = request.GET.get("champ", "")
    if champ not in ("receivers", "provider", "receiver"):
        raise Http404
    too_short = bool(query) and not any(c.isdigit() for c in query) and len(query) < 2
    results = []
    if query and not too_short:
        queryset = (
            Account.objects.filter(
                kind=AccountKind.MEMBER,
                closed_at__isnull=True,
                person__in=Person.objects.search(query).filter(anonymised_at__isnull=True),
            )
            .select_related("person", "person__home_house")
            .order_by("person__last_name", "person__first_name", "pk")
        )
        if exclude is not None:
            queryset = queryset.exclude(pk=exclude.pk)
        results = list(queryset[:limit])
    return render(
        request,
        "timebank/_account_results.html",
        {
            "namesakes": not details and _namesakes(results),
            "q": query,
            "champ": champ,
            "multiple": champ == "receivers",
            "results": results,
            "too_short": too_short,
            "details": details,
            "limit": limit,
        },
    )


def _namesakes(accounts: list[Account]) -> bool:
    """Whether two results read the same to a member (same name, same house): a member is not
    shown birth years, so the other person's card number tells them apart."""
    seen = Counter(
        (p.last_name.casefold(), p.first_name.casefold(), p.home_house_id)
        for p in (a.person for a in accounts)
        if p is not None
    )
    return any(count > 1 for count in seen.values())


@login_required
def member_search(request):
    """A member finds the person they served: name and house, never a list of every member."""
    return _account_search(
        request, exclude=_member_account(request), details=False, limit=MEMBER_SEARCH_LIMIT
    )


@require_perm("timebank.manage")
def staff_search(request):
    """Staff find the people of a paper cheque; the birth year and house tell namesakes apart."""
    return _account_search(request, details=True, limit=STAFF_SEARCH_LIMIT)


def exchange_answer(request, token):
    """The link of the e-mail sent to the receiver of an exchange: confirm or refuse it, with no
    login. The signed token names the exchange; nothing else is shown or reachable from it."""
    found = services.exchange_from_token(token)
    if found is None:
        raise Http404
    cooperation_id, pk = found
    with scope(cooperation=cooperation_id):
        exchange = get_object_or_404(
            Exchange.objects.select_related("provider__person", "receiver__person", "category"),
            pk=pk,
            cooperation_id=cooperation_id,
        )
        signed_in = getattr(request.user, "person_id", None) == exchange.receiver.person_id
        # Anyone else with the link acts as the receiver's link, never as their own account.
        actor = request.user if signed_in else AnonymousUser()
        via = "" if signed_in else "email_link"
        if request.method == "POST":
            decision = request.POST.get("decision", "")
            try:
                if decision == "confirmer":
                    services.confirm_exchange(actor=actor, exchange=exchange, via=via)
                    messages.success(
                        request,
                        _("Échange confirmé : %(d)s versées à %(who)s.")
                        % {"d": format_minutes(exchange.minutes), "who": exchange.provider},
                    )
                elif decision == "refuser":
                    services.refuse_exchange(actor=actor, exchange=exchange, via=via)
                    messages.success(request, _("Échange refusé : rien n'a été versé."))
                else:
                    raise Http404
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            return redirect("timebank:exchange_answer", token=token)
        exchange.refresh_from_db(fields=["status"])
        return render(
            request,
            "timebank/exchange_answer.html",
            {
                "exchange": exchange,
                "due": services.confirmation_due_on(exchange),
                "pending": exchange.status == ExchangeStatus.PENDING,
            },
        )


@login_required
@require_POST
def exchange_decide(request, pk, decision):
    account = _member_account(request)
    exchange = get_object_or_404(Exchange, pk=pk, receiver=account)
    try:
        if decision == "confirmer":
            services.confirm_exchange(actor=request.user, exchange=exchange)
            messages.success(
                request,
                _("Échange confirmé : %(d)s versées à %(who)s.")
                % {"d": format_minutes(exchange.minutes), "who": exchange.provider},
            )
        elif decision == "refuser":
            services.refuse_exchange(actor=request.user, exchange=exchange)
            messages.success(request, _("Échange refusé : rien n'a été versé."))
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("timebank:me")


@member_page
def listings(request):
    """Offers and requests of every member; a member adds their own."""
    account = _member_account(request)
    form = ListingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        listing = Listing.objects.create(
            cooperation_id=account.cooperation_id, account=account, **form.cleaned_data
        )
        messages.success(request, _("Annonce publiée : %(l)s") % {"l": listing})
        return redirect("timebank:listings")
    kind = request.GET.get("type", "")
    queryset = Listing.objects.filter(active=True).select_related("account__person", "category")
    if kind in ("offer", "request"):
        queryset = queryset.filter(kind=kind)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "timebank/listings.html",
        {"form": form, "page": page, "kind": kind, "account": account},
    )


# -- coordinators' pages ----------------------------------------------------------------------


@require_perm("timebank.view_accounts")
def accounts(request):
    """Every account with its balance; filters: near a limit, inactive, by name."""
    rules = services.rules_of(request.cooperation)
    margin = rules.warning_margin_minutes
    since = timezone.now() - datetime.timedelta(days=INACTIVE_DAYS)
    queryset = (
        Account.objects.with_limits()
        .select_related("person", "association")
        .annotate(
            last_move=Subquery(
                Entry.objects.filter(account=OuterRef("pk"))
                .order_by("-transfer__created_at")
                .values("transfer__created_at")[:1]
            )
        )
    )
    filtre = request.GET.get("filtre", "")
    if filtre == "limite":
        queryset = queryset.filter(kind=AccountKind.MEMBER).filter(
            Q(low_minutes__isnull=False, balance_minutes__lte=F("low_minutes") + margin)
            | Q(high_minutes__isnull=False, balance_minutes__gte=F("high_minutes") - margin)
        )
    elif filtre == "accueil":
        queryset = queryset.filter(
            Exists(Exchange.objects.filter(receiver=OuterRef("pk"), status=ExchangeStatus.PENDING)),
            person__email="",
        ).exclude(Exists(User.objects.filter(person=OuterRef("person"), is_active=True)))
    elif filtre == "inactifs":
        queryset = queryset.filter(kind=AccountKind.MEMBER, closed_at__isnull=True).exclude(
            Exists(Entry.objects.filter(account=OuterRef("pk"), transfer__created_at__gte=since))
        )
    query = request.GET.get("q", "").replace("\x00", "").strip()
    without_account = []
    if query:
        queryset = queryset.filter(person__in=Person.objects.search(query))
        # People found who have no account yet: a manager opens theirs from here.
        without_account = list(
            Person.objects.search(query)
            .filter(time_account__isnull=True)
            .order_by("last_name", "first_name")[:20]
        )
    queryset = queryset.order_by("kind", "person__last_name", "person__first_name", "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "timebank/accounts.html",
        {
            "page": page,
            "filtre": filtre,
            "q": query,
            "without_account": without_account,
            "inactive_days": INACTIVE_DAYS,
            "margin": margin,
        },
    )


def _staff_account(pk):
    return get_object_or_404(Account.objects.select_related("person", "association"), pk=pk)


@require_perm("timebank.view_accounts")
def account_detail(request, pk):
    account = _staff_account(pk)
    low, high = services.limits_of(account)
    can_manage = request.user.has_coope_perm("timebank.manage")
    reversal_delay = services.rules_of(account.cooperation_id).reversal_delay_days
    return render(
        request,
        "timebank/account.html",
        {
            "account": account,
            "rows": statement(account, year=_year(request))[:200],
            "low": low,
            "high": high,
            "held": services.held_minutes(account),
            "can_manage": can_manage,
            "awaiting": list(services.awaiting_front_desk(account)),
            "limits_form": LimitsForm() if can_manage else None,
            "reversal_delay": reversal_delay,
            # « Annuler » only where a reversal is still allowed.
            "reversible_since": timezone.now() - datetime.timedelta(days=reversal_delay),
        },
    )


@require_perm("timebank.manage")
@require_POST
def front_desk_answer(request, pk, decision):
    """The answer of a receiver Coopé cannot reach, asked by the front desk (on the phone, at
    the desk) and recorded by staff on their behalf."""
    exchange = get_object_or_404(Exchange.objects.select_related("receiver__person"), pk=pk)
    if services.reachable(exchange.receiver.person):
        raise Http404  # they answer themselves, by e-mail or on their page
    try:
        if decision == "confirmer":
            services.confirm_exchange(actor=request.user, exchange=exchange, via="accueil")
            messages.success(request, _("Échange confirmé : les heures sont versées."))
        elif decision == "refuser":
            services.refuse_exchange(actor=request.user, exchange=exchange, via="accueil")
            messages.success(request, _("Échange refusé : rien n'a été versé."))
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("timebank:account", exchange.receiver_id)


@require_perm("timebank.view_accounts")
def account_statement(request, pk):
    return _statement_file(request, _staff_account(pk))


@require_perm("timebank.manage")
@require_POST
def account_limits(request, pk):
    account = _staff_account(pk)
    form = LimitsForm(request.POST)
    if form.is_valid():
        low, high = form.cleaned_data["min_hours"], form.cleaned_data["max_hours"]
        try:
            services.set_account_limits(
                actor=request.user,
                account=account,
                min_balance_minutes=None if low is None else low * 60,
                max_balance_minutes=None if high is None else high * 60,
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request, _("Limites enregistrées (le changement est gardé au journal).")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Limites non enregistrées : donnez le motif du changement."))
    return redirect("timebank:account", pk=account.pk)


@require_perm("timebank.manage")
def open_account(request):
    """Open the account of the person in ?personne= (a link from the person's page)."""
    person = object_from_query(request, Person.objects.all(), "personne")
    if person is None:
        raise Http404
    existing = Account.objects.filter(person=person).first()
    if existing is not None:
        return redirect("timebank:account", pk=existing.pk)
    if request.method == "POST":
        try:
            account = services.open_account(actor=request.user, person=person)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Compte ouvert : %(credit)s de crédit de départ.")
                % {"credit": format_minutes(account.balance_minutes)},
            )
            return redirect("timebank:account", pk=account.pk)
    return render(
        request,
        "timebank/open.html",
        {"person": person, "rules": services.rules_of(request.cooperation)},
    )


@require_perm("timebank.manage")
def paper_cheque(request):
    form = ChequeForm(request.POST or None, initial={"key": services.new_key()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        legs = [(data["receiver"], -data["duration"]), (data["provider"], data["duration"])]
        # Refused before the summary; on confirming, the service checks again (after a replay:
        # a double click returns the exchange already recorded instead of counting it twice).
        confirming = request.POST.get("confirm") == "1"
        refusals = [] if confirming else services.limit_refusals(legs, actor=request.user)
        for refusal in refusals:
            form.add_error(None, refusal)
        if not refusals and not confirming:
            return render(
                request,
                "timebank/exchange_confirm.html",
                {
                    "form": form,
                    "data": data,
                    "warnings": services.warnings_for(legs, actor=request.user),
                    "cheque": True,
                    "duration": format_minutes(data["duration"]),
                },
            )
        if not refusals:
            try:
                exchange = services.enter_paper_cheque(
                    actor=request.user,
                    provider=data["provider"],
                    receiver=data["receiver"],
                    minutes=data["duration"],
                    category=data["category"],
                    description=data["description"],
                    performed_on=data["performed_on"],
                    cheque_number=data["cheque_number"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Chèque n° %(n)s enregistré : %(d)s de %(r)s à %(p)s.")
                    % {
                        "n": data["cheque_number"],
                        "d": format_minutes(exchange.minutes),
                        "r": exchange.receiver,
                        "p": exchange.provider,
                    },
                )
                return redirect("timebank:cheque")
    return render(
        request,
        "timebank/exchange_form.html",
        {"form": form, "heading": _("Saisir un chèque temps")},
    )


@require_perm("timebank.manage")
def reverse(request, pk):
    transfer = get_object_or_404(Transfer.objects.select_related("category"), pk=pk)
    entries = list(transfer.entries.select_related("account__person", "account__association"))
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reverse_transfer(
                actor=request.user,
                transfer=transfer,
                reason=form.cleaned_data["reason"],
                idempotency_key=f"reversal:{transfer.pk}",
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Virement n°%(pk)s annulé ; les personnes concernées sont prévenues.")
                % {"pk": transfer.pk},
            )
            return redirect("timebank:account", pk=entries[0].account_id)
    return render(
        request,
        "timebank/reverse.html",
        {
            "transfer": transfer,
            "entries": entries,
            "form": form,
            "is_reversal": transfer.kind == TransferKind.REVERSAL,
        },
    )
