"""The pieces every importer is made of: the report, a row's problems, the columns, and the
`Importer` base class with the look-ups most kinds need (a house, a person, a household)."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from coope.core.models import House
from coope.imports.cells import as_text, key_of, parse_date, take_cell, words_of
from coope.lib.indicators import french_number
from coope.lib.spreadsheets import Cell
from coope.lib.text import normalize
from coope.membership.models import Membership
from coope.people.models import Household, Person, overlapping

# -- the report --------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int  # as in the spreadsheet: the header is row 1
    column: str  # the column title as written in the file, or "" for the whole row
    letter: str  # the column letter (A, B...) when known
    message: str
    sheet: str = ""  # the sheet's title, in a workbook
    value: str = ""  # what the cell says (the full list of problems, downloaded)


@dataclass
class ImportReport:
    kind: str
    total_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # label -> number (created, added...)
    preview_headers: list[str] = field(default_factory=list)
    preview_rows: list[tuple[int, list[str]]] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False
    file_error: bool = False  # the columns themselves are wrong: no row can be imported
    # Good rows that matched a record already in Coopé with the same content (a file imported
    # twice): they write nothing. See `Importer.already_present`.
    present_rows: int = 0
    sheet: str = ""  # the sheet's title, in a workbook

    @property
    def bad_rows(self) -> set[int]:
        return {error.row for error in self.errors}

    @property
    def bad_row_count(self) -> int:
        return self.total_rows if self.file_error else len(self.bad_rows)

    @property
    def good_row_count(self) -> int:
        return self.total_rows - self.bad_row_count

    @property
    def new_row_count(self) -> int:
        """Good rows that add or change something (the others were already there)."""
        return self.good_row_count - self.present_rows

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def new_and_present(self) -> str:
        return new_and_present(self.new_row_count, self.present_rows)


def new_and_present(new: int, present: int) -> str:
    """« 0 nouvelle ligne, 2 635 déjà présentes »: what an import adds, and what it found."""
    return ", ".join(
        (
            ngettext("%(n)s nouvelle ligne", "%(n)s nouvelles lignes", 1 if new <= 1 else 2)
            % {"n": french_number(new, 0)},
            ngettext("%(n)s déjà présente", "%(n)s déjà présentes", 1 if present <= 1 else 2)
            % {"n": french_number(present, 0)},
        )
    )


class Problems(Exception):  # noqa: N818 (a row's problems, not a failure of the program)
    """The problems of one row: a list of (column key, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems)
        self.problems = problems


@dataclass(frozen=True)
class Column:
    key: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    sensitive: bool = False  # needs people.view_sensitive (notes, family quotient)
    # What to write in the column, in French, for the import page and the template workbook
    # (« Date de naissance, jj/mm/aaaa »), and an example value.
    help: Any = ""
    example: str = ""

    def with_help(self, help: Any, example: str = "") -> "Column":
        """The same column, explained: shared columns (a person's name) get their words here."""
        return Column(self.key, self.required, self.aliases, self.sensitive, help, example)


