"""Recording volunteer time, one person at a time or for a whole team, and trainings followed.

Both are counted by key figures: every write leaves an audit entry."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coope.core import audit
from coope.volunteering.models import Training, VolunteerHours


@transaction.atomic
def record_volunteer_hours(
    *,
    actor,
    people,
    date: datetime.date,
    duration_minutes: int,
    kind: str,
    project_group=None,
    session=None,
    comment: str = "",
) -> list[VolunteerHours]:
    """The same time for every person of a team (a list of one for a single person)."""
    people = list(people)
    if duration_minutes <= 0:
        raise ValidationError(_("La durée doit être d'au moins une minute."))
    if not people:
        raise ValidationError(_("Choisissez au moins un·e bénévole."))
    cooperations = {p.cooperation_id for p in people} | {
        o.cooperation_id for o in (project_group, session) if o is not None
    }
    if len(cooperations) != 1:
        raise ValidationError(
            _("Ces bénévoles ou ce programme appartiennent à une autre coopération.")
        )
    rows = VolunteerHours.objects.bulk_create(
        VolunteerHours(
            cooperation_id=p.cooperation_id,
            person=p,
            date=date,
            kind=kind,
            project_group=project_group,
            session=session,
            duration_minutes=duration_minutes,
            comment=comment,
            recorded_by=actor if actor and actor.is_authenticated else None,
        )
        for p in people
    )
    audit.record_many(actor=actor, action=audit.CREATE, instances=rows)
    return rows


@transaction.atomic
def record_training(*, actor, person, title: str, date: datetime.date, **fields) -> Training:
    """A training followed by a volunteer (`fields`: its programme, its project group)."""
    training = Training(
        cooperation_id=person.cooperation_id, person=person, title=title, date=date, **fields
    )
    training.full_clean(exclude=["cooperation"])
    if training.project_group is not None and (
        training.project_group.cooperation_id != person.cooperation_id
    ):
        raise ValidationError(_("Ce programme appartient à une autre coopération."))
    training.save()
    audit.record(
        actor=actor, action=audit.CREATE, instance=training, changes=audit.snapshot(training)
    )
    return training
