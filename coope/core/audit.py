"""The audit log: services call `record` for every change to people, money, time or membership."""

import datetime
from decimal import Decimal

from django.db import models

from coope.core.models import AuditEntry


def _jsonable(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict:
    """The concrete field values of an instance, as JSON-friendly data."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: _jsonable(getattr(instance, name)) for name in names}


def diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def record(
    *, actor, action: str, instance: models.Model, changes: dict | None = None
) -> AuditEntry:
    return AuditEntry.objects.create(
        cooperation_id=instance.cooperation_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        model=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes or {},
    )
