"""Every list as a spreadsheet (CSV, XLSX, ODS), with only the columns the reader may see.

Notes, family quotients and the free-text comment of a visit are sensitive: they are
exported only for a user holding `people.view_sensitive` (or, at the command line, when the
operator asks for them). Column titles are those the importer reads back (docs/imports.md),
so an exported list can be corrected in a spreadsheet and imported again.

Anonymised people are left out of the lists of people: they are no one any more.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, F, Prefetch, When
from django.utils.translation import gettext as _

from coope.lib.spreadsheets import write_spreadsheet
from coope.membership.models import Membership
from coope.people.models import FamilyQuotient, Household, HouseholdMember, Person, ReceptionVisit

# kind -> its name in URLs, file names and at the command line (French)
SLUGS = {
    "people": "personnes",
    "households": "foyers",
    "memberships": "adhesions",
    "visits": "passages",
}
KINDS_BY_SLUG = {slug: kind for kind, slug in SLUGS.items()}
# kind -> the permission needed to see the list at all (on top of data.export_lists)
VIEW_PERMISSIONS = {
    "people": "people.view",
    "households": "people.view",
    "memberships": "membership.view",
    "visits": "people.view",
}


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]]


def kind_of(name: str) -> str:
    """'people' or 'personnes' -> 'people'; KeyError for anything else."""
    if name in SLUGS:
        return name
    return KINDS_BY_SLUG[name]


def can_export(user, kind: str) -> bool:
    return user.has_coope_perm("data.export_lists") and user.has_coope_perm(VIEW_PERMISSIONS[kind])


def _date(value: datetime.date | None):
    return value or ""


def _people(cooperation, sensitive: bool) -> Iterator[list[Any]]:
    people = (
        Person.objects.filter(cooperation=cooperation, anonymised_at__isnull=True)
        .select_related("home_house")
        .order_by("last_name", "first_name", "pk")
    )
    for p in people.iterator(chunk_size=1000):
        row = [
            p.first_name,
            p.last_name,
            _date(p.birth_date),
            p.get_sex_display(),
            p.email,
            p.phone,
            p.address,
            p.postcode,
            p.city,
            p.neighbourhood,
            p.home_house.name if p.home_house else "",
            p.get_occupation_display() if p.occupation else "",
        ]
        yield [*row, p.notes] if sensitive else row


def _households(cooperation, sensitive: bool) -> Iterator[list[Any]]:
    households = (
        Household.objects.filter(cooperation=cooperation)
        .order_by("name", "pk")
        .prefetch_related(
            Prefetch(
                "links",
                # The current members first, then the former ones, each with their dates.
                queryset=HouseholdMember.objects.select_related("person").order_by(
                    Case(When(valid_until__isnull=True, then=0), default=1),
                    "person__last_name",
                    "person__first_name",
                    F("valid_from").asc(nulls_first=True),
                    "pk",
                ),
            ),
            Prefetch("quotients", queryset=FamilyQuotient.objects.order_by("-valid_from", "-pk")),
        )
    )
    for household in households:
        quotients = list(household.quotients.all())
        quotient = (
            [quotients[0].value, quotients[0].valid_from, quotients[0].get_source_display()]
            if quotients
            else ["", "", ""]
        )
        address = [household.address, household.postcode, household.city]
        links: list[HouseholdMember | None] = list(household.links.all()) or [None]
        for link in links:
            person = link.person if link else None
            row = [
                household.name,
                person.first_name if person else "",
                person.last_name if person else "",
                _date(person.birth_date) if person else "",
                link.get_link_display() if link else "",
                _date(link.valid_from) if link else "",
                _date(link.valid_until) if link else "",
                *address,
            ]
            yield [*row, *quotient] if sensitive else row


def _memberships(cooperation, sensitive: bool) -> Iterator[list[Any]]:
    memberships = (
        Membership.objects.filter(cooperation=cooperation)
        .select_related("person", "household", "house", "period")
        .order_by("-valid_from", "card_number")
    )
    for m in memberships.iterator(chunk_size=1000):
        person = m.person
        yield [
            m.card_number,
            person.first_name if person else "",
            person.last_name if person else "",
            _date(person.birth_date) if person else "",
            m.household.name if m.household else "",
            m.house.name,
            m.period.name,
            m.get_payment_method_display(),
            Decimal(m.fee_cents) / 100,
            m.valid_from,
            m.valid_until,
        ]


def _visits(cooperation, sensitive: bool) -> Iterator[list[Any]]:
    visits = (
        ReceptionVisit.objects.filter(cooperation=cooperation)
        .select_related("house", "person")
        .order_by("-date", "-pk")
    )
    for v in visits.iterator(chunk_size=1000):
        person = v.person
        row = [
            v.date,
            v.house.name,
            v.get_reason_display(),
            person.first_name if person else "",
            person.last_name if person else "",
        ]
        yield [*row, v.comment] if sensitive else row


def _columns(kind: str, sensitive: bool) -> list[str]:
    person = [_("Prénom"), _("Nom"), _("Date de naissance")]
    columns = {
        "people": (
            [
                *person,
                _("Sexe"),
                _("Courriel"),
                _("Téléphone"),
                _("Adresse"),
                _("Code postal"),
                _("Commune"),
                _("Quartier"),
                _("Maison"),
                _("Catégorie socio-professionnelle"),
            ],
            [_("Notes")],
        ),
        "households": (
            [
                _("Foyer"),
                *person,
                _("Lien"),
                # The titles of the import's date_entree and date_sortie (docs/imports.md).
                _("Dans le foyer depuis"),
                _("A quitté le foyer le"),
                _("Adresse"),
                _("Code postal"),
                _("Commune"),
            ],
            [_("Quotient familial (€)"), _("QF valable à partir du"), _("Justificatif")],
        ),
        "memberships": (
            [
                _("Carte"),
                *person,
                _("Foyer"),
                _("Maison"),
                _("Période"),
                _("Paiement"),
                _("Montant (€)"),
                _("Valable du"),
                _("Valable jusqu'au"),
            ],
            [],
        ),
        "visits": ([_("Date"), _("Maison"), _("Motif"), _("Prénom"), _("Nom")], [_("Précision")]),
    }
    plain, secret = columns[kind]
    return plain + secret if sensitive else plain


_ROWS = {
    "people": _people,
    "households": _households,
    "memberships": _memberships,
    "visits": _visits,
}


def export_table(kind: str, *, cooperation, include_sensitive: bool) -> Table:
    """The list of `kind` for the active cooperation, sensitive columns only when asked."""
    kind = kind_of(kind)
    titles = {
        "people": _("Personnes"),
        "households": _("Foyers"),
        "memberships": _("Adhésions"),
        "visits": _("Passages à l'accueil"),
    }
    return Table(
        title=titles[kind],
        headers=_columns(kind, include_sensitive),
        rows=list(_ROWS[kind](cooperation, include_sensitive)),
    )


def export_for_user(kind: str, fmt: str, *, user, cooperation) -> bytes:
    """The file a staff member downloads: sensitive columns when they may see them."""
    table = export_table(
        kind,
        cooperation=cooperation,
        include_sensitive=user.has_coope_perm("people.view_sensitive"),
    )
    return write_spreadsheet(table.headers, table.rows, fmt, title=table.title)


def export_file(kind: str, fmt: str, *, cooperation, include_sensitive: bool) -> bytes:
    table = export_table(kind, cooperation=cooperation, include_sensitive=include_sensitive)
    return write_spreadsheet(table.headers, table.rows, fmt, title=table.title)


def file_name(kind: str, fmt: str, cooperation, day: datetime.date) -> str:
    """'personnes-<slug>-2018-06-01.xlsx'."""
    return f"{SLUGS[kind_of(kind)]}-{cooperation.slug}-{day.isoformat()}.{fmt}"