class Importer:
    """One kind of rows. A subclass declares its columns and writes one row in `import_row`,
    through the services; it is found by discovery once its dotted path is listed in its app's
    `coope = CoopeApp(import_kinds=...)` (see coope/imports/__init__.py)."""

    do_not_call_in_templates = True  # the data pages show a kind's class, never instantiate it
    kind = ""
    # The French names typed at the command line (`coope import presences ...`).
    other_names: tuple[str, ...] = ()
    label: Any = ""
    columns: tuple[Column, ...] = ()
    # model field -> column key, to place a service's ValidationError in the right column
    field_columns: dict[str, str] = {}
    count_labels: dict[str, Any] = {}

    # Kinds whose rows this kind's rows refer to (a membership names a person): a workbook is
    # imported in this order. The sheet of a workbook that holds this kind is named `label`
    # or one of `other_names`.
    depends_on: tuple[str, ...] = ()
    # The permission an account needs for this kind on top of data.import (the template
    # workbook and the import page offer the kind only to those who hold it).
    permission: str | None = None

    @classmethod
    def may_import(cls, user) -> bool:
        return user is None or cls.permission is None or user.has_coope_perm(cls.permission)

    @classmethod
    def sheet_title(cls) -> str:
        """The name of this kind's sheet in the template workbook: its label, or its first
        French name when the label is longer than a sheet's name may be (31 characters)."""
        label = str(cls.label)
        if len(label) <= 31 and not set(label) & set("[]:*?/\\"):
            return label
        name = (cls.other_names or (cls.kind,))[0].replace("_", " ")
        return name[:1].upper() + name[1:31]

    def __init__(self, *, actor, cooperation):
        self.actor = actor
        self.cooperation = cooperation
        self.counts = dict.fromkeys(self.count_labels, 0)
        self.present = 0  # rows found already in Coopé, the same (see `already_present`)
        self._houses: dict[str, House] | None = None
        self._households: dict[str, list[int]] | None = None

    # columns

    @classmethod
    def aliases(cls) -> dict[str, str]:
        table = {}
        for column in cls.columns:
            for alias in (column.key, *column.aliases):
                table[key_of(alias)] = column.key
        return table

    def check_columns(self, keys: set[str]) -> list[str]:
        """Problems with the set of columns as a whole (beyond the required ones)."""
        return []

    # the row

    def import_row(self, number: int, values: dict[str, Cell]) -> None:
        """Writes the row through the services. Re-importing is safe: a row that matches a
        record already in Coopé (by the kind's natural key) with the same content calls
        `already_present()` and writes nothing; with a different content it raises `Problems`
        that say what differs, and overwrites nothing."""
        raise NotImplementedError

    def already_present(self) -> None:
        """The row is already in Coopé, the same: nothing written, counted as « déjà présente »."""
        self.present += 1

    def differences(
        self, record: Any, pairs: Iterable[tuple[str, Any, Any]]
    ) -> list[tuple[str, str]]:
        """The row's problems when it matches `record` (already in Coopé) but says otherwise:
        one per (column key, value in Coopé, value in the row) that differ. An empty cell says
        nothing, so it never differs."""
        found = []
        for key, known, given in pairs:
            if given in (None, "") or _shown(known) == _shown(given):
                continue
            found.append(
                (
                    key,
                    _(
                        "%(r)s est déjà dans Coopé, avec « %(k)s » dans cette colonne et non "
                        "« %(g)s » : rien n'est changé. Corrigez le fichier, ou la fiche dans Coopé."
                    )
                    % {"r": record, "k": _shown(known) or _("vide"), "g": _shown(given)},
                )
            )
        return found

    # helpers

    def houses(self) -> dict[str, House]:
        if self._houses is None:
            self._houses = {}
            for house in House.objects.filter(cooperation=self.cooperation).order_by("name"):
                self._houses.setdefault(words_of(house.short_name), house)
                self._houses[words_of(house.name)] = house
        return self._houses

    def find_house(self, value: Cell) -> House | None:
        text = as_text(value)
        if not text:
            return None
        house = self.houses().get(words_of(text))
        if house is None:
            known = sorted({f"{h.name} ({h.short_name})" for h in self.houses().values()})
            raise ValueError(
                _(
                    "Maison « %(v)s » inconnue. Écrivez le nom ou le nom court d'une maison : "
                    "%(known)s."
                )
                % {"v": text, "known": ", ".join(known) or _("aucune")}
            )
        return house

    def find_person(self, first: str, last: str, birth: datetime.date | None) -> Person:
        queryset = Person.objects.filter(
            search_name=normalize(f"{first} {last}"), anonymised_at__isnull=True
        )
        people = list(queryset[:20])
        if birth is not None:
            people = [p for p in people if p.birth_date == birth] or [
                p for p in people if p.birth_date is None
            ]
        name = f"{first} {last}"
        if not people:
            raise ValueError(
                _(
                    "Personne introuvable dans Coopé : « %(n)s »%(b)s. Vérifiez l'orthographe "
                    "ou importez-la d'abord (import « personnes »)."
                )
                % {"n": name, "b": f" ({birth:%d/%m/%Y})" if birth else ""}
            )
        if len(people) > 1:
            raise ValueError(
                _(
                    "Plusieurs personnes s'appellent « %(n)s » : ajoutez la date de naissance "
                    "(colonne date_naissance) pour dire laquelle."
                )
                % {"n": name}
            )
        return people[0]

    def existing_households(self) -> dict[str, list[int]]:
        """Households already in Coopé, by name (accents, case and punctuation ignored)."""
        if self._households is None:
            self._households = {}
            for pk, name in Household.objects.filter(cooperation=self.cooperation).values_list(
                "pk", "name"
            ):
                self._households.setdefault(words_of(name), []).append(pk)
        return self._households

    def can(self, permission: str, association=None) -> bool:
        """An operator at the command line (no actor) may do everything."""
        return self.actor is None or self.actor.has_coope_perm(permission, association)


