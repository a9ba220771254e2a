from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from coope.core.plugins import CoopeApp, NavEntry, Programme

D, C, R, V = "director", "coordinator", "reception", "volunteer"


def report_section() -> dict:
    return {
        "title": str(_("Le groupe mobilité")),
        "figures": [
            (
                "mobility.ebikes_bought",
                str(_("vélos à assistance électrique achetés en achat groupé")),
                False,
            ),
            (
                "mobility.ebikes_for_loan",
                str(_("vélos à assistance électrique disponibles en prêt")),
                False,
            ),
            ("mobility.rosalies", str(_("rosalies électrifiées")), False),
            ("mobility.outings", str(_("sorties")), False),
            ("mobility.outing_participants", str(_("personnes aux sorties")), False),
            ("mobility.cycling_school_cycles", str(_("cycles de vélo-école")), False),
        ],
        "texts": [],
    }


class MobilityConfig(AppConfig):
    name = "coope.mobility"
    label = "mobility"
    verbose_name = _("Mobilité")
    # The fleet's loans are paid to the payee "bikes" and the carpools to "carpool": both are
    # declared by coope/timebank/apps.py (paid in hours before this app landed) and stay there.
    coope = CoopeApp(
        programme=Programme("mobility", _("Mobilité")),
        urls=(("mobilite/", "coope.mobility.urls"),),
        permissions={
            # the fleet, bookings and rides name people: not the evaluators, who read the
            # programme's figures on /chiffres/
            "mobility.view": frozenset({D, C, R, V}),
            # bookings for someone, check-out and check-in, rides
            "mobility.lend": frozenset({D, C, R, V}),
            # the fleet, maintenance, the group purchase and its plans
            "mobility.manage": frozenset({D, C}),
        },
        nav=(
            NavEntry(_("Mobilité"), "mobility:index", "mobility.view", order=75),
            NavEntry(_("Vélos à emprunter"), "mobility:free", order=82, needs_person=True),
        ),
        personal_data="coope.mobility.personal_data",
        demo="coope.mobility.demo.build",
        # Before the activities' demo (30), which counts the sessions and people met before it.
        demo_order=25,
        report_section="coope.mobility.apps.report_section",
        figure_models=(
            "mobility.unit",
            "mobility.downtime",
            "mobility.booking",
            "mobility.loan",
            "mobility.purchaseplan",
            "mobility.ride",
        ),
    )
