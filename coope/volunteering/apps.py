from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from coope.core.plugins import CoopeApp


def report_section() -> dict:
    return {
        "title": str(_("Bénévolat")),
        "figures": [
            ("volunteering.governance_volunteers", str(_("bénévoles de gouvernance")), False),
            ("volunteering.activity_volunteers", str(_("bénévoles d'activité")), False),
            ("volunteering.hours", str(_("heures de bénévolat")), False),
        ],
        "texts": [],
    }


class VolunteeringConfig(AppConfig):
    name = "coope.volunteering"
    label = "volunteering"
    verbose_name = _("Bénévolat")
    # Volunteer hours are recorded from the activity pages and imported; the demo's hours are
    # made with the activities' (coope/activities/demo.py).
    coope = CoopeApp(
        permissions={"volunteering.record": frozenset({"director", "coordinator"})},
        import_kinds=(
            "coope.volunteering.importing.VolunteerHoursImporter",
            "coope.volunteering.importing_trainings.TrainingImporter",
        ),
        personal_data="coope.volunteering.personal_data",
        report_section="coope.volunteering.apps.report_section",
        figure_models=(
            "volunteering.volunteerhours",
            "volunteering.training",
        ),
    )
