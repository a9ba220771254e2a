"""Personal data (RGPD): a person's data exported on request, and anonymisation.

Anonymisation erases who a person is but keeps every figure: sex, birth year, neighbourhood,
home house, occupation, household links, memberships and visits stay, so that every indicator
of the activity report gives the same numbers before and after.
"""

import datetime
import json
import re
from collections.abc import Iterable
from importlib import import_module

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from unidecode import unidecode

from coope.core import audit
from coope.core.models import AuditEntry
from coope.lib import encryption
from coope.lib.text import normalize
from coope.membership.models import Membership
from coope.people.models import FamilyQuotient, Household, HouseholdMember, Person
from coope.people.services import current_consents

ERASED = "[effacé]"
ANONYMOUS_FIRST_NAME = "Anonyme"

# What anonymisation erases from a person, and from a household once all its members are erased.
PERSON_IDENTITY_FIELDS = [
    "first_name",
    "last_name",
    "birth_date",
    "email",
    "phone",
    "address",
    "notes",
]
HOUSEHOLD_IDENTITY_FIELDS = ["name", "address"]
# Keys that carry the erased identity inside audit entries (`changes`), whatever the object.
IDENTITY_KEYS = {*PERSON_IDENTITY_FIELDS, "comment"}

PERSON_MODEL = Person._meta.label_lower
HOUSEHOLD_MODEL = Household._meta.label_lower
MEMBERSHIP_MODEL = Membership._meta.label_lower


# -- the other apps' handlers --------------------------------------------------------------------


def personal_data_handlers() -> list:
    """The `personal_data` modules the apps declare (`coope = CoopeApp(personal_data=...)`), in
    the order of INSTALLED_APPS. Each has `export_person(person) -> dict` (sections of the
    export, by key) and `anonymise_person(*, actor, person, old_label, new_label)`, and may name
    its sections and columns in French in `LABELS` (for the PDF)."""
    from coope.core.plugins import declarations

    return [import_module(d.personal_data) for _label, d in declarations() if d.personal_data]


def names_of(person) -> list[str]:
    """The ways a text may name the person, normalised (no accents, lower case), longest first:
    full name both ways, then first name and last name (two letters at least)."""
    first, last = normalize(person.first_name), normalize(person.last_name)
    names = {f"{first} {last}".strip(), f"{last} {first}".strip(), first, last}
    return sorted((n for n in names if len(n) >= 2), key=len, reverse=True)


def _normalised_with_positions(text: str) -> tuple[str, list[int]]:
    """`text` without accents, in lower case, and for each of its characters the index of the
    character of `text` it comes from ("Œ" gives "oe": two characters from one)."""
    chars: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        plain = unidecode(char).lower() if ord(char) > 127 else char.lower()
        chars.append(plain)
        origins.extend([index] * len(plain))
    return "".join(chars), origins


def scrub_name(text: str, names: list[str], new_label: str) -> str:
    """`text` with every mention of the names (from `names_of`) replaced by `new_label`, accents
    and case ignored, whole words only: "Élodie", "ELODIE DUPONT", "dupont élodie"."""
    if not text or not names:
        return text
    plain, origins = _normalised_with_positions(text)
    pattern = re.compile(
        r"(?<![\w])(?:"
        + "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names)
        + r")(?![\w])"
    )
    pieces, last_end = [], 0
    for match in pattern.finditer(plain):
        start = origins[match.start()]
        end = origins[match.end() - 1] + 1
        if start < last_end:
            continue
        pieces.append(text[last_end:start])
        pieces.append(new_label)
        last_end = end
    if not pieces:
        return text
    pieces.append(text[last_end:])
    return "".join(pieces)


def scrub_records(records, fields: list[str], names: list[str], new_label: str) -> int:
    """Scrub the names from the text `fields` of `records` (model instances of one model), save
    those that changed in one query; returns how many changed."""
    changed = []
    for record in records:
        dirty = False
        for field in fields:
            value = getattr(record, field)
            if isinstance(value, str) and value:
                scrubbed = scrub_name(value, names, new_label)
                if scrubbed != value:
                    setattr(record, field, scrubbed[: record._meta.get_field(field).max_length])
                    dirty = True
        if dirty:
            changed.append(record)
    if changed:
        type(changed[0]).objects.bulk_update(changed, fields)
    return len(changed)


# -- what we hold about a person -------------------------------------------------------------------


def memberships_of(
    person: Person, household_ids: Iterable[int] | None = None
) -> QuerySet[Membership]:
    """The person's own memberships and those of the households they belong or belonged to
    (`household_ids` when the caller has them already).

    Their households as a list of ids, not a join: each side of the OR is then served by an
    index (cooperation, holder, end) on SQLite and PostgreSQL, and no DISTINCT is needed."""
    if household_ids is None:
        household_ids = list(person.household_links.values_list("household_id", flat=True))
    return Membership.objects.filter(Q(person=person) | Q(household__in=household_ids))


