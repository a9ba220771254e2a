from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from coope.core.plugins import CoopeApp, NavEntry, SetupEntry


def report_section() -> dict:
    return {
        "title": str(_("Monnaie-temps")),
        "figures": [
            ("timebank.new_members", str(_("nouveaux comptes")), False),
            ("timebank.active_accounts", str(_("comptes actifs")), False),
            ("timebank.exchanges", str(_("échanges de services")), False),
            ("timebank.hours_exchanged", str(_("heures échangées")), False),
        ],
        "texts": [],
    }


class TimebankConfig(AppConfig):
    name = "coope.timebank"
    label = "timebank"
    verbose_name = _("Monnaie-temps (TIC-TAC)")
    coope = CoopeApp(
        urls=(("tic-tac/", "coope.timebank.urls"),),
        permissions={
            "timebank.view_accounts": frozenset({"director", "coordinator", "reception"}),
            # paper cheques, limits, reversals
            "timebank.manage": frozenset({"director", "coordinator"}),
        },
        nav=(
            NavEntry(_("Mon TIC-TAC"), "timebank:me", order=80, needs_person=True),
            NavEntry(_("TIC-TAC"), "timebank:accounts", "timebank.view_accounts", order=81),
        ),
        # The bike fleet and carpools are paid in hours already; they move to the mobility
        # programme's declaration when it lands.
        payees=(("bikes", _("Flotte de vélos")), ("carpool", _("Covoiturage"))),
        personal_data="coope.timebank.personal_data",
        demo="coope.timebank.demo.build",
        demo_order=10,
        report_section="coope.timebank.apps.report_section",
        setup=(
            SetupEntry(
                _("Règles TIC-TAC"),
                "timebank:setup_rules",
                "cooperation.configure",
                order=70,
                help=_(
                    "Crédit de départ, délais d'annulation et de confirmation, limites de solde "
                    "par catégorie de compte."
                ),
                status="coope.timebank.views_setup.status",
            ),
        ),
        figure_models=(
            "timebank.account",
            "timebank.transfer",
            "timebank.entry",
            "timebank.exchange",
        ),
    )

    def ready(self):
        from coope.timebank import receivers  # noqa: F401 (connects the signal receivers)
