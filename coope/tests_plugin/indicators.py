"""The trial programme's one key figure, in the form of coope/volunteering/indicators.py."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from coope.lib.indicators import Rows, Scope, Unit, indicator
from coope.tests_plugin.models import TrialVisit


@indicator(
    "tests_plugin.visits",
    _("Passages d'essai"),
    unit=Unit.VISITS,
    measure=Rows(),
    public_fields=("date",),
)
def visits(scope: Scope) -> QuerySet[TrialVisit]:
    return TrialVisit.objects.filter(
        cooperation=scope.cooperation, date__gte=scope.period.start, date__lte=scope.period.end
    )
