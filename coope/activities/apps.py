from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from coope.core.plugins import CoopeApp, NavEntry

D, C, R, V = "director", "coordinator", "reception", "volunteer"


def report_section() -> dict:
    return {
        "title": str(_("Activités")),
        "figures": [
            ("activities.events_published", str(_("évènements publiés dans l'agenda")), False),
            ("activities.sessions", str(_("séances")), False),
            ("activities.named_participants", str(_("participants aux activités")), True),
            ("activities.communes", str(_("communes d'où viennent les participants")), False),
        ],
        "texts": [],
    }


class ActivitiesConfig(AppConfig):
    name = "coope.activities"
    label = "activities"
    verbose_name = _("Activités")
    coope = CoopeApp(
        urls=(("activites/", "coope.activities.urls"), ("agenda/", "coope.activities.urls_public")),
        # Association-bound permissions are checked against the activity's house.
        permissions={
            "activities.view": frozenset({D, C, R, V}),
            "activities.manage": frozenset({D, C}),  # (association)
            "activities.attendance": frozenset({D, C, R, V}),  # (association)
        },
        nav=(NavEntry(_("Activités"), "activities:list", "activities.view", order=30),),
        import_kinds=(
            "coope.activities.importing_sessions.ActivityImporter",
            "coope.activities.importing_sessions.SessionImporter",
            "coope.activities.importing_sessions.RegistrationImporter",
            "coope.activities.importing.AttendanceImporter",
            "coope.activities.importing_sessions.HeadcountImporter",
        ),
        personal_data="coope.activities.personal_data",
        demo="coope.activities.demo.build",
        demo_order=30,
        report_section="coope.activities.apps.report_section",
        figure_models=(
            "activities.activity",
            "activities.session",
            "activities.registration",
            "activities.attendance",
            "activities.headcount",
        ),
    )
