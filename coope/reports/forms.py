"""Forms of the report pages: they validate, the services write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coope.core.models import House
from coope.lib.bounds import Bounded
from coope.lib.indicators import registry
from coope.reports.models import TextKind

APP_NAMES = {
    "membership": _("Adhésions"),
    "people": _("Personnes et accueils"),
    "activities": _("Activités"),
    "volunteering": _("Bénévolat"),
    "timebank": _("TIC-TAC (monnaie-temps)"),
    "cannery": _("Conserverie mobile"),
}


def indicator_choices() -> list:
    """The registry's figures in French, grouped by programme, for the figure picker."""
    groups: dict[str, list] = {}
    for key, indicator in registry().items():
        groups.setdefault(key.split(".", 1)[0], []).append(
            (key, f"{indicator.label} ({indicator.unit.display.label})")
        )
    return [
        (str(APP_NAMES.get(app, app)), sorted(items, key=lambda item: item[1]))
        for app, items in sorted(
            groups.items(), key=lambda group: str(APP_NAMES.get(group[0], group[0]))
        )
    ]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PeriodForm(Bounded, forms.Form):
    period_start = forms.DateField(label=_("Du"), required=False, widget=DateInput())
    period_end = forms.DateField(label=_("Au"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if (start is None) != (end is None):
            raise forms.ValidationError(_("Donnez les deux dates de la période, ou aucune."))
        if start and end and end < start:
            raise forms.ValidationError(
                _("La fin de la période est avant son début : vérifiez les dates.")
            )
        return data


class ReportForm(PeriodForm):
    title = forms.CharField(label=_("Titre"), max_length=200)
    field_order = ["title", "period_start", "period_end"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period_start"].required = self.fields["period_end"].required = True


class SectionForm(PeriodForm):
    title = forms.CharField(label=_("Titre de la section"), max_length=200)
    house: forms.ModelChoiceField[House] = forms.ModelChoiceField(
        label=_("Chiffres de"),
        queryset=House.objects.none(),
        required=False,
        empty_label=_("toute la coopération"),
    )
    field_order = ["title", "period_start", "period_end", "house"]

    def __init__(self, *args, cooperation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cooperation is not None:
            self.fields["house"].queryset = House.objects.filter(cooperation=cooperation).order_by(
                "name"
            )


class FigureEditForm(Bounded, forms.Form):
    label = forms.CharField(label=_("Libellé dans le rapport"), max_length=200, required=False)
    by_house = forms.BooleanField(label=_("Détail par maison (graphique)"), required=False)


class FigureForm(Bounded, forms.Form):
    indicator_key = forms.ChoiceField(label=_("Chiffre à ajouter"))
    label = forms.CharField(
        label=_("Libellé dans le rapport (facultatif)"), max_length=200, required=False
    )
    by_house = forms.BooleanField(label=_("Détail par maison (graphique)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator_key"].choices = indicator_choices()


class TextAddForm(Bounded, forms.Form):
    kind = forms.ChoiceField(label=_("Type de texte"), choices=TextKind.choices)


class TextForm(Bounded, forms.Form):
    title = forms.CharField(label=_("Titre (facultatif)"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Texte"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Une ligne qui commence par « - » devient une puce."),
    )
