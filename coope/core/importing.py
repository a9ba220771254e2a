"""Importing the cooperation itself: its associations, houses, and staff accounts with their roles
(docs/imports.md, « Associations », « Maisons », « Comptes et rôles »).

The rules are the framework's (coope/imports/): every bad row reported with its row, column and
reason, nothing half-written. The writes go through coope/core/services.py (audited). Re-importing
is safe: an association or a house found by its name, an account by its username, with the same
content, is « déjà présente »; with another content it is reported, and nothing is overwritten.

Accounts are created without a usable password: no password travels in a spreadsheet. The
director gives each one an initial password in the setup screens (« Configuration », « Comptes
et rôles »). Only a director (`cooperation.configure`) imports these kinds.

The importers are declared in coope/core/apps.py (`import_kinds`).
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.core import services
from coope.core.import_rows import differences, parse_yes_no, text_of
from coope.core.models import Association, House, User, colour_validator
from coope.core.permissions import Role
from coope.imports import (
    Column,
    Importer,
    Problems,
    as_text,
    choices_table,
    parse_choice,
    take_cell,
    words_of,
)
from coope.lib.spreadsheets import Cell

ROLES = choices_table(
    Role.choices,
    {
        "directeur": Role.DIRECTOR,
        "directrice": Role.DIRECTOR,
        "coordinateur": Role.COORDINATOR,
        "coordinatrice": Role.COORDINATOR,
        "agent d accueil": Role.RECEPTION,
        "hotesse d accueil": Role.RECEPTION,
        "benevole": Role.VOLUNTEER,
        "evaluation": Role.EVALUATOR,
        "charge d evaluation": Role.EVALUATOR,
        "chargee d evaluation": Role.EVALUATOR,
    },
)
ROLE_NAMES = gettext_lazy("direction, coordination, accueil, bénévole ou évaluation")


class _Configuration(Importer):
    """The cooperation's own records: a director's, as in the setup screens."""

    def check_columns(self, keys):
        if not self.can("cooperation.configure"):
            return [
                _(
                    "Seule la direction configure la coopération (associations, maisons, comptes) : "
                    "demandez-lui d'importer ce fichier."
                )
            ]
        return []

    def associations(self) -> dict[str, Association]:
        return {
            words_of(a.name): a for a in Association.objects.filter(cooperation=self.cooperation)
        }

    def find_association(self, value: Cell) -> Association | None:
        text = as_text(value)
        if not text:
            return None
        known = self.associations()
        if words_of(text) not in known:
            raise ValueError(
                _(
                    "Association « %(v)s » inconnue. Associations de la coopération : %(k)s. "
                    "Importez-la d'abord (import « associations »)."
                )
                % {"v": text, "k": ", ".join(sorted(a.name for a in known.values())) or _("aucune")}
            )
        return known[words_of(text)]


class AssociationImporter(_Configuration):
    kind = "associations"
    other_names = ("associations_membres",)
    label = gettext_lazy("Associations membres")
    columns = (
        Column(
            "nom",
            required=True,
            aliases=("association", "nom_de_l_association", "raison_sociale"),
            help=gettext_lazy("Nom de l'association, tel qu'on le lira dans Coopé."),
            example="MJC Robert Martin",
        ),
        Column(
            "adresse",
            aliases=("siege", "adresse_du_siege"),
            help=gettext_lazy("Adresse du siège ; vide : aucune."),
            example="2 rue Jean Moulin, 26400 Crest",
        ),
    )
    field_columns = {"name": "nom", "address": "adresse"}
    count_labels = {"associations": gettext_lazy("associations créées")}

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []
        name = text_of(values, "nom", 200, problems)
        if not name:
            problems.append(("nom", _("Le nom de l'association manque.")))
        address = text_of(values, "adresse", 300, problems)
        if problems:
            raise Problems(problems)
        existing = self.associations().get(words_of(name))
        if existing is not None and address and not existing.address:
            # The association created with the cooperation has no address yet: the row
            # completes it (nothing said before is overwritten).
            services.update_association(actor=self.actor, association=existing, address=address)
            self.counts["associations"] += 1
            return
        if existing is not None:
            found = differences(
                _("L'association « %(a)s »") % {"a": existing},
                [("adresse", _("l'adresse"), existing.address, address or None)],
            )
            if found:
                raise Problems(found)
            self.already_present()
            return
        services.create_association(
            actor=self.actor, cooperation=self.cooperation, name=name, address=address
        )
        self.counts["associations"] += 1


def parse_colour(value: Cell) -> str | None:
    """'#e4572e', 'E4572E' -> '#E4572E'; empty -> None."""
    text = as_text(value).replace(" ", "")
    if not text:
        return None
    colour = ("#" + text.lstrip("#")).upper()
    try:
        colour_validator(colour)
    except ValidationError:
        raise ValueError(
            _("« %(v)s » n'est pas une couleur : écrivez-la #RRGGBB, ex. #E4572E.")
            % {"v": as_text(value)}
        ) from None
    return colour


def parse_postcode(value: Cell) -> str | None:
    """Five digits; a number cell that lost its leading zero (1000) gets it back."""
    text = as_text(value).replace(" ", "")
    if not text:
        return None
    if re.fullmatch(r"\d{4}", text):
        text = text.zfill(5)
    if not re.fullmatch(r"\d{5}", text):
        raise ValueError(
            _("« %(v)s » n'est pas un code postal : 5 chiffres, ex. 26100.") % {"v": as_text(value)}
        )
    return text


class HouseImporter(_Configuration):
    kind = "houses"
    other_names = ("maisons", "maisons_de_quartier")
    label = gettext_lazy("Maisons de quartier")
    depends_on = ("associations",)
    columns = (
        Column(
            "association",
            required=True,
            aliases=("association_gestionnaire", "geree_par"),
            help=gettext_lazy("L'association qui gère la maison (son nom)."),
            example="MJC Robert Martin",
        ),
        Column(
            "nom",
            required=True,
            aliases=("maison", "nom_de_la_maison"),
            help=gettext_lazy("Nom de la maison (200 caractères au plus)."),
            example="Maison de quartier des Tilleuls",
        ),
        Column(
            "nom_court",
            required=True,
            aliases=("abreviation", "sigle"),
            help=gettext_lazy(
                "Nom court (40 caractères au plus), propre à la maison : les autres imports "
                "l'acceptent à la place du nom."
            ),
            example="Les Tilleuls",
        ),
        Column(
            "adresse",
            required=True,
            help=gettext_lazy("Adresse de la maison."),
            example="1 place des Tilleuls",
        ),
        Column(
            "code_postal",
            required=True,
            aliases=("cp",),
            help=gettext_lazy("Code postal, 5 chiffres."),
            example="26100",
        ),
        Column(
            "commune",
            required=True,
            aliases=("ville",),
            help=gettext_lazy("Commune de la maison."),
            example="Crest",
        ),
        Column(
            "telephone",
            aliases=("tel", "téléphone"),
            help=gettext_lazy("Téléphone de l'accueil ; vide : aucun."),
            example="04 75 00 00 00",
        ),
        Column(
            "couleur",
            aliases=("couleur_de_la_maison",),
            help=gettext_lazy(
                "Couleur de la maison dans les documents et l'agenda, #RRGGBB ; vide : #3A6EA5."
            ),
            example="#E4572E",
        ),
        Column(
            "qpv",
            aliases=("quartier_prioritaire", "en_qpv"),
            help=gettext_lazy(
                "oui : dans un quartier prioritaire de la politique de la ville ; vide : non."
            ),
            example="oui",
        ),
    )
    field_columns = {
        "association": "association",
        "name": "nom",
        "short_name": "nom_court",
        "address": "adresse",
        "postcode": "code_postal",
        "city": "commune",
        "phone": "telephone",
        "colour": "couleur",
    }
    count_labels = {"houses": gettext_lazy("maisons créées")}

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []

        def take(key, parse):
            return take_cell(values, key, parse, problems)

        association = take("association", self.find_association)
        name = text_of(values, "nom", 200, problems)
        short_name = text_of(values, "nom_court", 40, problems)
        address = text_of(values, "adresse", 300, problems)
        postcode = take("code_postal", parse_postcode)
        city = text_of(values, "commune", 100, problems)
        phone = text_of(values, "telephone", 30, problems)
        colour = take("couleur", parse_colour)
        priority_area = take("qpv", parse_yes_no)
        for key, given, missing in (
            ("association", as_text(values.get("association")), _("L'association manque.")),
            ("nom", name, _("Le nom de la maison manque.")),
            ("nom_court", short_name, _("Le nom court manque (ex. Les Tilleuls).")),
            ("adresse", address, _("L'adresse manque.")),
            ("code_postal", as_text(values.get("code_postal")), _("Le code postal manque.")),
            ("commune", city, _("La commune manque.")),
        ):
            if not given:
                problems.append((key, missing))
        houses = list(House.objects.filter(cooperation=self.cooperation))
        existing = next((h for h in houses if words_of(h.name) == words_of(name)), None)
        namesake = next(
            (
                h
                for h in houses
                if h != existing
                and words_of(short_name) in (words_of(h.short_name), words_of(h.name))
            ),
            None,
        )
        if short_name and namesake is not None:
            problems.append(
                (
                    "nom_court",
                    _("« %(s)s » désigne déjà %(h)s : choisissez un autre nom court.")
                    % {"s": short_name, "h": namesake},
                )
            )
        if problems:
            raise Problems(problems)
        if existing is not None:
            found = differences(
                _("La maison « %(h)s »") % {"h": existing},
                [
                    ("association", _("l'association"), existing.association, association),
                    ("nom_court", _("le nom court"), existing.short_name, short_name),
                    ("adresse", _("l'adresse"), existing.address, address),
                    ("code_postal", _("le code postal"), existing.postcode, postcode),
                    ("commune", _("la commune"), existing.city, city),
                    ("telephone", _("le téléphone"), existing.phone, phone or None),
                    ("couleur", _("la couleur"), existing.colour, colour),
                    ("qpv", _("« QPV »"), existing.priority_area, priority_area),
                ],
            )
            if found:
                raise Problems(found)
            self.already_present()
            return
        house = House(
            cooperation=self.cooperation,
            association=association,
            name=name,
            short_name=short_name,
            address=address,
            postcode=postcode,
            city=city,
            phone=phone,
            priority_area=bool(priority_area),
        )
        if colour:
            house.colour = colour
        services.save_house(actor=self.actor, house=house)
        self.counts["houses"] += 1


class StaffImporter(_Configuration):
    """One row per account and role: an account with two roles has two rows."""

    kind = "staff"
    other_names = ("comptes", "equipe", "roles", "comptes_et_roles")
    label = gettext_lazy("Comptes et rôles de l'équipe")
    depends_on = ("associations",)
    columns = (
        Column(
            "identifiant",
            required=True,
            aliases=("nom_d_utilisateur", "login", "compte", "username"),
            help=gettext_lazy(
                "Identifiant de connexion (lettres, chiffres, . @ + - _). Le compte est créé sans "
                "mot de passe : la direction lui en donne un dans Configuration, Comptes et rôles."
            ),
            example="m.dupont",
        ),
        Column(
            "prenom",
            aliases=("prénom", "first_name"),
            help=gettext_lazy("Prénom de la personne."),
            example="Marie",
        ),
        Column(
            "nom",
            aliases=("nom_de_famille", "last_name"),
            help=gettext_lazy("Nom de la personne."),
            example="Dupont",
        ),
        Column(
            "courriel",
            aliases=("email", "e_mail", "mail", "adresse_mail"),
            help=gettext_lazy("Adresse courriel ; vide : aucune."),
            example="m.dupont@example.org",
        ),
        Column(
            "association",
            required=True,
            help=gettext_lazy("L'association où la personne a ce rôle (son nom)."),
            example="MJC Robert Martin",
        ),
        Column(
            "role",
            required=True,
            aliases=("rôle", "fonction"),
            help=gettext_lazy("direction, coordination, accueil, bénévole ou évaluation."),
            example="accueil",
        ),
    )
    field_columns = {
        "username": "identifiant",
        "first_name": "prenom",
        "last_name": "nom",
        "email": "courriel",
        "association": "association",
        "role": "role",
    }
    count_labels = {
        "accounts": gettext_lazy(
            "comptes créés (sans mot de passe : donnez-leur-en un dans Configuration, Comptes et "
            "rôles)"
        ),
        "roles": gettext_lazy("rôles donnés"),
    }

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []
        username = as_text(values.get("identifiant"))
        if not username:
            problems.append(("identifiant", _("L'identifiant manque.")))
        else:
            try:
                User.username_validator(username)
            except ValidationError:
                problems.append(
                    (
                        "identifiant",
                        _(
                            "« %(v)s » n'est pas un identifiant : lettres, chiffres et . @ + - _ "
                            "seulement, sans espace."
                        )
                        % {"v": username},
                    )
                )
            if len(username) > 150:
                problems.append(("identifiant", _("Identifiant trop long (150 caractères).")))
        first = text_of(values, "prenom", 150, problems)
        last = text_of(values, "nom", 150, problems)
        email = as_text(values.get("courriel"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(
                    ("courriel", _("« %(v)s » n'est pas une adresse courriel.") % {"v": email})
                )
        association = take_cell(values, "association", self.find_association, problems)
        if association is None and not as_text(values.get("association")):
            problems.append(("association", _("L'association manque.")))
        role = take_cell(values, "role", lambda v: parse_choice(v, ROLES, ROLE_NAMES), problems)
        if role is None and not as_text(values.get("role")):
            problems.append(("role", _("Le rôle manque : %(r)s.") % {"r": ROLE_NAMES}))
        account = User.objects.filter(username__iexact=username).first() if username else None
        if account is not None and account.cooperation_id != self.cooperation.pk:
            problems.append(
                (
                    "identifiant",
                    _("L'identifiant « %(u)s » est déjà pris : choisissez-en un autre.")
                    % {"u": username},
                )
            )
        if problems:
            raise Problems(problems)
        if account is None:
            account, _password = services.create_account(
                actor=self.actor,
                cooperation=self.cooperation,
                username=username,
                email=email,
                first_name=first,
                last_name=last,
                association=association,
                role=role,
            )
            # No password travels in a spreadsheet: the director gives one (setup screens).
            account.set_unusable_password()
            account.save(update_fields=["password"])
            self.counts["accounts"] += 1
            self.counts["roles"] += 1
            return
        found = differences(
            _("Le compte « %(u)s »") % {"u": account.username},
            [
                ("prenom", _("le prénom"), account.first_name, first or None),
                ("nom", _("le nom"), account.last_name, last or None),
                ("courriel", _("le courriel"), account.email, email or None),
            ],
        )
        if found:
            raise Problems(found)
        if account.staff_roles.filter(association=association, role=role).exists():
            self.already_present()
            return
        services.grant_role(actor=self.actor, user=account, association=association, role=role)
        self.counts["roles"] += 1