def audit_entries_about(person: Person) -> QuerySet[AuditEntry]:
    """Audit entries about a person, their households and the memberships that cover them."""
    household_ids = [
        str(pk) for pk in person.household_links.values_list("household_id", flat=True)
    ]
    membership_ids = [str(pk) for pk in memberships_of(person).values_list("pk", flat=True)]
    return AuditEntry.objects.filter(
        Q(model=PERSON_MODEL, object_id=str(person.pk))
        | Q(model=HOUSEHOLD_MODEL, object_id__in=household_ids)
        # Households the person has left still name them in add/remove entries.
        | Q(model=HOUSEHOLD_MODEL, changes__person=person.pk)
        | Q(model=MEMBERSHIP_MODEL, object_id__in=membership_ids)
    ).select_related("actor")


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _choice(value: str, label) -> dict:
    return {"code": value, "libelle": str(label)}


@transaction.atomic
def export_person_data(*, actor, person: Person, file_format: str = "json") -> dict:
    """Everything the cooperation holds about a person, for a request of access (RGPD art. 15).

    For the person themself: it includes notes and family quotients. The export is audited."""
    links = person.household_links.select_related("household").order_by(
        "household__name", "household__pk"
    )
    households = []
    for link in links:
        household = link.household
        quotients = FamilyQuotient.objects.filter(household=household).order_by(
            "-valid_from", "-pk"
        )
        households.append(
            {
                "id": household.pk,
                "nom": household.name,
                "adresse": household.address,
                "code_postal": household.postcode,
                "commune": household.city,
                "lien": _choice(link.link, link.get_link_display()),
                "dans_le_foyer_depuis": _date(link.valid_from),
                "a_quitte_le_foyer_le": _date(link.valid_until),
                "quotients_familiaux": [
                    {
                        "valeur_euros": q.value,
                        "valable_a_partir_du": _date(q.valid_from),
                        "justificatif": _choice(q.source, q.get_source_display()),
                        "enregistre_le": q.recorded_at.isoformat(),
                    }
                    for q in quotients
                ],
            }
        )
    current = current_consents(person)
    consents = [
        {
            "consentement": _choice(c.kind, c.get_kind_display()),
            "donne": c.given,
            "date": _date(c.date),
            "source": _choice(c.source, c.get_source_display()),
            "enregistre_le": c.recorded_at.isoformat(),
            "en_vigueur": current.get(c.kind) == c,
        }
        for c in person.consents.order_by("-date", "-pk")
    ]
    memberships = [
        {
            "numero_de_carte": m.card_number,
            "type": "individuelle" if m.person_id else "familiale",
            "foyer": m.household.name if m.household else None,
            "periode": m.period.name,
            "prise_a": m.house.name,
            "valable_du": _date(m.valid_from),
            "valable_jusqu_au": _date(m.valid_until),
            "montant_centimes": m.fee_cents,
            "paiement": _choice(m.payment_method, m.get_payment_method_display()),
        }
        for m in memberships_of(person)
        .select_related("household", "period", "house")
        .order_by("valid_from", "pk")
    ]
    visits = [
        {
            "date": _date(v.date),
            "maison": v.house.name,
            "motif": _choice(v.reason, v.get_reason_display()),
            "precision": v.comment,
        }
        for v in person.visits.select_related("house").order_by("date", "pk")
    ]
    entries = [
        {
            "le": e.at.isoformat(),
            "par": e.actor.get_username() if e.actor else None,
            "action": e.action,
            "objet": e.model,
            "id_objet": e.object_id,
            "libelle": e.object_repr,
            "modifications": e.changes,
        }
        for e in audit_entries_about(person).order_by("at", "pk")
    ]
    data = {
        "export": {
            "le": timezone.now().isoformat(),
            "par": actor.get_username() if actor is not None and actor.is_authenticated else None,
            "cooperation": person.cooperation.name,
        },
        "personne": {
            "id": person.pk,
            "prenom": person.first_name,
            "nom": person.last_name,
            "date_de_naissance": _date(person.birth_date),
            "sexe": _choice(person.sex, person.get_sex_display()),
            "courriel": person.email,
            "telephone": person.phone,
            "adresse": person.address,
            "code_postal": person.postcode,
            "commune": person.city,
            "quartier": person.neighbourhood,
            "maison_de_rattachement": person.home_house.name if person.home_house else None,
            "maisons_de_rattachement_successives": [
                {
                    "maison": s.house.name if s.house else None,
                    "du": _date(s.valid_from),
                    "au": _date(s.valid_until),
                }
                for s in person.home_house_spells.select_related("house").order_by("pk")
            ],
            "categorie_socio_professionnelle": _choice(
                person.occupation, person.get_occupation_display()
            ),
            "notes": person.notes,
            "enregistree_le": person.created_at.isoformat(),
            "anonymisee_le": person.anonymised_at.isoformat() if person.anonymised_at else None,
        },
        "foyers": households,
        "consentements": consents,
        "adhesions": memberships,
        "passages_a_l_accueil": visits,
    }
    # What the other apps hold (activities, volunteering, TIC-TAC, cannery...), by their handlers.
    for handler in personal_data_handlers():
        data.update(handler.export_person(person))
    data["journal"] = entries
    audit.record(actor=actor, action="export", instance=person, changes={"format": file_format})
    return data


