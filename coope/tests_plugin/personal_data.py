"""The trial programme's personal-data handler (the contract of `CoopeApp.personal_data`): a
person's trial visits in their export; anonymisation scrubs the person's name from the notes."""

from django.utils.translation import gettext_lazy as _

from coope.people.privacy import names_of, scrub_records
from coope.tests_plugin.models import TrialVisit

SECTIONS = ("passages_essai",)
LABELS = {"passages_essai": _("Passages d'essai"), "date": _("Date"), "remarque": _("Remarque")}


def export_person(person) -> dict:
    return {
        "passages_essai": [
            {"date": visit.date.isoformat(), "remarque": visit.note}
            for visit in TrialVisit.objects.filter(person=person).order_by("date", "pk")
        ]
    }


def anonymise_person(*, actor, person, old_label, new_label) -> None:
    names = names_of(person)
    scrub_records(list(TrialVisit.objects.filter(person=person)), ["note"], names, new_label)
