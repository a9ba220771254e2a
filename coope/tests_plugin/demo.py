import datetime

from coope.tests_plugin.models import TrialVisit


def build(builder) -> None:
    """One visit in every demo cooperation (the small one too)."""
    TrialVisit.objects.create(
        cooperation=builder.cooperation, date=datetime.date(2018, 6, 1), note="démo"
    )
