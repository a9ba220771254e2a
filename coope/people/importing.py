"""Importing people, households and memberships from a spreadsheet (see docs/imports.md).

The framework (columns, cell parsers, the report, `run_import`) is coope/imports/; these
importers are declared in coope/people/apps.py (`import_kinds`) and found by discovery.
"""

import datetime
import re
from dataclasses import replace as dataclass_replace

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.core.import_rows import check_day, differences
from coope.imports import (
    Column,
    Importer,
    Problems,
    as_text,
    check_past,
    choices_table,
    name_columns,
    parse_choice,
    parse_date,
    parse_euros,
    parse_whole_number,
    take_cell,
    words_of,
)
from coope.lib.spreadsheets import Cell
from coope.membership import services as membership_services
from coope.membership.models import Membership, MembershipPeriod, PaymentMethod
from coope.people import services
from coope.people.models import (
    FamilyQuotient,
    Household,
    Link,
    Occupation,
    QuotientSource,
    Sex,
)

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


class PersonImporter(Importer):
    """One row per person. A person already in Coopé (same name, and the same birth date when
    both are known) whose row says nothing else is « déjà présente »; a row that says otherwise
    (another phone, another house...) is reported, and the person is left as she is."""

    kind = "people"
    other_names = ("personnes",)
    label = gettext_lazy("Personnes")
    depends_on = ("houses",)
    columns = (
        Column(
            "prenom",
            required=True,
            aliases=("prénom", "first_name"),
            help=gettext_lazy("Prénom."),
            example="Élodie",
        ),
        Column(
            "nom",
            required=True,
            aliases=("nom_de_famille", "last_name"),
            help=gettext_lazy("Nom de famille."),
            example="Dupont",
        ),
        Column(
            "date_naissance",
            aliases=("date_de_naissance", "naissance", "ne_le", "nee_le"),
            help=gettext_lazy(
                "Date de naissance, JJ/MM/AAAA. Avec le nom, elle dit si la personne est déjà "
                "dans Coopé."
            ),
            example="04/05/1980",
        ),
        Column(
            "sexe",
            aliases=("genre",),
            help=gettext_lazy("F, M ou X (non précisé) ; vide = X."),
            example="F",
        ),
        Column(
            "courriel",
            aliases=("email", "e_mail", "mail", "adresse_mail", "adresse_email"),
            help=gettext_lazy("Adresse courriel."),
            example="elodie@example.org",
        ),
        Column(
            "telephone",
            aliases=("tel", "portable", "mobile"),
            help=gettext_lazy("Téléphone ; le 0 qu'un tableur enlève est remis."),
            example="06 12 34 56 78",
        ),
        Column("adresse", help=gettext_lazy("Numéro et rue."), example="3 rue des Clercs"),
        Column(
            "code_postal",
            aliases=("cp",),
            help=gettext_lazy("Code postal ; le 0 qu'un tableur enlève est remis."),
            example="26100",
        ),
        Column("commune", aliases=("ville",), help=gettext_lazy("Commune."), example="Crest"),
        Column("quartier", help=gettext_lazy("Quartier."), example="Monnaie"),
        Column(
            "maison",
            aliases=("maison_de_rattachement", "maison_de_quartier"),
            help=gettext_lazy("Maison de rattachement : son nom ou son nom court."),
            example="Les Tilleuls",
        ),
        Column(
            "categorie",
            aliases=("categorie_socio_professionnelle", "csp", "situation"),
            help=gettext_lazy(
                "Situation : emploi, recherche d'emploi, étudiant, retraité, au foyer ou autre."
            ),
            example="retraité",
        ),
        Column(
            "notes",
            sensitive=True,
            aliases=("remarques",),
            help=gettext_lazy("Remarques, vues seulement par la Direction et l'Accueil."),
            example="suivi RSA",
        ),
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
        fields = {
            "birth_date": birth,
            "sex": sex,
            "email": email,
            "phone": clean_phone(as_text(values.get("telephone"))),
            "address": as_text(values.get("adresse")),
            "postcode": clean_postcode(as_text(values.get("code_postal"))),
            "city": as_text(values.get("commune")),
            "neighbourhood": as_text(values.get("quartier")),
            "home_house": house,
            "occupation": occupation,
            "notes": as_text(values.get("notes")),
        }
        found = list(
            services.likely_duplicates(first_name=first, last_name=last, birth_date=birth)[:2]
        )
        if found:
            self.compare_person(number, found, fields)
            return
        person = services.create_person(
            actor=self.actor,
            cooperation=self.cooperation,
            first_name=first,
            last_name=last,
            **{
                **fields,
                "sex": sex or Sex.UNSPECIFIED,
                "occupation": occupation or "",
            },
        )
        self.rows_of[person.pk] = number
        self.counts["people"] += 1

    def compare_person(self, number, found, fields) -> None:
        """The row names someone already in Coopé: « déjà présente » when it says nothing
        else, otherwise the row's problems (nothing is overwritten)."""
        person = found[0]
        if person.pk in self.rows_of:
            raise Problems(
                [
                    (
                        "nom",
                        _("Même personne que la ligne %(n)s de ce fichier.")
                        % {"n": self.rows_of[person.pk]},
                    )
                ]
            )
        if len(found) > 1:
            raise Problems(
                [
                    (
                        "date_naissance",
                        _(
                            "Plusieurs personnes s'appellent « %(p)s » dans Coopé : ajoutez la "
                            "date de naissance pour dire laquelle."
                        )
                        % {"p": person},
                    )
                ]
            )
        born = f" ({person.birth_date:%d/%m/%Y})" if person.birth_date else ""
        problems = self.differences(
            f"{person}{born}",
            [
                (column, _person_value(person, name), _person_value(fields, name))
                for name, column in self.field_columns.items()
                if name in fields
            ],
        )
        if problems:
            raise Problems(problems)
        self.already_present()


def _person_value(source, name: str):
    """A person's field (or the row's, from a dict) as the row writes it, to compare them."""
    value = source.get(name) if isinstance(source, dict) else getattr(source, name)
    if name == "email":
        return (value or "").lower()
    if name == "sex" and value:
        return Sex(value).label
    if name == "occupation" and value:
        return Occupation(value).label
    return value


# A stay in a household before this day is a typo (0001, 1018).
EARLIEST_STAY = datetime.date(1900, 1, 1)
YEAR = datetime.timedelta(days=366)


def clean_postcode(text: str) -> str:
    """A French postcode read from a number cell lost its leading zero: 1000 -> 01000."""
    return text.zfill(5) if re.fullmatch(r"\d{4}", text) else text


def clean_phone(text: str) -> str:
    """A French phone number read from a number cell lost its leading zero."""
    return "0" + text if re.fullmatch(r"[1-9]\d{8}", text) else text


class HouseholdImporter(Importer):
    """One row per member: the household (created the first time its name appears), the
    person (who must exist), the link, and optionally the household's family quotient.

    A file tells the past: a member is in the household since the date of the « date_entree »
    column, or, without it, since before Coopé knew (never « since the day of the import », which
    would leave them out of the past years' figures). A « date_sortie » closes the link on that
    day: a former member stays in the household's past. A person who left and came back has one
    row per stay. The links are written through the dated services (`add_to_household`,
    `remove_from_household`), never overwritten.

    Re-importing is safe: a row whose household, stay and quotient are in Coopé already, the same,
    is « déjà présente »; a row that says otherwise (another link, another day of departure,
    another quotient on that day, another address) is reported. A departure not yet known closes
    the open stay it names: the person left, which is a new fact, not a change."""

    kind = "households"
    other_names = ("foyers",)
    label = gettext_lazy("Foyers")
    depends_on = ("people",)
    columns = (
        Column(
            "foyer",
            required=True,
            aliases=("nom_du_foyer", "famille"),
            help=gettext_lazy(
                "Nom du foyer ; créé à sa première ligne, complété s'il est déjà dans Coopé."
            ),
            example="Famille Dupont",
        ),
        *(
            column.with_help(help, example)
            for column, (help, example) in zip(
                name_columns(required=True),
                (
                    (gettext_lazy("Prénom du membre, déjà dans Coopé."), "Lina"),
                    (gettext_lazy("Nom du membre."), "Dupont"),
                    (
                        gettext_lazy("Date de naissance, pour distinguer deux homonymes."),
                        "01/09/2012",
                    ),
                ),
                strict=True,
            )
        ),
        Column(
            "lien",
            aliases=("lien_dans_le_foyer",),
            help=gettext_lazy("responsable, conjoint, enfant ou autre ; vide : autre."),
            example="enfant",
        ),
        Column(
            "date_entree",
            aliases=(
                "dans_le_foyer_depuis",
                "date_d_entree",
                "entree",
                "entree_dans_le_foyer",
                "membre_depuis",
                "membre_du_foyer_depuis",
            ),
            help=gettext_lazy(
                "Date d'arrivée dans le foyer, JJ/MM/AAAA ; vide : depuis avant que Coopé ne le "
                "sache."
            ),
            example="15/09/2018",
        ),
        Column(
            "date_sortie",
            aliases=(
                "a_quitte_le_foyer_le",
                "date_de_sortie",
                "sortie",
                "sortie_du_foyer",
                "a_quitte_le",
                "depart",
                "date_de_depart",
                "membre_jusqu_au",
                "dans_le_foyer_jusqu_au",
            ),
            help=gettext_lazy(
                "Dernier jour dans le foyer, JJ/MM/AAAA ; vide : y est encore. Le membre reste "
                "dans le passé du foyer."
            ),
            example="30/06/2020",
        ),
        Column(
            "quotient",
            sensitive=True,
            aliases=("quotient_familial", "qf", "quotient_familial_eur"),
            help=gettext_lazy("Quotient familial, nombre entier d'euros (donnée sensible)."),
            example="650",
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
            help=gettext_lazy("Date à partir de laquelle le quotient vaut, JJ/MM/AAAA."),
            example="15/01/2018",
        ),
        Column(
            "source_quotient",
            sensitive=True,
            aliases=("justificatif", "justificatif_du_quotient", "source_qf", "source_du_quotient"),
            help=gettext_lazy("Justificatif du quotient : CAF, MSA, impôts ou déclaré."),
            example="CAF",
        ),
        Column(
            "adresse",
            help=gettext_lazy("Adresse du foyer (prise à sa première ligne)."),
            example="3 rue des Clercs",
        ),
        Column("code_postal", aliases=("cp",), help=gettext_lazy("Code postal."), example="26100"),
        Column(
            "commune",
            aliases=("ville",),
            help=gettext_lazy("Commune du foyer."),
            example="Crest",
        ),
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
        # (household, person) -> (row, the day they left in that row; None: still there)
        self.members: dict[tuple[str, int], tuple[int, datetime.date | None]] = {}

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
        since = take("date_entree", parse_date)
        left = take("date_sortie", parse_date)
        for key, day in (("date_entree", since), ("date_sortie", left)):
            check_past(day, key, problems)
            if day is not None and day < EARLIEST_STAY:
                check_day(day, key, problems, earliest=EARLIEST_STAY)
        if since is not None and left is not None and left < since:
            problems.append(
                (
                    "date_sortie",
                    _("La date de sortie (%(l)s) précède la date d'entrée (%(s)s).")
                    % {"l": f"{left:%d/%m/%Y}", "s": f"{since:%d/%m/%Y}"},
                )
            )
        value = take("quotient", parse_whole_number)
        valid_from = take("date_quotient", parse_date)
        check_day(valid_from, "date_quotient", problems, latest=timezone.localdate() + YEAR)
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
        earlier_row, earlier_left = (
            self.members.get((key, person.pk), (0, None)) if person else (0, None)
        )
        if earlier_row and earlier_left is None:
            problems.append(("nom", _("Déjà dans ce foyer à la ligne %(n)s.") % {"n": earlier_row}))
        address = {
            "adresse": as_text(values.get("adresse")),
            "code_postal": clean_postcode(as_text(values.get("code_postal"))),
            "commune": as_text(values.get("commune")),
        }
        if household is not None:
            problems += differences(
                _("Le foyer « %(n)s »") % {"n": household},
                [
                    ("adresse", _("l'adresse"), household.address, address["adresse"] or None),
                    (
                        "code_postal",
                        _("le code postal"),
                        household.postcode,
                        address["code_postal"] or None,
                    ),
                    ("commune", _("la commune"), household.city, address["commune"] or None),
                ],
            )
        if problems:
            raise Problems(problems)

        created = household is None
        if created:
            household = services.create_household(
                actor=self.actor,
                cooperation=self.cooperation,
                name=name,
                address=address["adresse"],
                postcode=address["code_postal"],
                city=address["commune"],
            )
        stay = self.stay(household, person, link, since, left)
        recorded = has_quotient and self.quotient(household, value, valid_from, source)
        # Remember only once every write of the row went through.
        self.in_file[key] = household
        self.members[key, person.pk] = (number, left)
        if has_quotient:
            self.quotients.setdefault(key, (value, valid_from, source, number))
        if not (created or stay or recorded):
            self.already_present()
        self.counts["households"] += created
        self.counts["members"] += stay == "added"
        self.counts["quotients"] += recorded

    def stay(self, household, person, link, since, left) -> str | None:
        """The person's stay in the household as the row tells it: "added", "left" (a departure
        recorded on the open stay), or None when Coopé knows it already, the same."""
        stays = list(household.links.filter(person=person))
        current = next((m for m in stays if m.valid_until is None), None)
        same = next(
            (
                m
                for m in stays
                if m.valid_until == left and (since is None or m.valid_from == since)
            ),
            None,
        )
        if same is None and left is not None and current is not None:
            if since is None or current.valid_from == since:
                same = current  # the open stay, which the row closes
        if same is not None:
            found = differences(
                _("Le lien de %(p)s avec ce foyer") % {"p": person},
                [("lien", _("le lien"), same.get_link_display(), link and str(Link(link).label))],
            )
            if found:
                raise Problems(found)
            if same.valid_until == left:
                return None
            self._write("date_sortie", services.remove_from_household, household, person, on=left)
            return "left"
        # A stay of Coopé that starts as the row's (any, when the row gives no start) and ended.
        gone = next(
            (m for m in stays if m.valid_until and (since is None or m.valid_from == since)), None
        )
        if gone is not None:
            raise Problems(
                [
                    (
                        "date_sortie",
                        _(
                            "Dans Coopé, %(p)s a quitté ce foyer le %(d)s ; la ligne dit %(s)s. "
                            "Écrivez ce jour dans date_sortie, ou une date d'entrée postérieure "
                            "pour un retour."
                        )
                        % {
                            "p": person,
                            "d": f"{gone.valid_until:%d/%m/%Y}",
                            "s": _("le %(d)s") % {"d": f"{left:%d/%m/%Y}"}
                            if left
                            else _("qu'il ou elle y est encore"),
                        },
                    )
                ]
            )
        if current is not None:
            known = (
                _("depuis le %(d)s") % {"d": f"{current.valid_from:%d/%m/%Y}"}
                if current.valid_from
                else _("depuis avant que Coopé ne le sache")
            )
            raise Problems(
                [
                    (
                        "date_entree",
                        _(
                            "%(p)s est déjà dans ce foyer (%(k)s) : videz la date d'entrée ou "
                            "retirez cette ligne du fichier."
                        )
                        % {"p": person, "k": known},
                    )
                ]
            )
        self._write(
            "date_entree",
            services.add_to_household,
            household,
            person,
            link=link or Link.OTHER,
            valid_from=since,
        )
        if left is not None:
            self._write("date_sortie", services.remove_from_household, household, person, on=left)
        return "added"

    def _write(self, key, service, household, person, **values) -> None:
        """A dated service; its refusal (a date out of order) is the row's problem in `key`."""
        try:
            service(actor=self.actor, household=household, person=person, **values)
        except ValidationError as error:
            raise Problems([(key, m) for m in error.messages]) from error

    def quotient(self, household, value, valid_from, source) -> bool:
        """Records the household's quotient on that day; False when Coopé has it, the same."""
        known = FamilyQuotient.objects.filter(household=household, valid_from=valid_from).first()
        if known is None:
            services.record_quotient(
                actor=self.actor,
                household=household,
                value=value,
                valid_from=valid_from,
                source=source,
            )
            return True
        found = differences(
            _("Le quotient du foyer au %(d)s") % {"d": f"{valid_from:%d/%m/%Y}"},
            [
                ("quotient", _("la valeur"), known.value, value),
                (
                    "source_quotient",
                    _("le justificatif"),
                    known.get_source_display(),
                    str(QuotientSource(source).label),
                ),
            ],
        )
        if found:
            raise Problems(found)
        return False


def _day(value: datetime.date) -> str:
    return f"{value:%d/%m/%Y}"


def _euros(cents: int) -> str:
    return f"{cents / 100:.2f} €".replace(".", ",")


MEMBERSHIP_NAME_HELP = {
    "prenom": (gettext_lazy("Prénom de l'adhérent·e (adhésion individuelle)."), "Karim"),
    "nom": (gettext_lazy("Nom de l'adhérent·e (adhésion individuelle)."), "Benali"),
    "date_naissance": (
        gettext_lazy("JJ/MM/AAAA, pour distinguer deux personnes du même nom."),
        "02/01/1990",
    ),
}


class MembershipImporter(Importer):
    """One row per membership, of a person (prenom, nom) or of a household (foyer), with its own
    dates (debut, fin) or the cooperation's rules from `debut`. A membership already in Coopé
    (same card, or same holder and first day) is « déjà présente » when the row says the same,
    and reported when it says otherwise."""

    kind = "memberships"
    other_names = ("adhesions",)
    label = gettext_lazy("Adhésions")
    depends_on = ("people", "households", "periods")
    columns = (
        Column(
            "carte",
            aliases=("numero_de_carte", "n_de_carte", "numero_carte", "no_de_carte"),
            help=gettext_lazy(
                "Numéro de la carte déjà donnée ; vide : le numéro suivant. Unique dans la "
                "coopération."
            ),
            example="ROM-2018-00042",
        ),
        *(
            dataclass_replace(
                column,
                help=MEMBERSHIP_NAME_HELP[column.key][0],
                example=MEMBERSHIP_NAME_HELP[column.key][1],
            )
            for column in name_columns()
        ),
        Column(
            "foyer",
            aliases=("nom_du_foyer", "famille"),
            help=gettext_lazy("Nom du foyer (adhésion familiale), à la place du prénom et du nom."),
            example="Famille Dupont",
        ),
        Column(
            "maison",
            required=True,
            aliases=("prise_a", "maison_d_adhesion"),
            help=gettext_lazy("Maison où l'adhésion a été prise : son nom ou son nom court."),
            example="A",
        ),
        Column(
            "periode",
            aliases=("periode_d_adhesion", "annee"),
            help=gettext_lazy(
                "Période dont l'adhésion paie le tarif ; vide : celle qui contient le début "
                "(créée selon les règles d'adhésion si elle manque)."
            ),
            example="2018",
        ),
        Column(
            "paiement",
            required=True,
            aliases=("mode_de_paiement", "moyen_de_paiement", "reglement"),
            help=gettext_lazy("espèces, chèque, carte (CB), virement ou gratuit."),
            example="chèque",
        ),
        Column(
            "montant",
            aliases=("montant_eur", "montant_paye", "montant_paye_eur", "cotisation"),
            help=gettext_lazy(
                "Montant payé en euros ; vide : calculé par la grille de tarifs et le quotient "
                "familial ; 0 : gratuit."
            ),
            example="12,50",
        ),
        Column(
            "debut",
            aliases=(
                "date_debut",
                "date_de_debut",
                "valable_du",
                "valable_a_partir_du",
                "date_adhesion",
                "date_d_adhesion",
            ),
            help=gettext_lazy(
                "Premier jour de validité, JJ/MM/AAAA (le jour de l'adhésion) ; vide : début de "
                "la période."
            ),
            example="15/06/2018",
        ),
        Column(
            "fin",
            aliases=(
                "date_fin",
                "date_de_fin",
                "valable_jusqu_au",
                "valable_jusqu_a",
                "date_d_expiration",
                "expiration",
                "fin_de_validite",
            ),
            help=gettext_lazy(
                "Dernier jour de validité, JJ/MM/AAAA ; vide : selon les règles d'adhésion (fin "
                "de la période, ou 12 mois après le début pour une adhésion de date à date)."
            ),
            example="14/06/2019",
        ),
    )
    field_columns = {
        "card_number": "carte",
        "fee_cents": "montant",
        "payment_method": "paiement",
        "valid_from": "debut",
        "valid_until": "fin",
        "house": "maison",
        "period": "periode",
    }
    count_labels = {"memberships": gettext_lazy("adhésions enregistrées")}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.cards: dict[str, int] = {}
        self._allowed: dict[int, bool] = {}
        self.rules = membership_services.rules_of(self.cooperation)

    def check_columns(self, keys):
        if not ({"prenom", "nom"} <= keys or "foyer" in keys):
            return [
                _(
                    "Il faut les colonnes « prenom » et « nom » (adhésion individuelle) ou la colonne "
                    "« foyer » (adhésion familiale)."
                )
            ]
        if not keys & {"periode", "debut"}:
            return [_("Il faut la colonne « periode » ou la colonne « debut ».")]
        return []

    def find_period(self, value: Cell) -> MembershipPeriod | None:
        text = as_text(value)
        if not text:
            return None
        # Read each time: a period opened by a refused row is gone with it.
        periods = {
            words_of(p.name): p
            for p in MembershipPeriod.objects.filter(cooperation=self.cooperation)
        }
        period = periods.get(words_of(text))
        if period is None:
            known = [
                p.name for p in sorted(periods.values(), key=lambda p: p.start, reverse=True)[:6]
            ]
            raise ValueError(
                _(
                    "Période d'adhésion « %(v)s » inconnue. Périodes connues : %(known)s. "
                    "Laissez la colonne periode vide pour que Coopé l'ouvre d'après les dates "
                    "et les règles d'adhésion, ou ajoutez la période dans la feuille "
                    "« Périodes et tarifs »."
                )
                % {"v": text, "known": ", ".join(known) or _("aucune")}
            )
        return period

    def period_of_dates(self, start: datetime.date, end: datetime.date | None) -> MembershipPeriod:
        """The period of a membership from its dates: the one that contains its first day, or
        the next one when it was taken in the last weeks and runs past the end (as the front
        desk offers it). Not yet created when the rules give it (`take_membership` opens it)."""
        current = membership_services.planned_period(self.cooperation, start)
        if end is not None and end > current.end and self.rules.offers_next(current, start):
            return membership_services.planned_period(
                self.cooperation, current.end + datetime.timedelta(days=1)
            )
        return current

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
                            "Vous ne pouvez pas enregistrer d'adhésion à %(h)s : ce n'est pas "
                            "une maison de votre association. Donnez-vous un rôle dans son "
                            "association (feuille « Comptes et rôles », ou Configuration › "
                            "Comptes et rôles), puis importez de nouveau."
                        )
                        % {"h": house},
                    )
                )
        period = take("periode", self.find_period)
        start = take("debut", parse_date)
        end = take("fin", parse_date)
        if start is not None and end is not None and end < start:
            problems.append(
                (
                    "fin",
                    _("La fin (%(e)s) est avant le début (%(s)s).")
                    % {"e": _day(end), "s": _day(start)},
                )
            )
        elif period is None and start is not None:
            period = self.period_of_dates(start, end)
        elif period is None and not [k for k, _m in problems if k in ("periode", "debut")]:
            problems.append(
                ("periode", _("Indiquez la période d'adhésion (ex. 2018) ou la date de début."))
            )
        elif period is not None and start is not None:
            opens = self.rules.opens_on(period)
            if not opens <= start <= period.end:
                problems.append(
                    (
                        "debut",
                        _("Le %(d)s n'est pas dans la période %(p)s (du %(s)s au %(e)s).")
                        % {
                            "d": _day(start),
                            "p": period,
                            "s": _day(period.start),
                            "e": _day(period.end),
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

        valid_from = start or period.start
        existing = (
            Membership.objects.filter(card_number=card).first()
            if card
            else Membership.objects.filter(
                person=person, household=household, valid_from=valid_from
            ).first()
        )
        if existing is not None:
            self.same_membership(
                existing,
                holder=person or household,
                house=house,
                period=period if as_text(values.get("periode")) else None,
                payment=payment,
                fee_cents=fee_cents,
                valid_from=valid_from,
                valid_until=end,
            )
            self.already_present()
            return
        try:
            membership_services.take_membership(
                actor=self.actor,
                house=house,
                period=period,
                payment_method=payment,
                person=person,
                household=household,
                fee_cents=fee_cents,
                valid_from=valid_from,
                valid_until=end,
                card_number=card or None,
            )
        except ValidationError as error:
            raise Problems(
                [(self.column_of(message, fee_cents), message) for message in error.messages]
            ) from error
        if card:
            self.cards[card] = number
        self.counts["memberships"] += 1

    # The service's messages and the column they are about.
    SERVICE_COLUMNS = (
        ("fin de validité", "fin"),
        ("dure au plus", "fin"),
        ("date de début", "debut"),
        ("montant va de", "montant"),
        ("numéro de carte", "carte"),
        ("Gratuit", "paiement"),
    )

    def column_of(self, message: str, fee_cents: int | None) -> str:
        if fee_cents is None and "tarif" in message:
            return "montant"
        return next((column for words, column in self.SERVICE_COLUMNS if words in message), "")

    def same_membership(self, existing: Membership, *, holder, house, period, payment, **given):
        """The row names a membership already in Coopé: nothing to write when it says the same
        (what the row leaves empty is not compared); otherwise Problems saying what differs."""
        said = _("La carte %(c)s est déjà dans Coopé") % {"c": existing.card_number}
        problems = []
        if existing.holder != holder:
            problems.append(
                ("carte", _("%(said)s, pour %(h)s.") % {"said": said, "h": existing.holder})
            )

        def differs(column, old, new, shown):
            if new is not None and old != new:
                problems.append(
                    (
                        column,
                        _("%(said)s avec « %(old)s » ; le fichier dit « %(new)s ».")
                        % {"said": said, "old": shown(old), "new": shown(new)},
                    )
                )

        differs("maison", existing.house, house, str)
        # A membership of 0 € is recorded as free whatever the file says (take_membership):
        # the same row read again is the same, not a difference.
        fee = existing.fee_cents if given["fee_cents"] is None else given["fee_cents"]
        payment_as_recorded = PaymentMethod.FREE if fee == 0 else payment
        differs(
            "paiement",
            existing.payment_method,
            payment_as_recorded,
            lambda v: PaymentMethod(v).label,
        )
        differs("periode", existing.period, period, str)
        differs("montant", existing.fee_cents, given["fee_cents"], _euros)
        differs("debut", existing.valid_from, given["valid_from"], _day)
        differs("fin", existing.valid_until, given["valid_until"], _day)
        if problems:
            raise Problems(problems)
