from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from coope.core.plugins import CoopeApp, NavEntry, SetupEntry
from coope.lib.db_statistics import refresh_statistics


class CoreConfig(AppConfig):
    name = "coope.core"
    label = "core"
    verbose_name = _("Coopération")
    # The core's own pages (home, key figures, data pages, sign-in, admin) are routed in coope/urls.py and
    # its own permissions are written in coope/core/permissions.py. Its setup screens, the
    # platform administrator's and one's own password are declared here, like any app's.
    coope = CoopeApp(
        urls=(("", "coope.core.urls"),),
        nav=(
            NavEntry(_("Chiffres clés"), "figures", "figures.view", order=40),
            NavEntry(_("Données"), "data:index", ("data.import", "data.export_lists"), order=60),
            NavEntry(_("Configuration"), "core:setup", "cooperation.configure", order=990),
            NavEntry(_("Administration"), "admin:index", "admin.access", order=1000),
            NavEntry(_("Mon mot de passe"), "core:password_change", order=1010),
        ),
        setup=(
            SetupEntry(
                _("La coopération"),
                "core:setup_cooperation",
                "cooperation.configure",
                order=10,
                help=_("Son nom, son adresse et qui la contacter."),
                status="coope.core.views_setup.cooperation_status",
            ),
            SetupEntry(
                _("Associations membres"),
                "core:associations",
                "cooperation.configure",
                order=20,
                help=_("Les associations de la coopération, qui gèrent les maisons."),
                status="coope.core.views_setup.associations_status",
            ),
            SetupEntry(
                _("Maisons de quartier"),
                "core:houses",
                "cooperation.configure",
                order=30,
                help=_(
                    "Chaque lieu ouvert au public : adresse, couleur dans les documents, "
                    "quartier prioritaire (QPV)."
                ),
                status="coope.core.views_setup.houses_status",
            ),
            SetupEntry(
                _("Agréments CAF"),
                "core:agreements",
                "cooperation.configure",
                order=35,
                help=_(
                    "Les agréments centre social (CS) ou espace de vie sociale (EVS) de chaque maison."
                ),
                status="coope.core.views_setup.agreements_status",
            ),
            SetupEntry(
                _("Comptes et rôles"),
                "core:accounts",
                "cooperation.configure",
                order=38,
                help=_(
                    "Les comptes de l'équipe et leur rôle dans chaque association : direction, "
                    "coordination, accueil, bénévole, évaluation."
                ),
                status="coope.core.views_setup.accounts_status",
            ),
        ),
        import_kinds=(
            "coope.core.importing.AssociationImporter",
            "coope.core.importing.HouseImporter",
            "coope.core.importing.StaffImporter",
        ),
        # who and where: the figures' dimensions and their filters
        figure_models=("core.association", "core.house", "core.projectgroup"),
    )

    def ready(self):
        # Once per `migrate` (the signal is sent for each app: only the core's is heard).
        post_migrate.connect(
            _statistics_after_migrate, sender=self, dispatch_uid="coope-statistics"
        )


def _statistics_after_migrate(sender, using, **kwargs):
    refresh_statistics(using)
