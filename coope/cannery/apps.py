from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from coope.core.plugins import CoopeApp, NavEntry, Programme

D, C, V, E = "director", "coordinator", "volunteer", "evaluator"


def report_section() -> dict:
    return {
        "title": str(_("Conserverie mobile et solidaire")),
        "figures": [
            ("cannery.villages", str(_("communes visitées")), False),
            ("cannery.collected_weight", str(_("de fruits et légumes collectés")), False),
            ("cannery.producers", str(_("producteurs")), False),
            ("cannery.jars", str(_("pots réalisés")), False),
            ("cannery.jars_by_destination", str(_("pots par destination")), False),
        ],
        "texts": [],
    }


class CanneryConfig(AppConfig):
    name = "coope.cannery"
    label = "cannery"
    verbose_name = _("Conserverie mobile et solidaire")
    coope = CoopeApp(
        programme=Programme("cannery", _("Conserverie mobile et solidaire")),
        urls=(("conserverie/", "coope.cannery.urls"),),
        permissions={
            "cannery.view": frozenset({D, C, V, E}),
            "cannery.record": frozenset({D, C, V}),
            "cannery.recall": frozenset({D, C}),
        },
        nav=(NavEntry(_("Conserverie"), "cannery:index", "cannery.view", order=70),),
        import_kinds=(
            "coope.cannery.importing_producers.ProducerImporter",
            "coope.cannery.importing.CollectionImporter",
        ),
        personal_data="coope.cannery.personal_data",
        # Jars sold at the shop in hours (sell_jars_for_time).
        payees=(("shop", _("Boutique de la conserverie")),),
        demo="coope.cannery.demo.build",
        demo_order=20,
        report_section="coope.cannery.apps.report_section",
        figure_models=(
            "cannery.cannery",
            "cannery.producer",
            "cannery.collection",
            "cannery.batch",
            "cannery.batchinput",
            "cannery.lot",
            "cannery.movement",
        ),
    )
