import datetime

from django.db import transaction

from coope.core import audit
from coope.tests_plugin.models import TrialVisit


@transaction.atomic
def record_trial_visit(
    *, actor, cooperation, person, date: datetime.date, note: str = ""
) -> TrialVisit:
    visit = TrialVisit.objects.create(cooperation=cooperation, person=person, date=date, note=note)
    audit.record(actor=actor, action="create", instance=visit, changes=audit.snapshot(visit))
    return visit
