"""The TIC-TAC rules screen's forms: the cooperation's rules and the limits of each category of
account. Durations are written in hours as the houses write them (15 h, 1 h 30, -20, 1,5) and
kept in whole minutes; the model's own checks are run here so that they show on the form."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from coope.lib.bounds import Bounded
from coope.timebank.models import CategoryLimit, TimebankRules, format_minutes

# -20 h, 1 h 30, 1h30, 1:30, 1,5, 45 min, and the minus sign typed as a dash or as "−".
HOURS = re.compile(
    r"^(?P<sign>[-−])?(?:(?P<h>\d{1,6})[h:](?P<m>\d{1,2})?|(?P<dec>\d{1,6}(?:[.,]\d{1,2})?)h?"
    r"|(?P<min>\d{1,8})min)$"
)
# Beyond these a value is a typing mistake (and would not fit the database column).
LIMIT_MINUTES = 10_000 * 60


class SignedHoursField(forms.CharField):
    """Hours, possibly below zero, as whole minutes; empty gives None."""

    def __init__(self, *, minimum: int, maximum: int, **kwargs):
        self.minimum, self.maximum = minimum, maximum
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs["maxlength"] = "20"

    def prepare_value(self, value):
        return format_minutes(value) if isinstance(value, int) else value

    def to_python(self, value):
        text = (super().to_python(value) or "").strip().lower().replace(" ", "")
        text = text.replace("\u202f", "").replace("\xa0", "")
        if not text:
            return None
        found = HOURS.match(text) if len(text) <= 20 else None
        if found is None:
            raise ValidationError(
                _("« %(v)s » n'est pas une durée : écrivez par ex. 15 h, 1 h 30, 1,5 ou -20."),
                params={"v": value},
            )
        if found["min"] is not None:
            minutes = int(found["min"])
        elif found["h"] is not None:
            minutes = int(found["h"]) * 60 + int(found["m"] or 0)
        else:
            whole, _sep, part = found["dec"].replace(",", ".").partition(".")
            minutes = int(whole) * 60 + round(int((part + "00")[:2]) * 60 / 100)
        minutes = -minutes if found["sign"] else minutes
        if not self.minimum <= minutes <= self.maximum:
            raise ValidationError(
                _("Choisissez une durée entre %(low)s et %(high)s."),
                params={"low": format_minutes(self.minimum), "high": format_minutes(self.maximum)},
            )
        return minutes


def _duration(label, help_text) -> SignedHoursField:
    """A rule's duration: required, from 0 to 1000 h."""
    return SignedHoursField(
        label=label, help_text=help_text, required=True, minimum=0, maximum=1000 * 60
    )


class RulesForm(Bounded, forms.ModelForm):
    """The cooperation's rules; the model's checks run on the instance (ModelForm)."""

    start_credit_minutes = _duration(
        _("Crédit de départ (heures)"), _("Versé à l'ouverture d'un compte, ex. 15 h.")
    )
    membership_fee_minutes = _duration(
        _("Adhésion payée en temps (heures)"),
        _("Ce que coûte une adhésion payée en TIC-TAC, ex. 2 h."),
    )
    warning_margin_minutes = _duration(
        _("Marge d'avertissement (heures)"),
        _("On prévient quand un solde arrive à moins de cette marge d'une limite."),
    )
    reversal_delay_days = forms.IntegerField(
        label=_("Délai d'annulation (jours)"),
        min_value=0,
        max_value=3650,
        help_text=_("Au-delà, un virement ne peut plus être annulé."),
    )
    confirmation_delay_days = forms.IntegerField(
        label=_("Confirmation automatique (jours)"),
        min_value=0,
        max_value=365,
        help_text=_("Un échange non confirmé ni refusé est confirmé après ce délai."),
    )

    class Meta:
        model = TimebankRules
        fields = [
            "start_credit_minutes",
            "membership_fee_minutes",
            "warning_margin_minutes",
            "reversal_delay_days",
            "confirmation_delay_days",
        ]


class LimitForm(Bounded, forms.Form):
    """The lower and upper balance of one category of account (empty: no limit)."""

    min_balance_minutes = SignedHoursField(
        label=_("Solde minimum (heures)"), minimum=-LIMIT_MINUTES, maximum=LIMIT_MINUTES
    )
    max_balance_minutes = SignedHoursField(
        label=_("Solde maximum (heures)"), minimum=-LIMIT_MINUTES, maximum=LIMIT_MINUTES
    )

    def __init__(self, *args, cooperation, kind: str, label, default: tuple, **kwargs):
        self.cooperation, self.kind, self.label, self.default = cooperation, kind, label, default
        kwargs["prefix"] = kind
        super().__init__(*args, **kwargs)

    def clean(self):
        """The model's checks: the lower limit under the upper one, and no account of the
        category (without limits of its own) already beyond them."""
        cleaned = super().clean()
        if self.errors:
            return cleaned
        low, high = cleaned.get("min_balance_minutes"), cleaned.get("max_balance_minutes")
        if low is not None and high is not None and low > high:
            raise ValidationError(
                _("Le minimum (%(low)s) doit être sous le maximum (%(high)s)."),
                params={"low": format_minutes(low), "high": format_minutes(high)},
            )
        CategoryLimit(
            cooperation=self.cooperation,
            kind=self.kind,
            min_balance_minutes=low,
            max_balance_minutes=high,
        ).clean()
        return cleaned


class ReasonForm(Bounded, forms.Form):
    reason = forms.CharField(
        label=_("Pourquoi ce changement ? (facultatif)"),
        required=False,
        max_length=300,
        help_text=_("Gardé au journal des modifications avec votre nom et la date."),
    )
