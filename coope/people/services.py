"""Every write on people and households: one atomic function each, audited."""

import datetime

from django.db import transaction
from django.utils import timezone

from coope.core import audit
from coope.lib.text import normalize
from coope.people.models import (
    Consent,
    FamilyQuotient,
    Household,
    HouseholdMember,
    Link,
    Person,
    ReceptionVisit,
)

PERSON_FIELDS = [
    "first_name",
    "last_name",
    "birth_date",
    "sex",
    "email",
    "phone",
    "address",
    "postcode",
    "city",
    "neighbourhood",
    "home_house_id",
    "occupation",
    "notes",
]


def likely_duplicates(
    *,
    first_name: str,
    last_name: str,
    birth_date: datetime.date | None = None,
    exclude_pk: int | None = None,
):
    """People who are probably the same person: same name (accents and case ignored),
    and the same birth date when both are known."""
    queryset = Person.objects.filter(search_name=normalize(f"{first_name} {last_name}"))
    if birth_date is not None:
        queryset = queryset.exclude(birth_date__isnull=False, birth_date__lt=birth_date).exclude(
            birth_date__isnull=False, birth_date__gt=birth_date
        )
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.filter(anonymised_at__isnull=True)


@transaction.atomic
def create_person(*, actor, cooperation, **fields) -> Person:
    person = Person(cooperation=cooperation, **fields)
    person.full_clean(exclude=["cooperation"])
    person.save()
    audit.record(
        actor=actor, action="create", instance=person, changes=audit.snapshot(person, PERSON_FIELDS)
    )
    return person


@transaction.atomic
def update_person(*, actor, person: Person, **fields) -> Person:
    before = audit.snapshot(person, PERSON_FIELDS)
    for name, value in fields.items():
        setattr(person, name, value)
    person.full_clean(exclude=["cooperation"])
    person.save()
    changes = audit.diff(before, audit.snapshot(person, PERSON_FIELDS))
    if changes:
        audit.record(actor=actor, action="update", instance=person, changes=changes)
    return person


@transaction.atomic
def create_household(*, actor, cooperation, name: str, members=(), **fields) -> Household:
    """Create a household; `members` is a list of (person, link)."""
    household = Household(cooperation=cooperation, name=name, **fields)
    household.full_clean(exclude=["cooperation"])
    household.save()
    audit.record(
        actor=actor,
        action="create",
        instance=household,
        changes=audit.snapshot(household, ["name", "address", "postcode", "city"]),
    )
    for person, link in members:
        add_to_household(actor=actor, household=household, person=person, link=link)
    return household


@transaction.atomic
def add_to_household(
    *, actor, household: Household, person: Person, link: str = Link.OTHER
) -> HouseholdMember:
    if person.cooperation_id != household.cooperation_id:
        raise ValueError("Cette personne appartient à une autre coopération.")
    member, created = HouseholdMember.objects.get_or_create(
        cooperation_id=household.cooperation_id,
        household=household,
        person=person,
        defaults={"link": link},
    )
    if created:
        audit.record(
            actor=actor,
            action="add_member",
            instance=household,
            changes={"person": person.pk, "link": link},
        )
    return member


@transaction.atomic
def remove_from_household(*, actor, household: Household, person: Person) -> None:
    deleted, _ = HouseholdMember.objects.filter(household=household, person=person).delete()
    if deleted:
        audit.record(
            actor=actor, action="remove_member", instance=household, changes={"person": person.pk}
        )


@transaction.atomic
def record_quotient(
    *, actor, household: Household, value: int, valid_from: datetime.date, source: str
) -> FamilyQuotient:
    quotient = FamilyQuotient(
        cooperation_id=household.cooperation_id,
        household=household,
        value=value,
        valid_from=valid_from,
        source=source,
        recorded_by=actor if actor and actor.is_authenticated else None,
    )
    quotient.full_clean(exclude=["cooperation", "household", "recorded_by"])
    quotient.save()
    audit.record(
        actor=actor,
        action="record_quotient",
        instance=household,
        changes={"value": value, "valid_from": valid_from.isoformat(), "source": source},
    )
    return quotient


def quotient_of(
    *,
    person: Person | None = None,
    household: Household | None = None,
    on: datetime.date | None = None,
) -> int | None:
    """The family quotient in force on a day: the household's, or the latest of a person's households."""
    on = on or timezone.localdate()
    queryset = FamilyQuotient.objects.filter(valid_from__lte=on)
    if household is not None:
        queryset = queryset.filter(household=household)
    elif person is not None:
        queryset = queryset.filter(household__links__person=person)
    else:
        return None
    latest = queryset.order_by("-valid_from", "-pk").values_list("value", flat=True).first()
    return latest


@transaction.atomic
def record_consent(
    *, actor, person: Person, kind: str, given: bool, date: datetime.date, source: str
) -> Consent:
    consent = Consent.objects.create(
        cooperation_id=person.cooperation_id,
        person=person,
        kind=kind,
        given=given,
        date=date,
        source=source,
    )
    audit.record(
        actor=actor,
        action="consent",
        instance=person,
        changes={"kind": kind, "given": given, "date": date.isoformat(), "source": source},
    )
    return consent


def current_consents(person: Person) -> dict[str, Consent]:
    """The latest consent of each kind."""
    latest: dict[str, Consent] = {}
    for consent in person.consents.order_by("-date", "-pk"):
        latest.setdefault(consent.kind, consent)
    return latest


@transaction.atomic
def record_visit(
    *,
    actor,
    house,
    date: datetime.date,
    reason: str,
    person: Person | None = None,
    comment: str = "",
) -> ReceptionVisit:
    visit = ReceptionVisit(
        cooperation_id=house.cooperation_id,
        house=house,
        person=person,
        date=date,
        reason=reason,
        comment=comment,
        recorded_by=actor if actor and actor.is_authenticated else None,
    )
    visit.full_clean(exclude=["cooperation", "recorded_by"])
    visit.save()
    return visit
