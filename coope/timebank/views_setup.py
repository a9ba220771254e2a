"""The TIC-TAC rules screen of the setup pages (« Configuration »): the cooperation's rules and
the balance limits of each category of account, saved together in one step."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coope.core.plugins import SetupStatus
from coope.core.views import require_perm
from coope.timebank import services
from coope.timebank.forms_setup import LimitForm, ReasonForm, RulesForm
from coope.timebank.models import (
    DEFAULT_LIMITS,
    CategoryLimit,
    TimebankRules,
    account_kind_choices,
    format_minutes,
)


def status(cooperation) -> SetupStatus:
    rules = TimebankRules.objects.filter(cooperation=cooperation).first()
    own = CategoryLimit.objects.filter(cooperation=cooperation).count()
    if rules is None:
        return SetupStatus(done=False, summary=_("règles par défaut"))
    return SetupStatus(
        done=True,
        summary=_("crédit de départ %(credit)s, %(limits)s")
        % {
            "credit": format_minutes(rules.start_credit_minutes),
            "limits": ngettext(
                "%(n)s catégorie aux limites propres", "%(n)s catégories aux limites propres", own
            )
            % {"n": own}
            if own
            else _("limites par défaut"),
        },
    )


def _limit_forms(request, data=None) -> list[LimitForm]:
    stored = {c.kind: c for c in CategoryLimit.objects.filter(cooperation=request.cooperation)}
    forms = []
    for kind, label in account_kind_choices():
        default = DEFAULT_LIMITS[kind]
        current = stored.get(kind)
        low, high = (
            (current.min_balance_minutes, current.max_balance_minutes)
            if current is not None
            else default
        )
        forms.append(
            LimitForm(
                data,
                cooperation=request.cooperation,
                kind=kind,
                label=label,
                default=default,
                initial={"min_balance_minutes": low, "max_balance_minutes": high},
            )
        )
    return forms


@require_perm("cooperation.configure")
def rules(request):
    data = request.POST if request.method == "POST" else None
    rules_form = RulesForm(data, instance=services.rules_of(request.cooperation))
    reason_form = ReasonForm(data)
    limit_forms = _limit_forms(request, data)
    if data is not None and all(
        form.is_valid() for form in (rules_form, reason_form, *limit_forms)
    ):
        reason = reason_form.cleaned_data["reason"]
        try:
            with transaction.atomic():
                services.set_rules(
                    actor=request.user,
                    cooperation=request.cooperation,
                    reason=reason,
                    **{name: rules_form.cleaned_data[name] for name in RulesForm.Meta.fields},
                )
                for form in limit_forms:
                    services.set_category_limits(
                        actor=request.user,
                        cooperation=request.cooperation,
                        kind=form.kind,
                        reason=reason,
                        **form.cleaned_data,
                    )
        except ValidationError as error:  # changed meanwhile: nothing was kept
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Règles TIC-TAC enregistrées."))
            return redirect("core:setup")
    return render(
        request,
        "timebank/setup_rules.html",
        {
            "rules_form": rules_form,
            "reason_form": reason_form,
            "limit_forms": [
                (
                    form,
                    format_minutes(form.default[0]) if form.default[0] is not None else None,
                    format_minutes(form.default[1]) if form.default[1] is not None else None,
                )
                for form in limit_forms
            ],
        },
    )
