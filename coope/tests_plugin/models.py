from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from coope.core.models import Cooperation
from coope.people.models import Person


class TrialVisit(models.Model):
    """A visit to the trial programme: one person, one day."""

    cooperation = models.ForeignKey(Cooperation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="trial_visits"
    )
    date = models.DateField(_("date"))
    note = models.CharField(_("remarque"), max_length=200, blank=True)

    objects = ScopedManager(cooperation="cooperation")

    class Meta:
        verbose_name = _("passage d'essai")
        verbose_name_plural = _("passages d'essai")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.date:%d/%m/%Y}"
