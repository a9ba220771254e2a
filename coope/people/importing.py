"""Importing people, households and memberships from a spreadsheet (see docs/imports.md).

`run_import` checks every row, writes the good ones through the services (so the audit log
records them), and reports every bad row with its number as the user sees it in the
spreadsheet, its column and a reason a receptionist can act on. Everything happens in one
transaction: when some rows are bad and the user did not choose to import only the good
rows, or for a dry run (the preview), the transaction is rolled back and nothing stays.

The preview is a dry run of the real import, so it finds every problem the import would find
(a fee rule missing, a membership already taken...), not only the spelling ones.
"""

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.core.models import House
from coope.lib.spreadsheets import Cell, Row, Sheet
from coope.lib.text import normalize
from coope.membership.models import Membership, MembershipPeriod, PaymentMethod
from coope.membership.services import period_on, take_membership
from coope.people import services
from coope.people.models import (
    FamilyQuotient,
    Household,
    Link,
    Occupation,
    Person,
    QuotientSource,
    Sex,
)

PREVIEW_ROWS = 10
PROGRESS_EVERY = 500


# -- the report --------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int  # as in the spreadsheet: the header is row 1
    column: str  # the column title as written in the file, or "" for the whole row
    letter: str  # the column letter (A, B...) when known
    message: str


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
    def has_errors(self) -> bool:
        return bool(self.errors)


class Problems(Exception):  # noqa: N818 (a row's problems, not a failure of the program)
    """The problems of one row: a list of (column key, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems)
        self.problems = problems


# -- reading cells -----------------------------------------------------------------------------


def key_of(text: str) -> str:
    """'Date de naissance' -> 'date_de_naissance'; 'N° de carte' -> 'n_de_carte'."""
    return re.sub(r"[^a-z0-9]+", "_", normalize(str(text))).strip("_")


def words_of(text: str) -> str:
    """A choice as typed, compared without accents, case or punctuation."""
    return re.sub(r"[^a-z0-9]+", " ", normalize(str(text))).strip()


def as_text(value: Cell) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value or "").strip()


_DATE_PATTERNS = [
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
]


def parse_date(value: Cell) -> datetime.date | None:
    """A real date cell, or JJ/MM/AAAA, or AAAA-MM-JJ; raises ValueError with the reason."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = as_text(value)
    if not text:
        return None
    text = re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", text)  # "04/05/1980 00:00"
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            try:
                return datetime.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                break
    raise ValueError(
        _("« %(v)s » n'est pas une date : écrivez-la JJ/MM/AAAA, ex. 04/05/1980.") % {"v": text}
    )


def parse_whole_number(value: Cell) -> int | None:
    text = re.sub(r"[\s€]", "", as_text(value)).replace("EUR", "")
    if not text:
        return None
    if re.fullmatch(r"\d+([.,]0+)?", text):
        return int(re.split(r"[.,]", text)[0])
    raise ValueError(
        _("« %(v)s » n'est pas un nombre entier d'euros, ex. 850.") % {"v": as_text(value)}
    )


def parse_euros(value: Cell) -> int | None:
    """'12', '12,50', '12.5 €' -> cents."""
    text = re.sub(r"[\s€]", "", as_text(value)).replace("EUR", "").replace(",", ".")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(
            _("« %(v)s » n'est pas un montant en euros, ex. 12 ou 12,50.") % {"v": as_text(value)}
        )
    return int(amount * 100)


