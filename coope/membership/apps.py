from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from coope.core.plugins import CoopeApp, NavEntry, SetupEntry

D, C, R, V = "director", "coordinator", "reception", "volunteer"


def report_section() -> dict:
    return {
        "title": str(_("Adhésions")),
        "figures": [
            ("membership.members", str(_("adhérents")), False),
            ("membership.households", str(_("foyers adhérents")), False),
            ("membership.members_by_house", str(_("adhérents par maison d'adhésion")), False),
        ],
        "texts": [],
    }


class MembershipConfig(AppConfig):
    name = "coope.membership"
    label = "membership"
    verbose_name = _("Adhésions")
    coope = CoopeApp(
        urls=(("adhesions/", "coope.membership.urls"),),
        permissions={
            "membership.view": frozenset({D, C, R, V}),
            "membership.take": frozenset({D, R}),  # (association) at a house of one's association
            # The renewals list as a spreadsheet, with phones: reception calls the members.
            "membership.export_renewals": frozenset({D, C, R}),
            # The membership rules, the periods and their fee grids.
            "membership.configure": frozenset({D}),
        },
        nav=(
            NavEntry(_("Vérifier une carte"), "membership:check_card", "membership.view", order=20),
            NavEntry(_("À renouveler"), "membership:renewals", "membership.view", order=21),
        ),
        setup=(
            SetupEntry(
                _("Règles d'adhésion"),
                "membership:setup_rules",
                "membership.configure",
                order=40,
                help=_(
                    "Année civile, année scolaire ou de date à date, et quand proposer "
                    "l'adhésion de la période suivante."
                ),
            ),
            SetupEntry(
                _("Périodes et tarifs d'adhésion"),
                "membership:setup_periods",
                "membership.configure",
                order=41,
                help=_("Les périodes d'adhésion et la grille de tarifs de chacune, par quotient."),
            ),
        ),
        import_kinds=("coope.membership.importing.PeriodImporter",),
        report_section="coope.membership.apps.report_section",
        figure_models=("membership.membership",),
    )
