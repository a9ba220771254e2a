"""A person's volunteering in their personal-data export, and anonymisation (declared in apps.py).

Volunteer hours and trainings are the person's own records: their free texts (the precision of
the hours, the title of a training) lose every mention of the person's name. Dates, durations,
kinds and programmes stay: the figures do not move."""

from django.utils.translation import gettext_lazy as _

from coope.people.privacy import names_of, scrub_records
from coope.volunteering.models import Training, VolunteerHours

SECTIONS = ("heures_de_benevolat", "formations_suivies")
LABELS = {
    "heures_de_benevolat": _("Heures de bénévolat"),
    "formations_suivies": _("Formations suivies"),
    "date": _("Date"),
    "type": _("Type"),
    "programme": _("Programme"),
    "seance": _("Séance"),
    "duree_minutes": _("Durée (minutes)"),
    "precision": _("Précision"),
    "formation": _("Formation"),
}


def export_person(person) -> dict:
    hours = (
        VolunteerHours.objects.filter(person=person)
        .select_related("project_group", "session__activity")
        .order_by("date", "pk")
    )
    trainings = (
        Training.objects.filter(person=person).select_related("project_group").order_by("date")
    )
    return {
        "heures_de_benevolat": [
            {
                "date": h.date.isoformat(),
                "type": {"code": h.kind, "libelle": str(h.get_kind_display())},
                "programme": h.project_group.name if h.project_group else None,
                "seance": str(h.session) if h.session_id else None,
                "duree_minutes": h.duration_minutes,
                "precision": h.comment,
            }
            for h in hours
        ],
        "formations_suivies": [
            {
                "date": t.date.isoformat(),
                "formation": t.title,
                "programme": t.project_group.name if t.project_group else None,
            }
            for t in trainings
        ],
    }


def anonymise_person(*, actor, person, old_label: str, new_label: str) -> None:
    names = names_of(person)
    scrub_records(
        list(VolunteerHours.objects.filter(person=person).exclude(comment="")),
        ["comment"],
        names,
        new_label,
    )
    scrub_records(list(Training.objects.filter(person=person)), ["title"], names, new_label)
