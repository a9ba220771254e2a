from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from coope.core.plugins import CoopeApp, NavEntry


class CoreConfig(AppConfig):
    name = "coope.core"
    label = "core"
    verbose_name = _("Coopération")
    # The core's own pages (home, key figures, data pages, sign-in, admin) are routed in coope/urls.py and
    # its own permissions are written in coope/core/permissions.py.
    coope = CoopeApp(
        nav=(
            NavEntry(_("Chiffres clés"), "figures", "figures.view", order=40),
            NavEntry(_("Données"), "data:index", ("data.import", "data.export_lists"), order=60),
            NavEntry(_("Administration"), "admin:index", "admin.access", order=1000),
        ),
        # who and where: the figures' dimensions and their filters
        figure_models=("core.association", "core.house", "core.projectgroup"),
    )
