"""A person's activities in their personal-data export, and anonymisation (declared in apps.py).

Registrations and attendance hold no free text of their own; the place of a session the person
took part in ("chez Élodie Dupont") and the description of its activity may name them: their
full name is replaced there. Dates, sessions and counts stay: the figures do not move."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coope.activities.models import Activity, Attendance, Registration, Session
from coope.people.privacy import names_of, scrub_records

SECTIONS = ("inscriptions_aux_activites", "presences_aux_activites")
LABELS = {
    "inscriptions_aux_activites": _("Inscriptions aux activités"),
    "presences_aux_activites": _("Présences aux activités"),
    "activite": _("Activité"),
    "seance": _("Séance"),
    "lieu": _("Lieu"),
    "etat": _("État"),
    "inscrit_le": _("Inscription le"),
    "sans_inscription": _("Venu·e sans inscription"),
}


def _session(session: Session) -> dict:
    place = session.house or session.activity.house
    return {
        "activite": session.activity.title,
        "seance": timezone.localtime(session.starts_at).strftime("%d/%m/%Y %H:%M"),
        "lieu": str(place) if place else session.commune,
    }


def export_person(person) -> dict:
    registrations = (
        Registration.objects.filter(person=person)
        .select_related("session__activity__house", "session__house")
        .order_by("session__starts_at", "pk")
    )
    attendances = (
        Attendance.objects.filter(person=person)
        .select_related("session__activity__house", "session__house")
        .order_by("session__starts_at", "pk")
    )
    return {
        "inscriptions_aux_activites": [
            {
                **_session(r.session),
                "etat": {"code": r.status, "libelle": str(r.get_status_display())},
                "inscrit_le": timezone.localtime(r.created_at).strftime("%d/%m/%Y"),
            }
            for r in registrations
        ],
        "presences_aux_activites": [
            {**_session(a.session), "sans_inscription": a.walk_in} for a in attendances
        ],
    }


def anonymise_person(*, actor, person, old_label: str, new_label: str) -> None:
    full_names = [n for n in names_of(person) if " " in n]
    took_part = Q(registrations__person=person) | Q(attendances__person=person)
    sessions = Session.objects.filter(took_part).exclude(place="").distinct()
    scrub_records(list(sessions), ["place"], full_names, new_label)
    activities = Activity.objects.filter(
        Q(sessions__registrations__person=person) | Q(sessions__attendances__person=person)
    ).distinct()
    scrub_records(list(activities), ["description"], full_names, new_label)
