from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from coope.core.plugins import CoopeApp, NavEntry, Programme


def report_section() -> dict:
    return {
        "title": str(_("Programme d'essai")),
        "figures": [("tests_plugin.visits", str(_("passages d'essai")), False)],
        "texts": [],
    }


class TestsPluginConfig(AppConfig):
    name = "coope.tests_plugin"
    label = "tests_plugin"
    verbose_name = _("Programme d'essai")
    coope = CoopeApp(
        programme=Programme("trial", _("Programme d'essai")),
        urls=(("essai/", "coope.tests_plugin.urls"),),
        permissions={"tests_plugin.view": frozenset({"director", "coordinator"})},
        nav=(NavEntry(_("Essai"), "tests_plugin:index", "tests_plugin.view", order=90),),
        import_kinds=("coope.tests_plugin.importing.TrialVisitImporter",),
        personal_data="coope.tests_plugin.personal_data",
        payees=(("trial_counter", _("Comptoir d'essai")),),
        demo="coope.tests_plugin.demo.build",
        demo_order=500,
        report_section="coope.tests_plugin.apps.report_section",
        figure_models=("tests_plugin.trialvisit",),
    )
