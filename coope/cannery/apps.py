from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CanneryConfig(AppConfig):
    name = "coope.cannery"
    label = "cannery"
    verbose_name = _("Conserverie mobile et solidaire")
