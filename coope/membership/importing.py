"""Importing membership periods and their fee grids from a spreadsheet (kind « periods »).

One row per tier of a fee grid: the period (name and dates) and one tier (kind, family-quotient
band, amount in euros). The period is created at its first row; a row already in Coopé is
« déjà présente »; a row that says otherwise than Coopé is reported, never overwritten."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.imports import (
    Column,
    Importer,
    Problems,
    as_text,
    choices_table,
    parse_choice,
    parse_date,
    parse_euros,
    parse_whole_number,
    take_cell,
    words_of,
)
from coope.membership import services
from coope.membership.models import FeeRule, MemberKind, MembershipPeriod

KINDS = choices_table(
    MemberKind.choices,
    {
        "individuel": "individual",
        "individuelle": "individual",
        "personne": "individual",
        "familial": "household",
        "familiale": "household",
        "famille": "household",
        "foyer": "household",
    },
)


def _day(value) -> str:
    return f"{value:%d/%m/%Y}"


class PeriodImporter(Importer):
    """One row per fee tier of a period; a row with the period alone creates it without tiers."""

    kind = "periods"
    other_names = ("periodes", "baremes", "tarifs")
    label = gettext_lazy("Périodes et tarifs d'adhésion")
    depends_on = ()
    columns = (
        Column(
            "periode",
            required=True,
            aliases=("nom_de_la_periode", "periode_d_adhesion", "annee"),
            help=gettext_lazy(
                "Nom de la période d'adhésion, le même sur chaque ligne de ses tarifs."
            ),
            example="2019",
        ),
        Column(
            "debut",
            required=True,
            aliases=("date_debut", "date_de_debut", "du"),
            help=gettext_lazy("Premier jour de la période, JJ/MM/AAAA."),
            example="01/01/2019",
        ),
        Column(
            "fin",
            required=True,
            aliases=("date_fin", "date_de_fin", "au"),
            help=gettext_lazy(
                "Dernier jour de la période, JJ/MM/AAAA ; deux périodes ne se chevauchent pas."
            ),
            example="31/12/2019",
        ),
        Column(
            "type",
            aliases=("type_d_adhesion", "adhesion"),
            help=gettext_lazy(
                "individuelle ou familiale ; vide (avec le montant vide) : la période seule."
            ),
            example="familiale",
        ),
        Column(
            "qf_min",
            aliases=("qf_a_partir_de", "quotient_min", "qf_de"),
            help=gettext_lazy(
                "Quotient familial à partir duquel le tarif vaut, en euros ; vide : dès 0."
            ),
            example="301",
        ),
        Column(
            "qf_max",
            aliases=("qf_jusqu_a", "quotient_max", "qf_a"),
            help=gettext_lazy(
                "Quotient familial jusqu'auquel le tarif vaut (compris) ; vide : sans maximum "
                "(c'est aussi le tarif quand le QF n'est pas connu)."
            ),
            example="700",
        ),
        Column(
            "montant",
            aliases=("montant_eur", "tarif", "cotisation"),
            help=gettext_lazy("Montant en euros, de 0 (gratuit) à 9 999,99."),
            example="12,50",
        ),
        Column(
            "libelle",
            aliases=("label", "intitule"),
            help=gettext_lazy("Libellé affiché à l'accueil (facultatif)."),
            example="Familiale QF 301-700",
        ),
    )
    field_columns = {
        "name": "periode",
        "start": "debut",
        "end": "fin",
        "kind": "type",
        "quotient_min": "qf_min",
        "quotient_max": "qf_max",
        "amount_cents": "montant",
        "label": "libelle",
    }
    count_labels = {
        "periods": gettext_lazy("périodes créées"),
        "fee_rules": gettext_lazy("tarifs enregistrés"),
    }

    def check_columns(self, keys):
        if not self.can("membership.configure"):
            return [_("Seule une direction importe les périodes et les tarifs d'adhésion.")]
        return []

    def import_row(self, number, values):
        problems: list[tuple[str, str]] = []

        def take(key, parse):
            return take_cell(values, key, parse, problems)

        name = as_text(values.get("periode"))
        start, end = take("debut", parse_date), take("fin", parse_date)
        kind = take(
            "type", lambda v: parse_choice(v, KINDS, _("« individuelle » ou « familiale »"))
        )
        low, high = take("qf_min", parse_whole_number), take("qf_max", parse_whole_number)
        amount = take("montant", parse_euros)
        label = as_text(values.get("libelle"))
        if not name:
            problems.append(("periode", _("Le nom de la période manque (ex. 2019).")))
        for key, value in (("debut", start), ("fin", end)):
            if value is None and not [k for k, _m in problems if k == key]:
                problems.append((key, _("La date manque : écrivez-la JJ/MM/AAAA.")))
        if start is not None and end is not None and end < start:
            problems.append(
                (
                    "fin",
                    _("La fin (%(e)s) est avant le début (%(s)s).")
                    % {"e": _day(end), "s": _day(start)},
                )
            )
        has_tier = bool(as_text(values.get("type")) or as_text(values.get("montant")))
        if has_tier and kind is None and not [k for k, _m in problems if k == "type"]:
            problems.append(("type", _("Le type manque : « individuelle » ou « familiale ».")))
        if has_tier and amount is None and not [k for k, _m in problems if k == "montant"]:
            problems.append(("montant", _("Le montant manque (0 pour gratuit).")))
        if problems:
            raise Problems(problems)

        # A service's ValidationError names its fields: the import puts it in their columns.
        row = None
        if has_tier:
            row = services.FeeRow(kind, low, high, amount, label)
            services.check_fee_row(row)
        period = self._period(name, start, end)
        if row is None:
            if period is None:
                self._create_period(name, start, end)
            else:
                self.already_present()
            return
        same = (
            FeeRule.objects.filter(
                period=period, kind=kind, quotient_min=low, quotient_max=high
            ).first()
            if period is not None
            else None
        )
        if same is not None:
            self._check_same_rule(same, row)
            self.already_present()
            return
        if period is None:
            period = self._create_period(name, start, end)
        services.add_fee_rule(actor=self.actor, period=period, row=row)
        self.counts["fee_rules"] += 1

    def _period(self, name, start, end) -> MembershipPeriod | None:
        """The period of that name in Coopé, which must have the row's dates; None when absent."""
        wanted = words_of(name)
        for period in MembershipPeriod.objects.filter(cooperation=self.cooperation):
            if words_of(period.name) != wanted:
                continue
            if (period.start, period.end) != (start, end):
                raise Problems(
                    [
                        (
                            "debut" if period.start != start else "fin",
                            _(
                                "La période « %(p)s » existe déjà dans Coopé du %(s)s au %(e)s ; "
                                "le fichier dit du %(fs)s au %(fe)s. Corrigez le fichier, ou la "
                                "période dans Configuration."
                            )
                            % {
                                "p": period.name,
                                "s": _day(period.start),
                                "e": _day(period.end),
                                "fs": _day(start),
                                "fe": _day(end),
                            },
                        )
                    ]
                )
            return period
        return None

    def _create_period(self, name, start, end) -> MembershipPeriod:
        period = services.create_period(
            actor=self.actor, cooperation=self.cooperation, name=name, start=start, end=end
        )
        self.counts["periods"] += 1
        return period

    def _check_same_rule(self, rule: FeeRule, row: services.FeeRow) -> None:
        """The tier of the same band is in Coopé: the same amount (and label, when the file
        gives one), or the row is reported."""
        problems = []
        if rule.amount_cents != row.amount_cents:
            problems.append(
                (
                    "montant",
                    _(
                        "Ce tarif est déjà dans Coopé à %(old)s ; le fichier dit %(new)s. "
                        "Corrigez le fichier, ou la grille dans Configuration."
                    )
                    % {"old": _euros(rule.amount_cents), "new": _euros(row.amount_cents)},
                )
            )
        if row.label and rule.label != row.label:
            problems.append(
                (
                    "libelle",
                    _(
                        "Ce tarif est déjà dans Coopé avec le libellé %(old)s ; le fichier dit « %(new)s »."
                    )
                    % {"old": f"« {rule.label} »" if rule.label else _("vide"), "new": row.label},
                )
            )
        if problems:
            raise Problems(problems)


def _euros(cents: int) -> str:
    return f"{cents / 100:.2f} €".replace(".", ",")
