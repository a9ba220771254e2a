from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimebankConfig(AppConfig):
    name = "coope.timebank"
    label = "timebank"
    verbose_name = _("Monnaie-temps (TIC-TAC)")

    def ready(self):
        from coope.timebank import receivers  # noqa: F401 (connects the signal receivers)