def export_sections(data: dict) -> list[dict]:
    """The other apps' parts of an export, for the PDF: a French title, column titles and rows."""
    sections = []
    for handler in personal_data_handlers():
        labels = getattr(handler, "LABELS", {})
        for key in getattr(handler, "SECTIONS", ()):
            rows = data.get(key) or []
            columns = list(rows[0]) if rows else []
            sections.append(
                {
                    "title": str(labels.get(key, key)),
                    "columns": [str(labels.get(c, c.replace("_", " "))) for c in columns],
                    "rows": [[_cell(row.get(c)) for c in columns] for row in rows],
                }
            )
    return sections


def _cell(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, dict) and "libelle" in value:
        return str(value["libelle"])
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# -- anonymisation ---------------------------------------------------------------------------------


def _scrub(value, secrets: list[str]):
    """`value` (JSON data) with every string that holds one of the secrets replaced by ERASED.

    A secret of fewer than four characters must match a whole string: a first name such as
    "Ed" must not erase the word "employed"."""
    if isinstance(value, str):
        # A note or comment is kept encrypted in the log (coope.lib.encryption): read it.
        lowered = encryption.decrypt(value).casefold()
        for secret in secrets:
            if lowered == secret or (len(secret) >= 4 and secret in lowered):
                return ERASED
        return value
    if isinstance(value, list):
        return [_scrub(item, secrets) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, secrets) for key, item in value.items()}
    return value


def _scrub_changes(changes, secrets: list[str], keys: set[str]):
    """Audit `changes` with the identity fields (`keys`) and any mention of a secret erased."""
    if not isinstance(changes, dict):
        return _scrub(changes, secrets)
    scrubbed = {}
    for key, value in changes.items():
        if key in keys and value not in (None, "", [], {}):
            # A diff is [before, after]: erase both sides, keep its shape.
            scrubbed[key] = [ERASED, ERASED] if isinstance(value, list) else ERASED
        else:
            scrubbed[key] = _scrub(value, secrets)
    return scrubbed


def _secrets(instance, fields: list[str]) -> list[str]:
    """The identity strings an instance holds, case-folded."""
    values = [str(instance)]
    for field in fields:
        value = getattr(instance, field)
        if value:
            values.append(value.isoformat() if isinstance(value, datetime.date) else str(value))
    return [v.strip().casefold() for v in values if len(v.strip()) >= 2]


person_anonymised = Signal()  # kwargs: person (already anonymised), old_label (their former name)


def replace_name(text: str, old_label: str, new_label: str) -> str:
    """`text` with the person's former name (any case) replaced by their anonymous label."""
    return re.sub(re.escape(old_label), new_label, text, flags=re.IGNORECASE)


def _rename_in_other_entries(person: Person, old_label: str, exclude: set[int]) -> list[AuditEntry]:
    """Audit entries about other records (an account, an exchange, an attendance) whose label
    or changes name the person: the name becomes their anonymous label."""
    if len(old_label.strip()) < 4:
        return []
    new_label = str(person)
    entries = list(
        AuditEntry.objects.filter(cooperation_id=person.cooperation_id)
        .filter(
            Q(object_repr__icontains=old_label)
            | Q(changes__icontains=old_label)
            # SQLite keeps JSON with accents escaped (\u00e9)
            | Q(changes__icontains=json.dumps(old_label)[1:-1])
            # Notes and comments are kept encrypted in the log: read in Python below.
            | Q(changes__icontains=encryption.TOKEN_START)
        )
        .exclude(pk__in=exclude)
    )
    renamed = []
    for entry in entries:
        object_repr = replace_name(entry.object_repr, old_label, new_label)
        changes = _scrub(entry.changes, [old_label.casefold()])
        if (object_repr, changes) != (entry.object_repr, entry.changes):
            entry.object_repr, entry.changes = object_repr, changes
            renamed.append(entry)
    AuditEntry.objects.bulk_update(renamed, ["changes", "object_repr"])
    return renamed


