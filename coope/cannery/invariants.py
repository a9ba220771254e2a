"""What `coope check` verifies in the cannery: cached quantities equal the sums they cache."""

from collections.abc import Iterable

from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from coope.cannery.models import (
    Batch,
    BatchInput,
    Collection,
    Lot,
    Movement,
    MovementKind,
    SterilisationRecord,
    StockLevel,
)
from coope.lib.invariants import invariant


def _sum(queryset, field: str):
    return Coalesce(
        Subquery(queryset.values(total=Sum(field))[:1], output_field=IntegerField()), Value(0)
    )


@invariant(_("Conserverie : chaque stock est la somme de ses mouvements, et n'est jamais négatif"))
def stock_levels_match_movements() -> Iterable[str]:
    moves = Movement.objects.order_by()
    incoming = moves.filter(lot=OuterRef("lot"), to_location=OuterRef("location")).values("lot")
    outgoing = moves.filter(lot=OuterRef("lot"), from_location=OuterRef("location")).values("lot")
    levels = StockLevel.objects.annotate(expected=_sum(incoming, "jars") - _sum(outgoing, "jars"))
    for level in levels.filter(~Q(jars=F("expected")) | Q(jars__lt=0)).select_related(
        "lot", "location"
    ):
        yield (
            f"Lot {level.lot.code} à {level.location} : le stock vaut {level.jars} bocaux, "
            f"les mouvements en donnent {level.expected}."
        )
    # A place that received jars but has no stock row at all.
    missing = (
        Movement.objects.filter(to_location__isnull=False)
        .exclude(lot__stock_levels__location=F("to_location"))
        .values("lot__code")
        .distinct()
    )
    for row in missing:
        yield f"Lot {row['lot__code']} : des bocaux sont entrés dans un lieu sans ligne de stock."


@invariant(
    _("Conserverie : chaque lot a autant de bocaux fabriqués que son mouvement « fabriqués »")
)
def lots_match_their_made_movement() -> Iterable[str]:
    made = Movement.objects.filter(lot=OuterRef("pk"), kind=MovementKind.MADE).values("lot")
    for lot in Lot.objects.annotate(made=_sum(made, "jars")).exclude(made=F("jars_made")):
        yield f"Lot {lot.code} : {lot.jars_made} bocaux fabriqués, mais {lot.made} entrés en stock."


@invariant(
    _(
        "Conserverie : le reste de chaque collecte est son poids moins ce que les fabrications ont pris"
    )
)
def collection_remainders() -> Iterable[str]:
    taken = BatchInput.objects.filter(collection=OuterRef("pk")).values("collection")
    collections = Collection.objects.annotate(taken=_sum(taken, "grams"))
    for collection in collections.filter(
        ~Q(remaining_grams=F("weight_grams") - F("taken")) | Q(taken__gt=F("weight_grams"))
    ):
        yield (
            f"Collecte {collection.pk} ({collection.produce}) : {collection.weight_grams} g, "
            f"{collection.taken} g utilisés, reste enregistré {collection.remaining_grams} g."
        )


@invariant(_("Conserverie : chaque fabrication libérée a une stérilisation conforme à son barème"))
def released_batches_were_sterilised() -> Iterable[str]:
    released = Batch.objects.filter(released_at__isnull=False)
    for batch in released.filter(sterilisation__isnull=True):
        yield f"Fabrication {batch.code} : libérée sans stérilisation enregistrée."
    outside = (
        SterilisationRecord.objects.filter(batch__in=released)
        .filter(
            Q(duration_minutes__lt=F("batch__recipe__sterilisation_minutes"))
            | Q(temperature_celsius__lt=F("batch__recipe__sterilisation_celsius"))
            | Q(closure_checked=False)
            | Q(ph__gt=F("batch__recipe__max_ph"))
        )
        .select_related("batch")
    )
    for record in outside:
        yield f"Fabrication {record.batch.code} : libérée avec une stérilisation hors barème."


@invariant(
    _("Conserverie : aucun bocal d'un lot rappelé ou non libéré n'a été vendu ou donné après coup")
)
def no_distribution_of_blocked_lots() -> Iterable[str]:
    distributed = Movement.objects.filter(
        kind__in=[
            MovementKind.GIVEN,
            MovementKind.RETURNED,
            MovementKind.SOLD_EUROS,
            MovementKind.SOLD_TIME,
        ]
    )
    early = distributed.filter(
        Q(lot__batch__released_at__isnull=True) | Q(created_at__lt=F("lot__batch__released_at"))
    )
    for movement in early.select_related("lot"):
        yield f"Lot {movement.lot.code} : mouvement {movement.pk} avant la libération de sa fabrication."
    late = distributed.filter(lot__recalled_at__isnull=False, created_at__gt=F("lot__recalled_at"))
    for movement in late.select_related("lot"):
        yield f"Lot {movement.lot.code} : mouvement {movement.pk} après son rappel."


@invariant(_("Conserverie : chaque vente en monnaie-temps a son virement TIC-TAC du même montant"))
def time_sales_have_their_transfer() -> Iterable[str]:
    sales = Movement.objects.filter(kind=MovementKind.SOLD_TIME)
    for movement in sales.filter(
        Q(transfer__isnull=True) | ~Q(transfer__amount_minutes=F("minutes"))
    ).select_related("lot"):
        yield (
            f"Lot {movement.lot.code} : la vente en monnaie-temps n°{movement.pk} ({movement.minutes} min) "
            f"n'a pas de virement TIC-TAC du même montant."
        )