def _shown(value: Any) -> str:
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    return "" if value is None else str(value)


def explained(columns: Iterable[Column], helps: dict[str, tuple[Any, str]]) -> tuple[Column, ...]:
    """The columns, with the help and example of `helps` (key -> (help, example)) where it
    says more than the shared columns do (« the session's house » for an activity's row)."""
    return tuple(
        column.with_help(*helps[column.key]) if column.key in helps else column
        for column in columns
    )


def name_columns(*, required: bool = False) -> tuple[Column, ...]:
    """First and last name, and the birth date that tells two namesakes apart."""
    return (
        Column(
            "prenom",
            required=required,
            aliases=("prénom", "first_name"),
            help=gettext_lazy("Prénom de la personne, tel qu'il est écrit dans Coopé."),
            example="Élodie",
        ),
        Column(
            "nom",
            required=required,
            aliases=("nom_de_famille", "last_name"),
            help=gettext_lazy("Nom de famille de la personne."),
            example="Dupont",
        ),
        Column(
            "date_naissance",
            aliases=("date_de_naissance", "naissance", "ne_le", "nee_le"),
            help=gettext_lazy(
                "Date de naissance, JJ/MM/AAAA : dit laquelle de deux personnes du même nom."
            ),
            example="04/05/1980",
        ),
    )


def person_columns() -> tuple[Column, ...]:
    """First and last name, and birth date or card number to tell two namesakes apart."""
    return (
        *name_columns(required=True),
        Column(
            "carte",
            aliases=("numero_de_carte", "n_de_carte", "numero_carte", "no_de_carte"),
            help=gettext_lazy(
                "Numéro de carte d'adhésion : dit laquelle de deux personnes du même nom."
            ),
            example="ROM-2018-00042",
        ),
    )


def person_of_row(importer: Importer, values, problems) -> Person | None:
    """The person a row of `person_columns()` names: by card number when given, else by name
    (and birth date). Problems are appended as (column, message)."""
    first, last = as_text(values.get("prenom")), as_text(values.get("nom"))
    birth = take_cell(values, "date_naissance", parse_date, problems)
    card = as_text(values.get("carte")).upper().replace(" ", "")
    if not first or not last:
        problems.append(
            ("prenom" if not first else "nom", _("Le prénom et le nom sont obligatoires."))
        )
        return None
    if card:
        return _person_by_card(card, first, last, problems)
    if any(key == "date_naissance" for key, _message in problems):
        return None
    try:
        return importer.find_person(first, last, birth)
    except ValueError as error:
        problems.append(("nom", str(error)))
        return None


def _person_by_card(card: str, first: str, last: str, problems) -> Person | None:
    membership = (
        Membership.objects.filter(card_number=card).select_related("person", "household").first()
    )
    if membership is None:
        problems.append(
            (
                "carte",
                _(
                    "Carte %(c)s inconnue dans Coopé : vérifiez le numéro, ou videz la colonne "
                    "carte pour retrouver la personne par son nom."
                )
                % {"c": card},
            )
        )
        return None
    name = normalize(f"{first} {last}")
    if membership.person is not None:
        people = [membership.person] if membership.person.search_name == name else []
    else:
        # The household's members while the card was valid: a former member is not covered.
        people = list(
            Person.objects.filter(
                overlapping(membership.valid_from, membership.valid_until, "household_links__"),
                household_links__household=membership.household_id,
                search_name=name,
            ).distinct()
        )
    if len(people) != 1:
        problems.append(
            (
                "carte",
                _("La carte %(c)s est celle de %(h)s, pas de « %(n)s » : corrigez l'un des deux.")
                % {"c": card, "h": membership.holder, "n": f"{first} {last}"},
            )
        )
        return None
    return people[0]