@transaction.atomic
def anonymise_person(*, actor, person: Person) -> Person:
    """Erase a person's identity for good and keep every figure; erase it from the audit log too.

    Kept: sex, year of birth, postcode, city, neighbourhood, home house, occupation, household
    links, family quotients, consents, memberships and visits (without their free comment).
    A household whose members are all anonymised loses its name and address."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.anonymised_at is not None:
        raise ValidationError(
            _("Cette personne a déjà été anonymisée le %(d)s : il n'y a plus rien à effacer.")
            % {"d": timezone.localtime(person.anonymised_at).strftime("%d/%m/%Y")}
        )
    secrets = _secrets(person, PERSON_IDENTITY_FIELDS)
    old_label = str(person)
    # The other apps scrub the name from the free texts of their records about the person while
    # the person still carries it (`names_of`); the figures they count stay as they are.
    new_label = f"{ANONYMOUS_FIRST_NAME} #{person.pk}"
    for handler in personal_data_handlers():
        handler.anonymise_person(
            actor=actor, person=person, old_label=old_label, new_label=new_label
        )
    # Listed before anything is written, so that the "anonymise" entry below stays as written.
    entries = list(audit_entries_about(person))

    person.first_name = ANONYMOUS_FIRST_NAME
    person.last_name = f"#{person.pk}"
    if person.birth_date is not None:
        # Figures use the year of birth only (coope/lib/periods.py): keep it, drop day and month.
        person.birth_date = datetime.date(person.birth_date.year, 1, 1)
    person.email = person.phone = person.address = person.notes = ""
    person.anonymised_at = timezone.now()
    person.save()
    # A visit's free comment may name the person; its date, house and reason are the figures.
    person.visits.exclude(comment="").update(comment="")

    erased_households: dict[int, list[str]] = {}
    # Locked, so that two members anonymised at once cannot both leave the household named.
    for household in (
        Household.objects.filter(links__person=person).order_by("pk").select_for_update()
    ):
        if HouseholdMember.objects.filter(
            household=household, person__anonymised_at__isnull=True
        ).exists():
            continue  # others still live there: the household keeps its name and address
        erased_households[household.pk] = _secrets(household, HOUSEHOLD_IDENTITY_FIELDS)
        household.name = _("Foyer anonyme #%(pk)s") % {"pk": household.pk}
        household.address = ""
        household.save(update_fields=["name", "address"])

    # The audit log must not keep what was erased. Entries about a household that keeps its
    # name hold nothing of the person's identity (only their id): they stay as written.
    reprs = {(PERSON_MODEL, str(person.pk)): str(person)}
    for household in Household.objects.filter(pk__in=erased_households):
        reprs[(HOUSEHOLD_MODEL, str(household.pk))] = str(household)
    membership_ids = [int(e.object_id) for e in entries if e.model == MEMBERSHIP_MODEL]
    for membership in Membership.objects.filter(pk__in=membership_ids).select_related(
        "person", "household"
    ):
        reprs[(MEMBERSHIP_MODEL, str(membership.pk))] = str(membership)
    all_secrets = secrets + [s for values in erased_households.values() for s in values]
    cleaned = []
    for entry in entries:
        if entry.model == PERSON_MODEL:
            entry.changes = _scrub_changes(entry.changes, all_secrets, IDENTITY_KEYS)
        elif entry.model == HOUSEHOLD_MODEL:
            if int(entry.object_id) not in erased_households:
                continue
            entry.changes = _scrub_changes(
                entry.changes, all_secrets, set(HOUSEHOLD_IDENTITY_FIELDS)
            )
        # A membership's changes hold only ids, codes, dates, amounts; its label names the holder.
        entry.object_repr = reprs.get((entry.model, entry.object_id), entry.object_repr)
        cleaned.append(entry)
    AuditEntry.objects.bulk_update(cleaned, ["changes", "object_repr"])
    cleaned += _rename_in_other_entries(person, old_label, exclude={e.pk for e in cleaned})
    # Other programmes keep texts that may name the person (a notice to the other party of
    # an exchange): they erase the name on this signal.
    person_anonymised.send(sender=Person, person=person, old_label=old_label)

    audit.record(
        actor=actor,
        action="anonymise",
        instance=person,
        changes={
            "erased": PERSON_IDENTITY_FIELDS,
            "households_erased": sorted(erased_households),
            "audit_entries_cleaned": len(cleaned),
        },
    )
    return person
