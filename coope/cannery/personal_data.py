"""A person's cannery records in their personal-data export, and anonymisation (declared in
apps.py).

What concerns a person: the jars given or sold to them (as the registered person, the payer in
hours, or the buyer written by name), and, when a producer is that person (the farm's contact
or name is theirs), the producer and its collections. Anonymisation replaces their name in
those records' texts (buyer, precision, the producer's name and contact) and clears such a
producer's phone; jars, weights, prices and communes stay: the figures do not move."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coope.cannery.models import Collection, Movement, Producer
from coope.people.privacy import names_of, scrub_name, scrub_records

SECTIONS = ("bocaux_recus_ou_achetes", "producteur", "collectes")
LABELS = {
    "bocaux_recus_ou_achetes": _("Conserverie : bocaux reçus ou achetés"),
    "producteur": _("Conserverie : producteur"),
    "collectes": _("Conserverie : collectes"),
    "date": _("Date"),
    "mouvement": _("Mouvement"),
    "lot": _("Lot"),
    "bocaux": _("Bocaux"),
    "prix_centimes": _("Prix (centimes)"),
    "minutes": _("Minutes de TIC-TAC"),
    "acheteur": _("Acheteur·se"),
    "precision": _("Précision"),
    "ferme": _("Ferme"),
    "commune": _("Commune"),
    "contact": _("Contact"),
    "telephone": _("Téléphone"),
    "produit": _("Produit"),
    "variete": _("Variété"),
    "poids_grammes": _("Poids (grammes)"),
    "don_ou_achat": _("Don ou achat"),
}


def _full_names(person) -> list[str]:
    return [n for n in names_of(person) if " " in n]


def _named(text: str, names: list[str]) -> bool:
    return bool(text) and scrub_name(text, names, "\0") != text


def movements_of(person) -> list[Movement]:
    """Movements where the person is the one who received, bought or paid (by record or name)."""
    full = _full_names(person)
    by_name = [
        m.pk
        for m in Movement.objects.filter(person__isnull=True).exclude(buyer="").only("pk", "buyer")
        if _named(m.buyer, full)
    ]
    return list(
        Movement.objects.filter(Q(person=person) | Q(pk__in=by_name))
        .select_related("lot")
        .order_by("date", "pk")
    )


def producers_of(person) -> list[Producer]:
    """Producers that are the person: their contact (or the farm's name) is the person's name."""
    full = _full_names(person)
    return [
        p
        for p in Producer.objects.order_by("pk")
        if _named(p.contact, full) or _named(p.name, full)
    ]


def export_person(person) -> dict:
    producers = producers_of(person)
    return {
        "bocaux_recus_ou_achetes": [
            {
                "date": m.date.isoformat(),
                "mouvement": {"code": m.kind, "libelle": str(m.get_kind_display())},
                "lot": m.lot.code,
                "bocaux": m.jars,
                "prix_centimes": m.price_cents,
                "minutes": m.minutes,
                "acheteur": m.buyer,
                "precision": m.note,
            }
            for m in movements_of(person)
        ],
        "producteur": [
            {"ferme": p.name, "commune": p.commune, "contact": p.contact, "telephone": p.phone}
            for p in producers
        ],
        "collectes": [
            {
                "date": c.date.isoformat(),
                "ferme": c.producer.name,
                "produit": c.produce,
                "variete": c.variety,
                "poids_grammes": c.weight_grams,
                "don_ou_achat": {
                    "code": c.acquisition,
                    "libelle": str(c.get_acquisition_display()),
                },
                "prix_centimes": c.price_cents,
            }
            for c in Collection.objects.filter(producer__in=producers)
            .select_related("producer")
            .order_by("date", "pk")
        ],
    }


def anonymise_person(*, actor, person, old_label: str, new_label: str) -> None:
    names = names_of(person)
    scrub_records(movements_of(person), ["buyer", "note"], names, new_label)
    producers = producers_of(person)
    scrub_records(producers, ["name", "contact"], names, new_label)
    if producers:
        Producer.objects.filter(pk__in=[p.pk for p in producers]).update(phone="")
