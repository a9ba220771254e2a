"""Every write on people and households: one atomic function each, audited."""

import datetime
import enum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coope.core import audit
from coope.core.models import House
from coope.lib.text import normalize
from coope.people.models import (
    Consent,
    FamilyQuotient,
    HomeHouseSpell,
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
def update_person(
    *, actor, person: Person, home_house_on: datetime.date | None = None, **fields
) -> Person:
    """Change a person's fields. A new home house goes through `change_home_house`, from
    `home_house_on` (default today), so that the former one stays known for past figures."""
    house_given = "home_house" in fields or "home_house_id" in fields
    new_house = fields.pop("home_house", None)
    new_house_id = fields.pop("home_house_id", new_house.pk if new_house else None)
    before = audit.snapshot(person, PERSON_FIELDS)
    for name, value in fields.items():
        setattr(person, name, value)
    person.full_clean(exclude=["cooperation", "home_house"])
    person.save()
    changes = audit.diff(before, audit.snapshot(person, PERSON_FIELDS))
    if changes:
        audit.record(actor=actor, action="update", instance=person, changes=changes)
    if house_given and new_house_id != person.home_house_id:
        if new_house is None and new_house_id is not None:
            new_house = House.objects.get(pk=new_house_id)
        change_home_house(actor=actor, person=person, house=new_house, on=home_house_on)
    return person


@transaction.atomic
def change_home_house(
    *, actor, person: Person, house: House | None, on: datetime.date | None = None
) -> HomeHouseSpell | None:
    """From `on` (default today), the person's home house is `house` (None: no home house).

    The open spell ends the day before `on`; a person without any spell first gets one for their
    former house, since always. A second change on the same day corrects the first. Returns the
    spell in force from `on` (None when nothing changes)."""
    on = on or timezone.localdate()
    if house is not None and house.cooperation_id != person.cooperation_id:
        raise ValidationError(_("Cette maison appartient à une autre coopération."))
    locked = Person.objects.select_for_update().get(pk=person.pk)
    old_house_id = locked.home_house_id
    new_house_id = house.pk if house is not None else None
    written: list[tuple[str, HomeHouseSpell]] = []
    latest = (
        HomeHouseSpell.objects.filter(person=locked)
        .select_for_update()
        .order_by(F("valid_until").desc(nulls_first=True), "-pk")
        .first()
    )
    if latest is None:
        if old_house_id == new_house_id:
            return None
        former = HomeHouseSpell.objects.create(
            cooperation_id=locked.cooperation_id,
            person=locked,
            house_id=old_house_id,
            valid_from=None,
            valid_until=on - datetime.timedelta(days=1),
        )
        written.append((audit.CREATE, former))
        spell = None
    else:
        if latest.valid_until is None and latest.house_id == new_house_id:
            return latest
        changed = latest.valid_from if latest.valid_until is None else latest.valid_until
        if changed is not None and (on < changed if latest.valid_until is None else on <= changed):
            raise ValidationError(
                _(
                    "La maison de rattachement de %(p)s a déjà changé le %(d)s : indiquez une "
                    "date postérieure."
                )
                % {"p": locked, "d": changed.strftime("%d/%m/%Y")}
            )
        spell = latest if latest.valid_until is None and latest.valid_from == on else None
        if spell is not None:
            # Changed twice on the same day: the second change corrects the first.
            spell.house_id = new_house_id
            spell.save(update_fields=["house"])
            written.append((audit.UPDATE, spell))
        elif latest.valid_until is None:
            latest.valid_until = on - datetime.timedelta(days=1)
            latest.save(update_fields=["valid_until"])
            written.append((audit.UPDATE, latest))
    if spell is None:
        spell = HomeHouseSpell.objects.create(
            cooperation_id=locked.cooperation_id,
            person=locked,
            house_id=new_house_id,
            valid_from=on,
        )
        written.append((audit.CREATE, spell))
    locked.home_house_id = new_house_id
    locked.save(update_fields=["home_house"])
    person.home_house = house
    audit.record(
        actor=actor,
        action="change_home_house",
        instance=locked,
        changes={"home_house_id": [old_house_id, new_house_id], "on": on.isoformat()},
    )
    # The spells are rows the figures count: each has its own entry.
    for operation, row in written:
        audit.record(
            actor=actor,
            action=operation,
            instance=row,
            changes=audit.snapshot(row, ["person_id", "house_id", "valid_from", "valid_until"]),
        )
    return spell


@transaction.atomic
def create_household(
    *,
    actor,
    cooperation,
    name: str,
    members=(),
    members_since: datetime.date | None = None,
    **fields,
) -> Household:
    """Create a household; `members` is a list of (person, link). The people it is created
    with lived together before Coopé knew (`members_since`, default unknown)."""
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
        add_to_household(
            actor=actor, household=household, person=person, link=link, valid_from=members_since
        )
    return household


class _Default(enum.Enum):
    TODAY = "today"


TODAY = _Default.TODAY


@transaction.atomic
def add_to_household(
    *,
    actor,
    household: Household,
    person: Person,
    link: str = Link.OTHER,
    valid_from: datetime.date | None | _Default = TODAY,
) -> HouseholdMember:
    """The person is in the household from `valid_from` (default today; None: since before
    Coopé knew). Someone who left may come back; someone still there keeps their link."""
    if person.cooperation_id != household.cooperation_id:
        raise ValueError("Cette personne appartient à une autre coopération.")
    since = timezone.localdate() if valid_from is TODAY else valid_from
    assert not isinstance(since, _Default)  # noqa: S101 (for the type checker)
    links = HouseholdMember.objects.filter(household=household, person=person)
    current = links.current().select_for_update().first()
    if current is not None:
        return current
    left = links.order_by("-valid_until").values_list("valid_until", flat=True).first()
    if left is not None and (since is None or since <= left):
        raise ValidationError(
            _("%(p)s a quitté ce foyer le %(d)s : la date de son retour doit être postérieure.")
            % {"p": person, "d": left.strftime("%d/%m/%Y")}
        )
    member, created = HouseholdMember.objects.get_or_create(
        cooperation_id=household.cooperation_id,
        household=household,
        person=person,
        valid_until__isnull=True,
        defaults={"link": link, "valid_from": since},
    )
    if created:
        audit.record(
            actor=actor,
            action="add_member",
            instance=household,
            changes={
                "person": person.pk,
                "link": link,
                "valid_from": since.isoformat() if since else None,
            },
        )
        # The link is a row a figure counts: it has its own entry (the household's tells the story).
        audit.record(
            actor=actor, action=audit.CREATE, instance=member, changes=audit.snapshot(member)
        )
    return member


@transaction.atomic
def remove_from_household(
    *, actor, household: Household, person: Person, on: datetime.date | None = None
) -> HouseholdMember | None:
    """The person left the household on `on` (default today): their link is closed, never
    deleted, so that the household's past stays as it was."""
    on = on or timezone.localdate()
    member = (
        HouseholdMember.objects.filter(household=household, person=person)
        .current()
        .select_for_update()
        .first()
    )
    if member is None:
        return None
    if member.valid_from is not None and on < member.valid_from:
        raise ValidationError(
            _(
                "%(p)s est dans ce foyer depuis le %(d)s : la date de départ ne peut pas être "
                "antérieure."
            )
            % {"p": person, "d": member.valid_from.strftime("%d/%m/%Y")}
        )
    member.valid_until = on
    member.save(update_fields=["valid_until"])
    audit.record(
        actor=actor,
        action="remove_member",
        instance=household,
        changes={"person": person.pk, "valid_until": on.isoformat()},
    )
    audit.record(
        actor=actor,
        action=audit.UPDATE,
        instance=member,
        changes={"valid_until": [None, on.isoformat()]},
    )
    return member


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
        # The quotient is encrypted at rest, in the log too (coope.lib.encryption).
        changes={
            **audit.sealed(quotient, {"value": value}),
            "valid_from": valid_from.isoformat(),
            "source": source,
        },
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
        # Their households as a subquery (index on the person's links, then on the quotients'
        # household), not a join that repeats a quotient for each link.
        queryset = queryset.filter(
            household__in=HouseholdMember.objects.filter(person=person).values("household")
        )
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
    audit.record(actor=actor, action=audit.CREATE, instance=visit, changes=audit.snapshot(visit))
    return visit
