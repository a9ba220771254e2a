from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from coope.core.plugins import CoopeApp, NavEntry

D, C, E = "director", "coordinator", "evaluator"


class ReportsConfig(AppConfig):
    name = "coope.reports"
    label = "reports"
    verbose_name = _("Rapports d'activités")
    coope = CoopeApp(
        urls=(("rapports/", "coope.reports.urls"),),
        permissions={"reports.view": frozenset({D, C, E}), "reports.edit": frozenset({D, C, E})},
        nav=(NavEntry(_("Rapports"), "reports:list", "reports.view", order=50),),
        # The demo's 2018 report: last, once every programme has its records.
        demo="coope.reports.demo.build",
        demo_order=1000,
    )
