"""A person's TIC-TAC account in their personal-data export, and anonymisation (declared in
apps.py).

The export holds the account (balance, limits), its statement (every entry), the exchanges the
person gave or received, their offers and requests, holds and notices. Anonymisation replaces
the person's name in the free texts of those records that can change: exchange descriptions,
offers and requests, holds, notices. The ledger (transfers and entries) is append-only and is
never rewritten: its memos are written without names (see timebank.services), but a memo or a
reversal reason typed by a person keeps what was typed. Minutes never change: the figures and
the balances stay."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coope.people.privacy import names_of, scrub_records
from coope.timebank.models import Account, Entry, Exchange, Hold, Listing, Notice

SECTIONS = (
    "compte_tic_tac",
    "releve_tic_tac",
    "echanges_de_services",
    "offres_et_demandes",
    "reservations_tic_tac",
    "avis_tic_tac",
)
LABELS = {
    "compte_tic_tac": _("Compte TIC-TAC"),
    "releve_tic_tac": _("Relevé TIC-TAC"),
    "echanges_de_services": _("Échanges de services"),
    "offres_et_demandes": _("Offres et demandes"),
    "reservations_tic_tac": _("Réservations de temps"),
    "avis_tic_tac": _("Avis TIC-TAC"),
    "numero": _("Compte n°"),
    "ouvert_le": _("Ouvert le"),
    "ferme_le": _("Fermé le"),
    "solde_minutes": _("Solde (minutes)"),
    "solde_minimum_minutes": _("Solde minimum propre (minutes)"),
    "solde_maximum_minutes": _("Solde maximum propre (minutes)"),
    "le": _("Le"),
    "nature": _("Nature"),
    "minutes": _("Minutes"),
    "libelle": _("Libellé"),
    "motif": _("Motif"),
    "date": _("Date"),
    "role": _("Rôle"),
    "autre_compte": _("Autre compte"),
    "categorie": _("Catégorie"),
    "description": _("Description"),
    "etat": _("État"),
    "type": _("Type"),
    "en_cours": _("En cours"),
    "message": _("Message"),
}


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _choice(code, label) -> dict:
    return {"code": code, "libelle": str(label)}


def export_person(person) -> dict:
    account = Account.objects.filter(person=person).first()
    notices = [
        {"le": _when(n.created_at), "message": n.message}
        for n in Notice.objects.filter(person=person).order_by("created_at", "pk")
    ]
    if account is None:
        return {key: [] for key in SECTIONS} | {"avis_tic_tac": notices}
    entries = (
        Entry.objects.filter(account=account)
        .select_related("transfer")
        .order_by("transfer__created_at", "pk")
    )
    exchanges = (
        Exchange.objects.filter(Q(provider=account) | Q(receiver=account))
        .select_related("category")
        .order_by("performed_on", "pk")
    )
    return {
        "compte_tic_tac": [
            {
                "numero": account.pk,
                "ouvert_le": _when(account.opened_at),
                "ferme_le": _when(account.closed_at),
                "solde_minutes": account.balance_minutes,
                "solde_minimum_minutes": account.min_balance_minutes,
                "solde_maximum_minutes": account.max_balance_minutes,
            }
        ],
        "releve_tic_tac": [
            {
                "le": _when(e.transfer.created_at),
                "nature": _choice(e.transfer.kind, e.transfer.get_kind_display()),
                "minutes": e.amount_minutes,
                "libelle": e.transfer.memo,
                "motif": e.transfer.reason,
            }
            for e in entries
        ],
        "echanges_de_services": [
            {
                "date": x.performed_on.isoformat(),
                "role": str(_("a rendu le service"))
                if x.provider_id == account.pk
                else str(_("a reçu le service")),
                "autre_compte": x.receiver_id if x.provider_id == account.pk else x.provider_id,
                "categorie": x.category.name,
                "description": x.description,
                "minutes": x.minutes,
                "etat": _choice(x.status, x.get_status_display()),
            }
            for x in exchanges
        ],
        "offres_et_demandes": [
            {
                "le": _when(item.created_at),
                "type": _choice(item.kind, item.get_kind_display()),
                "categorie": item.category.name,
                "description": item.description,
                "en_cours": item.active,
            }
            for item in Listing.objects.filter(account=account)
            .select_related("category")
            .order_by("created_at", "pk")
        ],
        "reservations_tic_tac": [
            {
                "le": _when(h.created_at),
                "minutes": h.minutes,
                "libelle": h.memo,
                "etat": _choice(h.status, h.get_status_display()),
            }
            for h in Hold.objects.filter(account=account).order_by("created_at", "pk")
        ],
        "avis_tic_tac": notices,
    }


def anonymise_person(*, actor, person, old_label: str, new_label: str) -> None:
    names = names_of(person)
    scrub_records(list(Notice.objects.filter(person=person)), ["message"], names, new_label)
    account = Account.objects.filter(person=person).first()
    if account is None:
        return
    scrub_records(
        list(Exchange.objects.filter(Q(provider=account) | Q(receiver=account))),
        ["description"],
        names,
        new_label,
    )
    scrub_records(list(Listing.objects.filter(account=account)), ["description"], names, new_label)
    scrub_records(list(Hold.objects.filter(account=account)), ["memo"], names, new_label)
