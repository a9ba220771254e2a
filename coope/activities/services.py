"""Sessions, registrations with a waiting list, attendance and headcounts.

Every row written here is counted by a key figure: each write leaves an audit entry (a deletion
too, with the values it removed), in bulk for bulk writes."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coope.activities.models import (
    Activity,
    Attendance,
    Headcount,
    Registration,
    RegistrationStatus,
    Session,
)
from coope.core import audit


def _same_cooperation(*objects) -> None:
    if len({obj.cooperation_id for obj in objects}) != 1:
        raise ValidationError(_("Cette personne appartient à une autre coopération."))


@transaction.atomic
def create_activity(*, actor, cooperation, **fields) -> Activity:
    activity = Activity(cooperation=cooperation, **fields)
    activity.full_clean(exclude=["cooperation"])
    for related in (activity.house, activity.project_group):
        if related is not None and related.cooperation_id != cooperation.pk:
            raise ValidationError(
                _("Cette maison ou ce programme appartient à une autre coopération.")
            )
    activity.save()
    audit.record(
        actor=actor,
        action="create",
        instance=activity,
        changes=audit.snapshot(activity),
    )
    return activity


@transaction.atomic
def schedule_sessions(
    *,
    actor,
    activity: Activity,
    first_start: datetime.datetime,
    duration: datetime.timedelta,
    weeks: int = 1,
    house=None,
    commune: str = "",
    public: bool | None = None,
    capacity: int | None = None,
) -> list[Session]:
    """The first session, and as many weekly repeats as `weeks` asks (1 = a single session)."""
    if weeks < 1 or weeks > 60:
        raise ValidationError(_("Le nombre de semaines doit être entre 1 et 60."))
    if duration <= datetime.timedelta(0):
        raise ValidationError(_("Une séance doit durer plus de zéro minute."))
    house = house if house is not None or commune else activity.house
    sessions = [
        Session(
            cooperation_id=activity.cooperation_id,
            activity=activity,
            starts_at=first_start + datetime.timedelta(weeks=week),
            ends_at=first_start + datetime.timedelta(weeks=week) + duration,
            house=house,
            commune=commune,
            public=activity.public if public is None else public,
            capacity=capacity,
        )
        for week in range(weeks)
    ]
    sessions = Session.objects.bulk_create(sessions)
    audit.record_many(actor=actor, action=audit.CREATE, instances=sessions)
    return sessions


@transaction.atomic
def register(*, actor, session: Session, person) -> Registration:
    """A place if one is free, else the waiting list. Registering twice changes nothing."""
    _same_cooperation(session, person)
    session = Session.objects.select_for_update().select_related("activity").get(pk=session.pk)
    existing = Registration.objects.filter(session=session, person=person).first()
    if existing is not None and existing.status != RegistrationStatus.CANCELLED:
        return existing
    capacity = session.places
    taken = Registration.objects.filter(
        session=session, status=RegistrationStatus.CONFIRMED
    ).count()
    status = (
        RegistrationStatus.CONFIRMED
        if capacity is None or taken < capacity
        else RegistrationStatus.WAITING
    )
    if existing is not None:  # back in line, at the end
        audit.record_deletion(actor=actor, objects=existing)
        Registration.objects.filter(pk=existing.pk).delete()
    registration = Registration.objects.create(
        cooperation_id=session.cooperation_id, session=session, person=person, status=status
    )
    audit.record(
        actor=actor,
        action=audit.CREATE,
        instance=registration,
        changes=audit.snapshot(registration),
    )
    return registration


@transaction.atomic
def record_registration(*, actor, session: Session, person, status: str) -> Registration:
    """A registration whose state is known (a past list, imported): written as it was, without
    the waiting list's rules. A person already registered keeps their registration."""
    _same_cooperation(session, person)
    registration, created = Registration.objects.get_or_create(
        cooperation_id=session.cooperation_id,
        session=session,
        person=person,
        defaults={"status": status},
    )
    if created:
        audit.record(
            actor=actor,
            action=audit.CREATE,
            instance=registration,
            changes=audit.snapshot(registration),
        )
    return registration


def _set_status(*, actor, registration: Registration, status: str) -> None:
    before = registration.status
    registration.status = status
    registration.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action=audit.UPDATE,
        instance=registration,
        changes={"status": [before, status]},
    )


@transaction.atomic
def cancel_registration(*, actor, registration: Registration) -> Registration | None:
    """Cancel; when a confirmed place frees up, the first on the waiting list moves up (returned)."""
    session = Session.objects.select_for_update().get(pk=registration.session_id)
    registration.refresh_from_db()
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    if registration.status != RegistrationStatus.CANCELLED:
        _set_status(actor=actor, registration=registration, status=RegistrationStatus.CANCELLED)
    if not was_confirmed:
        return None
    first_waiting = (
        Registration.objects.filter(session=session, status=RegistrationStatus.WAITING)
        .order_by("created_at", "pk")
        .first()
    )
    if first_waiting is not None:
        _set_status(actor=actor, registration=first_waiting, status=RegistrationStatus.CONFIRMED)
    return first_waiting


@transaction.atomic
def record_attendance(
    *, actor, session: Session, person, present: bool = True
) -> Attendance | None:
    """Tick (or untick) a person; a double tick records one attendance. Walk-ins are flagged.
    Unticking deletes the attendance, and the audit log keeps what it was."""
    _same_cooperation(session, person)
    if not present:
        ticked = list(Attendance.objects.select_for_update().filter(session=session, person=person))
        audit.record_deletion(actor=actor, objects=ticked)
        Attendance.objects.filter(pk__in=[a.pk for a in ticked]).delete()
        return None
    walk_in = not Registration.objects.filter(
        session=session, person=person, status=RegistrationStatus.CONFIRMED
    ).exists()
    attendance, created = Attendance.objects.get_or_create(
        cooperation_id=session.cooperation_id,
        session=session,
        person=person,
        defaults={
            "walk_in": walk_in,
            "recorded_by": actor if actor and actor.is_authenticated else None,
        },
    )
    if created:
        audit.record(
            actor=actor,
            action=audit.CREATE,
            instance=attendance,
            changes=audit.snapshot(attendance),
        )
    return attendance


@transaction.atomic
def record_headcount(*, actor, session: Session, counts: dict[str, int]) -> list[Headcount]:
    """People counted without names, by age band ("" for all ages); replaces earlier counts."""
    if any(value < 0 for value in counts.values()):
        raise ValidationError(_("Un comptage ne peut pas être négatif."))
    earlier = list(Headcount.objects.select_for_update().filter(session=session))
    audit.record_deletion(actor=actor, objects=earlier)
    Headcount.objects.filter(pk__in=[h.pk for h in earlier]).delete()
    headcounts = Headcount.objects.bulk_create(
        Headcount(
            cooperation_id=session.cooperation_id, session=session, age_band=band, count=value
        )
        for band, value in counts.items()
        if value
    )
    audit.record_many(actor=actor, action=audit.CREATE, instances=headcounts)
    return headcounts