def choices_table(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Every way of writing a choice (its code, its label, synonyms) -> its code."""
    table = {}
    for value, label in choices:
        if value:
            table[words_of(value)] = value
            table[words_of(label)] = value
    for synonym, value in (extra or {}).items():
        table[words_of(synonym)] = value
    return table


SEXES = choices_table(
    Sex.choices,
    {
        "h": "M",
        "homme": "M",
        "masculin": "M",
        "monsieur": "M",
        "m.": "M",
        "feminin": "F",
        "madame": "F",
        "mme": "F",
        "autre": "X",
        "non precise": "X",
        "nc": "X",
    },
)
LINKS = choices_table(
    Link.choices,
    {
        "responsable": "referent",
        "referent": "referent",
        "referente": "referent",
        "parent": "referent",
        "conjoint": "partner",
        "conjointe": "partner",
        "epoux": "partner",
        "epouse": "partner",
        "partenaire": "partner",
        "fils": "child",
        "fille": "child",
        "enfant": "child",
    },
)
SOURCES = choices_table(
    QuotientSource.choices,
    {
        "impots": "tax",
        "impot": "tax",
        "avis d imposition": "tax",
        "declare": "declared",
        "declaree": "declared",
        "declaration": "declared",
    },
)
PAYMENTS = choices_table(
    PaymentMethod.choices,
    {"espece": "cash", "liquide": "cash", "cb": "card", "carte": "card", "cheques": "cheque"},
)
OCCUPATIONS = choices_table(
    Occupation.choices,
    {
        "emploi": "employed",
        "salarie": "employed",
        "chomeur": "jobseeker",
        "demandeur d emploi": "jobseeker",
        "etudiant": "student",
        "scolaire": "student",
        "retraite": "retired",
        "au foyer": "home",
    },
)


def parse_choice(value: Cell, table: dict[str, str], accepted: str) -> str | None:
    text = as_text(value)
    if not text:
        return None
    try:
        return table[words_of(text)]
    except KeyError:
        raise ValueError(
            _("« %(v)s » n'est pas reconnu : écrivez %(accepted)s.")
            % {"v": text, "accepted": accepted}
        ) from None


# -- the importers -----------------------------------------------------------------------------


def take_cell(values: dict[str, Cell], key: str, parse, problems: list[tuple[str, str]]):
    """The cell `key` parsed, or None with its problem noted as (column, message)."""
    try:
        return parse(values.get(key, ""))
    except ValueError as error:
        problems.append((key, str(error)))
        return None


@dataclass(frozen=True)
class Column:
    key: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    sensitive: bool = False  # needs people.view_sensitive (notes, family quotient)


class Importer:
    kind = ""
    label: Any = ""
    columns: tuple[Column, ...] = ()
    # model field -> column key, to place a service's ValidationError in the right column
    field_columns: dict[str, str] = {}
    count_labels: dict[str, Any] = {}

    def __init__(self, *, actor, cooperation):
        self.actor = actor
        self.cooperation = cooperation
        self.counts = dict.fromkeys(self.count_labels, 0)
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
        raise NotImplementedError

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


class PersonImporter(Importer):
    kind = "people"
    label = gettext_lazy("Personnes")
    columns = (
        Column("prenom", required=True, aliases=("prénom", "first_name")),
        Column("nom", required=True, aliases=("nom_de_famille", "last_name")),
        Column("date_naissance", aliases=("date_de_naissance", "naissance", "ne_le", "nee_le")),
        Column("sexe", aliases=("genre",)),
        Column("courriel", aliases=("email", "e_mail", "mail", "adresse_mail", "adresse_email")),
        Column("telephone", aliases=("tel", "portable", "mobile")),
        Column("adresse"),
        Column("code_postal", aliases=("cp",)),
        Column("commune", aliases=("ville",)),
        Column("quartier"),
        Column("maison", aliases=("maison_de_rattachement", "maison_de_quartier")),
        Column("categorie", aliases=("categorie_socio_professionnelle", "csp", "situation")),
        Column("notes", sensitive=True, aliases=("remarques",)),
    )
    field_columns = {
        "first_name": "prenom",
        "last_name": "nom",
        "birth_date": "date_naissance",
        "sex": "sexe",
        "email": "courriel",
        "phone": "telephone",
        "address": "adresse",
        "postcode": "code_postal",
        "city": "commune",
        "neighbourhood": "quartier",
        "home_house": "maison",
        "occupation": "categorie",
        "notes": "notes",
    }
    count_labels = {"people": gettext_lazy("personnes créées")}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rows_of: dict[int, int] = {}  # person pk -> row of this file that created it

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []

        def take(key, parse):
            return take_cell(values, key, parse, problems)

        first, last = as_text(values.get("prenom")), as_text(values.get("nom"))
        if not first:
            problems.append(("prenom", _("Le prénom manque.")))
        if not last:
            problems.append(("nom", _("Le nom manque.")))
        birth = take("date_naissance", parse_date)
        if birth and not datetime.date(1900, 1, 1) <= birth <= timezone.localdate():
            problems.append(
                (
                    "date_naissance",
                    _("Date de naissance impossible : %(d)s.") % {"d": f"{birth:%d/%m/%Y}"},
                )
            )
        sex = take("sexe", lambda v: parse_choice(v, SEXES, _("F, M ou X (non précisé)")))
        email = as_text(values.get("courriel"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(
                    ("courriel", _("« %(v)s » n'est pas une adresse courriel.") % {"v": email})
                )
        house = take("maison", self.find_house)
        occupation = take(
            "categorie",
            lambda v: parse_choice(
                v,
                OCCUPATIONS,
                _("emploi, recherche d'emploi, étudiant, retraité, au foyer ou autre"),
            ),
        )
        if problems:
            raise Problems(problems)
        duplicate = services.likely_duplicates(
            first_name=first, last_name=last, birth_date=birth
        ).first()
        if duplicate is not None:
            if duplicate.pk in self.rows_of:
                message = _("Même personne que la ligne %(n)s de ce fichier.") % {
                    "n": self.rows_of[duplicate.pk]
                }
            else:
                born = f", {duplicate.birth_date:%d/%m/%Y}" if duplicate.birth_date else ""
                message = _(
                    "Existe déjà dans Coopé (%(p)s%(b)s) : retirez cette ligne du fichier."
                ) % {"p": duplicate, "b": born}
            raise Problems([("nom", message)])
        person = services.create_person(
            actor=self.actor,
            cooperation=self.cooperation,
            first_name=first,
            last_name=last,
            birth_date=birth,
            sex=sex or Sex.UNSPECIFIED,
            email=email,
            phone=clean_phone(as_text(values.get("telephone"))),
            address=as_text(values.get("adresse")),
            postcode=clean_postcode(as_text(values.get("code_postal"))),
            city=as_text(values.get("commune")),
            neighbourhood=as_text(values.get("quartier")),
            home_house=house,
            occupation=occupation or "",
            notes=as_text(values.get("notes")),
        )
        self.rows_of[person.pk] = number
        self.counts["people"] += 1


def clean_postcode(text: str) -> str:
    """A French postcode read from a number cell lost its leading zero: 1000 -> 01000."""
    return text.zfill(5) if re.fullmatch(r"\d{4}", text) else text


def clean_phone(text: str) -> str:
    """A French phone number read from a number cell lost its leading zero."""
    return "0" + text if re.fullmatch(r"[1-9]\d{8}", text) else text


def _person_columns(*, required: bool = False) -> tuple[Column, ...]:
    return (
        Column("prenom", required=required, aliases=("prénom", "first_name")),
        Column("nom", required=required, aliases=("nom_de_famille", "last_name")),
        Column("date_naissance", aliases=("date_de_naissance", "naissance", "ne_le", "nee_le")),
    )


class HouseholdImporter(Importer):
    """One row per member: the household (created the first time its name appears), the
    person (who must exist), the link, and optionally the household's family quotient."""

    kind = "households"
    label = gettext_lazy("Foyers")
    columns = (
        Column("foyer", required=True, aliases=("nom_du_foyer", "famille")),
        *_person_columns(required=True),
        Column("lien", aliases=("lien_dans_le_foyer",)),
        Column(
            "quotient", sensitive=True, aliases=("quotient_familial", "qf", "quotient_familial_eur")
        ),
        Column(
            "date_quotient",
            sensitive=True,
            aliases=(
                "date_du_quotient",
                "date_qf",
                "qf_valable_a_partir_du",
                "quotient_valable_du",
                "valable_a_partir_du",
            ),
        ),
        Column(
            "source_quotient",
            sensitive=True,
            aliases=("justificatif", "justificatif_du_quotient", "source_qf", "source_du_quotient"),
        ),
        Column("adresse"),
        Column("code_postal", aliases=("cp",)),
        Column("commune", aliases=("ville",)),
    )
    field_columns = {
        "name": "foyer",
        "address": "adresse",
        "postcode": "code_postal",
        "city": "commune",
        "value": "quotient",
        "valid_from": "date_quotient",
        "source": "source_quotient",
    }
    count_labels = {
        "households": gettext_lazy("foyers créés"),
        "members": gettext_lazy("membres ajoutés"),
        "quotients": gettext_lazy("quotients familiaux enregistrés"),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.in_file: dict[str, Household] = {}
        self.quotients: dict[str, tuple[int, datetime.date, str, int]] = {}
        self.members: dict[tuple[str, int], int] = {}

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []

        def take(key, parse):
            return take_cell(values, key, parse, problems)

        name = as_text(values.get("foyer"))
        if not name:
            problems.append(("foyer", _("Le nom du foyer manque.")))
        first, last = as_text(values.get("prenom")), as_text(values.get("nom"))
        if not first or not last:
            problems.append(
                (
                    "prenom" if not first else "nom",
                    _("Le prénom et le nom du membre sont obligatoires."),
                )
            )
        birth = take("date_naissance", parse_date)
        link = take(
            "lien", lambda v: parse_choice(v, LINKS, _("responsable, conjoint, enfant ou autre"))
        )
        value = take("quotient", parse_whole_number)
        valid_from = take("date_quotient", parse_date)
        source = take(
            "source_quotient", lambda v: parse_choice(v, SOURCES, _("CAF, MSA, impôts ou déclaré"))
        )
        has_quotient = any(
            as_text(values.get(k)) for k in ("quotient", "date_quotient", "source_quotient")
        )
        if has_quotient:
            for key, given in (
                ("quotient", value),
                ("date_quotient", valid_from),
                ("source_quotient", source),
            ):
                if given is None and not as_text(values.get(key)):
                    problems.append(
                        (
                            key,
                            _(
                                "Un quotient familial a besoin de sa valeur, de sa date et de son "
                                "justificatif : complétez cette colonne."
                            ),
                        )
                    )
        person = None
        if first and last and not any(k == "date_naissance" for k, _m in problems):
            try:
                person = self.find_person(first, last, birth)
            except ValueError as error:
                problems.append(("nom", str(error)))
        key = words_of(name)
        household = self.in_file.get(key)
        if name and household is None:
            matches = self.existing_households().get(key, [])
            if len(matches) > 1:
                problems.append(
                    (
                        "foyer",
                        _(
                            "Plusieurs foyers s'appellent « %(n)s » dans Coopé : ajoutez ce membre "
                            "depuis l'accueil, sur la fiche du bon foyer."
                        )
                        % {"n": name},
                    )
                )
            elif matches:
                household = Household.objects.get(pk=matches[0])
        if has_quotient and value is not None and key in self.quotients:
            earlier = self.quotients[key]
            if earlier[:3] != (value, valid_from, source):
                problems.append(
                    (
                        "quotient",
                        _(
                            "Quotient différent de celui de la ligne %(n)s pour le même foyer : "
                            "un foyer n'a qu'un quotient à une date."
                        )
                        % {"n": earlier[3]},
                    )
                )
        if person is not None and (key, person.pk) in self.members:
            problems.append(
                (
                    "nom",
                    _("Déjà dans ce foyer à la ligne %(n)s.") % {"n": self.members[key, person.pk]},
                )
            )
        if problems:
            raise Problems(problems)

        created = household is None
        if created:
            household = services.create_household(
                actor=self.actor,
                cooperation=self.cooperation,
                name=name,
                address=as_text(values.get("adresse")),
                postcode=clean_postcode(as_text(values.get("code_postal"))),
                city=as_text(values.get("commune")),
            )
        already = household.links.filter(person=person).exists()
        services.add_to_household(
            actor=self.actor, household=household, person=person, link=link or Link.OTHER
        )
        recorded = False
        if (
            has_quotient
            and not FamilyQuotient.objects.filter(
                household=household, value=value, valid_from=valid_from
            ).exists()
        ):
            services.record_quotient(
                actor=self.actor,
                household=household,
                value=value,
                valid_from=valid_from,
                source=source,
            )
            recorded = True
        # Remember only once every write of the row went through.
        self.in_file[key] = household
        self.members[key, person.pk] = number
        if has_quotient:
            self.quotients.setdefault(key, (value, valid_from, source, number))
        self.counts["households"] += created
        self.counts["members"] += not already
        self.counts["quotients"] += recorded


class MembershipImporter(Importer):
    """One row per membership, of a person (prenom, nom) or of a household (foyer)."""

    kind = "memberships"
    label = gettext_lazy("Adhésions")
    columns = (
        Column("carte", aliases=("numero_de_carte", "n_de_carte", "numero_carte", "no_de_carte")),
        *_person_columns(),
        Column("foyer", aliases=("nom_du_foyer", "famille")),
        Column("maison", required=True, aliases=("prise_a", "maison_d_adhesion")),
        Column("periode", aliases=("periode_d_adhesion", "annee")),
        Column(
            "paiement",
            required=True,
            aliases=("mode_de_paiement", "moyen_de_paiement", "reglement"),
        ),
        Column(
            "montant", aliases=("montant_eur", "montant_paye", "montant_paye_eur", "cotisation")
        ),
        Column(
            "date_debut",
            aliases=("date_de_debut", "debut", "valable_du", "date_adhesion", "date_d_adhesion"),
        ),
    )
    field_columns = {
        "card_number": "carte",
        "fee_cents": "montant",
        "payment_method": "paiement",
        "valid_from": "date_debut",
        "house": "maison",
        "period": "periode",
    }
    count_labels = {"memberships": gettext_lazy("adhésions enregistrées")}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.cards: dict[str, int] = {}
        self._periods: dict[str, MembershipPeriod] | None = None
        self._allowed: dict[int, bool] = {}

    def check_columns(self, keys):
        if not ({"prenom", "nom"} <= keys or "foyer" in keys):
            return [
                _(
                    "Il faut les colonnes « prenom » et « nom » (adhésion individuelle) ou la colonne "
                    "« foyer » (adhésion familiale)."
                )
            ]
        if not keys & {"periode", "date_debut"}:
            return [_("Il faut la colonne « periode » ou la colonne « date_debut ».")]
        return []

    def find_period(self, value: Cell) -> MembershipPeriod | None:
        text = as_text(value)
        if not text:
            return None
        if self._periods is None:
            self._periods = {
                words_of(p.name): p
                for p in MembershipPeriod.objects.filter(cooperation=self.cooperation)
            }
        period = self._periods.get(words_of(text))
        if period is None:
            known = [
                p.name
                for p in sorted(self._periods.values(), key=lambda p: p.start, reverse=True)[:6]
            ]
            raise ValueError(
                _("Période d'adhésion « %(v)s » inconnue. Périodes connues : %(known)s.")
                % {"v": text, "known": ", ".join(known) or _("aucune")}
            )
        return period

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []

        def take(key, parse):
            return take_cell(values, key, parse, problems)

        card = as_text(values.get("carte")).upper().replace(" ", "")
        if card:
            if len(card) > 30:
                problems.append(("carte", _("Numéro de carte trop long (30 caractères au plus).")))
            elif card in self.cards:
                problems.append(
                    (
                        "carte",
                        _("Carte déjà sur la ligne %(n)s de ce fichier.") % {"n": self.cards[card]},
                    )
                )
            else:
                existing = (
                    Membership.objects.filter(card_number=card)
                    .select_related("person", "household")
                    .first()
                )
                if existing is not None:
                    problems.append(
                        (
                            "carte",
                            _("La carte %(c)s existe déjà dans Coopé (%(h)s).")
                            % {"c": card, "h": existing.holder},
                        )
                    )
        first, last = as_text(values.get("prenom")), as_text(values.get("nom"))
        household_name = as_text(values.get("foyer"))
        birth = take("date_naissance", parse_date)
        person = household = None
        if household_name and (first or last):
            problems.append(
                (
                    "foyer",
                    _("Remplissez soit la personne (prénom, nom), soit le foyer, pas les deux."),
                )
            )
        elif household_name:
            matches = self.existing_households().get(words_of(household_name), [])
            if not matches:
                problems.append(
                    (
                        "foyer",
                        _(
                            "Foyer « %(n)s » introuvable dans Coopé : vérifiez l'orthographe ou "
                            "importez-le d'abord (import « foyers »)."
                        )
                        % {"n": household_name},
                    )
                )
            elif len(matches) > 1:
                problems.append(
                    (
                        "foyer",
                        _(
                            "Plusieurs foyers s'appellent « %(n)s » : enregistrez cette adhésion "
                            "depuis l'accueil."
                        )
                        % {"n": household_name},
                    )
                )
            else:
                household = Household.objects.get(pk=matches[0])
        elif first and last:
            try:
                person = self.find_person(first, last, birth)
            except ValueError as error:
                problems.append(("nom", str(error)))
        else:
            problems.append(
                (
                    "nom",
                    _("À qui est cette adhésion ? Remplissez le prénom et le nom, ou le foyer."),
                )
            )
        house = take("maison", self.find_house)
        if house is None and not as_text(values.get("maison")):
            problems.append(("maison", _("La maison où l'adhésion a été prise manque.")))
        elif house is not None:
            if house.pk not in self._allowed:
                self._allowed[house.pk] = self.can("membership.take", house.association_id)
            if not self._allowed[house.pk]:
                problems.append(
                    (
                        "maison",
                        _(
                            "Vous ne pouvez pas enregistrer d'adhésion à %(h)s : "
                            "ce n'est pas une maison de votre association."
                        )
                        % {"h": house},
                    )
                )
        period = take("periode", self.find_period)
        start = take("date_debut", parse_date)
        if period is None and start is not None:
            period = period_on(self.cooperation, start)
            if period is None:
                problems.append(
                    (
                        "date_debut",
                        _("Aucune période d'adhésion ne contient le %(d)s.")
                        % {"d": f"{start:%d/%m/%Y}"},
                    )
                )
        elif period is None and not [k for k, _m in problems if k in ("periode", "date_debut")]:
            problems.append(
                ("periode", _("Indiquez la période d'adhésion (ex. 2018) ou la date de début."))
            )
        elif period is not None and start is not None and not period.start <= start <= period.end:
            problems.append(
                (
                    "date_debut",
                    _("Le %(d)s n'est pas dans la période %(p)s (du %(s)s au %(e)s).")
                    % {
                        "d": f"{start:%d/%m/%Y}",
                        "p": period,
                        "s": f"{period.start:%d/%m/%Y}",
                        "e": f"{period.end:%d/%m/%Y}",
                    },
                )
            )
        payment = take(
            "paiement",
            lambda v: parse_choice(v, PAYMENTS, _("espèces, chèque, carte, virement ou gratuit")),
        )
        if payment is None and not as_text(values.get("paiement")):
            problems.append(("paiement", _("Le moyen de paiement manque.")))
        fee_cents = take("montant", parse_euros)
        if payment == PaymentMethod.FREE and fee_cents:
            problems.append(("montant", _("Une adhésion gratuite ne peut pas avoir de montant.")))
        if problems:
            raise Problems(problems)

        try:
            take_membership(
                actor=self.actor,
                house=house,
                period=period,
                payment_method=payment,
                person=person,
                household=household,
                fee_cents=fee_cents,
                valid_from=start or period.start,
                card_number=card or None,
            )
        except ValidationError as error:
            column = "montant" if fee_cents is None and "tarif" in " ".join(error.messages) else ""
            raise Problems([(column, message) for message in error.messages]) from error
        if card:
            self.cards[card] = number
        self.counts["memberships"] += 1


KINDS: dict[str, type[Importer]] = {
    importer.kind: importer for importer in (PersonImporter, HouseholdImporter, MembershipImporter)
}
# The French names people type at the command line or see in URLs.
KIND_ALIASES = {"personnes": "people", "foyers": "households", "adhesions": "memberships"}
import coope.activities.importing  # noqa: E402,F401,I001  adds "attendance" and "volunteer_hours"
import coope.cannery.importing  # noqa: E402,F401,I001  adds "collections"


# -- running an import -------------------------------------------------------------------------


def _as_sheet(rows: Sheet | Iterable[Row] | Iterable[dict]) -> Sheet:
    if isinstance(rows, Sheet):
        return rows
    items = list(rows)
    converted = [
        item if isinstance(item, Row) else Row(number=index, values=dict(item))
        for index, item in enumerate(items, start=2)
    ]
    headers: list[str] = []
    for row in converted:
        headers.extend(h for h in row.values if h not in headers)
    return Sheet(format="", headers=headers, rows=converted)


def _map_columns(importer: Importer, sheet: Sheet, report: ImportReport) -> dict[str, str] | None:
    """Column key -> header as written in the file; None when the columns make the file unusable."""
    aliases = importer.aliases()
    mapping: dict[str, str] = {}
    problems = []
    for header in sheet.headers:
        key = aliases.get(key_of(header))
        if key is None:
            report.warnings.append(
                _("La colonne « %(h)s » n'est pas connue pour cet import : elle est ignorée.")
                % {"h": header}
            )
        elif key in mapping:
            problems.append(
                RowError(
                    sheet.header_row,
                    header,
                    sheet.letters.get(header, ""),
                    _(
                        "Les colonnes « %(a)s » et « %(b)s » disent la même chose : gardez-en une seule."
                    )
                    % {"a": mapping[key], "b": header},
                )
            )
        else:
            mapping[key] = header
    for letter in sheet.unnamed_columns:
        report.warnings.append(
            _("La colonne %(l)s n'a pas de titre : elle est ignorée.") % {"l": letter}
        )
    for column in importer.columns:
        if column.required and column.key not in mapping:
            problems.append(
                RowError(
                    sheet.header_row,
                    column.key,
                    "",
                    _(
                        "Colonne obligatoire « %(c)s » absente : ajoutez-la en ligne %(r)s (titres des colonnes)."
                    )
                    % {"c": column.key, "r": sheet.header_row},
                )
            )
        if column.sensitive and column.key in mapping and not importer.can("people.view_sensitive"):
            problems.append(
                RowError(
                    sheet.header_row,
                    mapping[column.key],
                    sheet.letters.get(mapping[column.key], ""),
                    _(
                        "Vous n'avez pas le droit de saisir cette colonne (données sensibles) : retirez-la du fichier."
                    ),
                )
            )
    problems += [
        RowError(sheet.header_row, "", "", message)
        for message in importer.check_columns(set(mapping))
    ]
    if problems:
        report.errors.extend(problems)
        report.file_error = True
        return None
    return mapping


def _preview(sheet: Sheet, size: int) -> list[tuple[int, list[str]]]:
    return [
        (row.number, [as_text(row.get(header)) for header in sheet.headers])
        for row in sheet.rows[:size]
    ]


def run_import(
    kind: str,
    rows: Sheet | Iterable[Row] | Iterable[dict],
    *,
    actor,
    cooperation,
    only_good_rows: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    preview_size: int = PREVIEW_ROWS,
) -> ImportReport:
    """Check and import the rows; see the module docstring for what is written when."""
    kind = KIND_ALIASES.get(kind, kind)
    importer = KINDS[kind](actor=actor, cooperation=cooperation)
    sheet = _as_sheet(rows)
    report = ImportReport(
        kind=kind,
        total_rows=len(sheet.rows),
        dry_run=dry_run,
        preview_headers=list(sheet.headers),
        preview_rows=_preview(sheet, preview_size),
    )
    mapping = _map_columns(importer, sheet, report)
    if mapping is None:
        report.counts = {str(label): 0 for label in importer.count_labels.values()}
        return report

    def place(key: str) -> tuple[str, str]:
        header = mapping.get(key, key)
        return header, sheet.letters.get(header, "")

    order = {
        header: index for index, header in enumerate(sheet.headers)
    }  # a row's errors, left to right

    with transaction.atomic():
        for done, row in enumerate(sheet.rows, start=1):
            values = {key: row.get(header) for key, header in mapping.items()}
            try:
                with transaction.atomic():
                    importer.import_row(row.number, values)
            except Problems as error:
                problems = error.problems
            except ValidationError as error:
                problems = _validation_problems(importer, error)
            except IntegrityError:
                problems = [
                    (
                        "",
                        _(
                            "Cette ligne contredit une donnée déjà enregistrée (doublon ?) : vérifiez-la."
                        ),
                    )
                ]
            else:
                problems = []
            row_errors = [
                RowError(row.number, *place(key), message)
                if key
                else RowError(row.number, "", "", message)
                for key, message in problems
            ]
            report.errors.extend(sorted(row_errors, key=lambda e: order.get(e.column, len(order))))
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(sheet.rows)):
                progress(done, len(sheet.rows))
        report.written = not dry_run and (only_good_rows or not report.errors)
        if not report.written:
            transaction.set_rollback(True)
    report.counts = {
        str(label): importer.counts[name] for name, label in importer.count_labels.items()
    }
    return report


def _validation_problems(importer: Importer, error: ValidationError) -> list[tuple[str, str]]:
    if hasattr(error, "error_dict"):
        return [
            (importer.field_columns.get(name, ""), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [("", message) for message in error.messages]
