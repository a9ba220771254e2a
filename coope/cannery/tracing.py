"""Traceability both ways, and the quantified statement of a recall.

Each function follows indexed foreign keys from the one row it starts from (a handful of
queries, whatever the number of lots and movements in the database): never a scan of events.
"""

from dataclasses import dataclass, field

from django.db.models import Sum

from coope.cannery.models import (
    OUTGOING,
    BatchInput,
    Collection,
    Lot,
    Movement,
    MovementKind,
    StockLevel,
)


@dataclass
class LotTrace:
    lot: Lot
    inputs: list[BatchInput]  # with their collection and producer
    movements: list[Movement]  # with places, people, producers, sessions
    stock: list[StockLevel]  # places holding jars of the lot now

    @property
    def producers(self):
        seen = {}
        for item in self.inputs:
            seen.setdefault(item.collection.producer_id, item.collection.producer)
        return list(seen.values())

    @property
    def collections(self):
        return [item.collection for item in self.inputs]


def trace_lot(lot: Lot) -> LotTrace:
    """Upstream (batch, collections, producers) and downstream (every movement, the stock now)."""
    lot = Lot.objects.select_related(
        "batch__recipe", "batch__session__activity", "batch__session__house", "batch__sterilisation"
    ).get(pk=lot.pk)
    inputs = list(
        BatchInput.objects.filter(batch_id=lot.batch_id)
        .select_related("collection__producer", "collection__tour")
        .order_by("collection__date", "pk")
    )
    movements = list(
        Movement.objects.filter(lot=lot)
        .select_related("from_location", "to_location", "person", "producer", "session")
        .order_by("date", "pk")
    )
    stock = list(
        StockLevel.objects.filter(lot=lot, jars__gt=0)
        .select_related("location")
        .order_by("location__name")
    )
    return LotTrace(lot=lot, inputs=inputs, movements=movements, stock=stock)


def trace_collection(collection: Collection) -> list[BatchInput]:
    """Every batch the collection went into, with the grams taken and the batch's lots."""
    return list(
        BatchInput.objects.filter(collection=collection)
        .select_related("batch__recipe", "batch__session")
        .prefetch_related("batch__lots")
        .order_by("batch__made_on", "pk")
    )


def lots_of_collection(collection: Collection):
    return Lot.objects.filter(batch__inputs__collection=collection).distinct().order_by("code")


@dataclass
class PlaceLine:
    place: str
    by_kind: dict[str, int] = field(
        default_factory=dict
    )  # outgoing kind -> jars that left from here
    in_stock: int = 0


@dataclass
class RecallStatement:
    lot: Lot
    made: int
    totals: dict[str, int]  # outgoing kind -> jars
    in_stock: int
    places: list[PlaceLine]

    @property
    def accounted(self) -> int:
        """Everything that became of the jars made: it equals `made`."""
        return sum(self.totals.values()) + self.in_stock


def recall_statement(lot: Lot) -> RecallStatement:
    """Made, sold (euros, time), given, returned, lost and in stock, overall and per place."""
    made = (
        Movement.objects.filter(lot=lot, kind=MovementKind.MADE).aggregate(n=Sum("jars"))["n"] or 0
    )
    rows = (
        Movement.objects.filter(lot=lot, kind__in=OUTGOING)
        .values("from_location__name", "kind")
        .annotate(n=Sum("jars"))
        .order_by("from_location__name")
    )
    places: dict[str, PlaceLine] = {}
    totals = {kind.value: 0 for kind in OUTGOING}
    for row in rows:
        line = places.setdefault(row["from_location__name"], PlaceLine(row["from_location__name"]))
        line.by_kind[row["kind"]] = row["n"]
        totals[row["kind"]] += row["n"]
    in_stock = 0
    for level in StockLevel.objects.filter(lot=lot, jars__gt=0).select_related("location"):
        places.setdefault(level.location.name, PlaceLine(level.location.name)).in_stock = level.jars
        in_stock += level.jars
    for line in places.values():
        line.by_kind = {kind.value: line.by_kind.get(kind.value, 0) for kind in OUTGOING}
    return RecallStatement(
        lot=lot,
        made=made,
        totals=totals,
        in_stock=in_stock,
        places=sorted(places.values(), key=lambda p: p.place),
    )
