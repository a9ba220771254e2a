"""Forms of the personal-data pages (RGPD)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coope.lib.bounds import Bounded
from coope.people.forms import DateInput
from coope.people.models import ConsentKind, ConsentSource


class ConsentForm(Bounded, forms.Form):
    kind = forms.ChoiceField(
        label=_("Consentement"), choices=ConsentKind.choices, widget=forms.RadioSelect
    )
    given = forms.TypedChoiceField(
        label=_("Réponse de la personne"),
        widget=forms.RadioSelect,
        choices=[("1", _("Elle donne son accord")), ("0", _("Elle refuse ou retire son accord"))],
        coerce=lambda value: value == "1",
    )
    date = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    source = forms.ChoiceField(label=_("Recueilli"), choices=ConsentSource.choices)

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise ValidationError(_("La date ne peut pas être dans le futur."))
        return date
