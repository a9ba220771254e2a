from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """The import framework and its jobs (`ImportJob`): an app only for its model; its pages are
    included by coope/urls.py (`/donnees/`) and its kinds come from the other apps' declarations."""

    name = "coope.imports"
    label = "imports"
    verbose_name = _("Imports de tableurs")
