"""Key figures of the mobile cannery.

The cannery is a programme (code "cannery"): its workshops, participants, volunteer hours and
trainings are the shared figures of activities and volunteering sliced by that programme — the
activities, trainings and volunteer hours that carry it. Collections count by their date,
batches (kilograms transformed, jars, soup) by the day they were made, movements by their date.

The cannery works for the whole cooperation, in villages rather than in a house: its own records
(collections, batches, lots, stock movements) answer for the cooperation as a whole only.
"""

from django.db.models import QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

import coope.activities.indicators
import coope.volunteering.indicators  # noqa: F401 (the figures derived below are declared there)
from coope.activities.models import Session
from coope.cannery.models import (
    OUTGOING,
    Batch,
    BatchInput,
    Collection,
    Lot,
    Movement,
    MovementKind,
)
from coope.lib.indicators import (
    Breakdown,
    Distinct,
    Rows,
    Scope,
    Total,
    Unit,
    choice_labels,
    composite,
    derived,
    indicator,
)

CANNERY = "cannery"

derived(
    "cannery.workshops",
    _("Conserverie : ateliers"),
    base="activities.sessions",
    unit=Unit.WORKSHOPS,
    programme=CANNERY,
)
derived(
    "cannery.named_participants",
    _("Conserverie : participants nommés (distincts)"),
    base="activities.named_participants",
    programme=CANNERY,
)
derived(
    "cannery.counted_participants",
    _("Conserverie : participants comptés sans nom"),
    base="activities.headcount_participants",
    programme=CANNERY,
)
composite(
    "cannery.participants",
    _("Conserverie : participants aux ateliers (personnes nommées + personnes comptées sans nom)"),
    parts=("cannery.named_participants", "cannery.counted_participants"),
    unit=Unit.PERSONS,
)
derived(
    "cannery.volunteer_hours",
    _("Conserverie : heures de bénévolat"),
    base="volunteering.hours",
    programme=CANNERY,
)
derived(
    "cannery.volunteers_trained",
    _("Conserverie : bénévoles formés"),
    base="volunteering.volunteers_trained",
    programme=CANNERY,
)

VILLAGE = Coalesce(NullIf("commune", Value("")), "house__city")


def workshops_with_village(scope: Scope) -> QuerySet[Session]:
    """The cannery's workshops, each with its village: the session's commune, else its house's town."""
    workshops = coope.activities.indicators.sessions_in(
        Scope(scope.cooperation, scope.period, programme=CANNERY)
    )
    return (
        workshops.annotate(village=VILLAGE)
        .exclude(village__isnull=True)
        .select_related("activity", "house")
    )


WORKSHOP_FIELDS = ("starts_at", "commune", "house")


@indicator(
    "cannery.villages",
    _("Conserverie : villages visités (ateliers)"),
    unit=Unit.COMMUNES,
    measure=Distinct("village"),
    public_fields=WORKSHOP_FIELDS,
)
def villages(scope: Scope) -> QuerySet[Session]:
    return workshops_with_village(scope)


@indicator(
    "cannery.workshops_by_village",
    _("Conserverie : ateliers par village visité"),
    unit=Unit.WORKSHOPS,
    measure=Rows(),
    breakdown=Breakdown("village"),
    public_fields=WORKSHOP_FIELDS,
)
def workshops_by_village(scope: Scope) -> QuerySet[Session]:
    """The same villages as `cannery.villages`, each with its number of workshops (a chart)."""
    return workshops_with_village(scope)


def _in_period(queryset: QuerySet, field: str, scope: Scope) -> QuerySet:
    return queryset.filter(
        cooperation=scope.cooperation,
        **{f"{field}__gte": scope.period.start, f"{field}__lte": scope.period.end},
    )


COLLECTION_FIELDS = ("producer", "date", "produce", "weight_grams")


@indicator(
    "cannery.collected_weight",
    _("Conserverie : fruits et légumes collectés"),
    unit=Unit.GRAMS,
    measure=Total("weight_grams"),
    public_fields=COLLECTION_FIELDS,
)
def collected_weight(scope: Scope) -> QuerySet[Collection]:
    return _in_period(Collection.objects.all(), "date", scope).select_related("producer")


@indicator(
    "cannery.producers",
    _("Conserverie : producteurs ayant donné ou vendu"),
    unit=Unit.PRODUCERS,
    measure=Distinct("producer"),
    public_fields=COLLECTION_FIELDS,
)
def producers(scope: Scope) -> QuerySet[Collection]:
    return collected_weight(scope)


@indicator(
    "cannery.transformed_weight",
    _("Conserverie : fruits et légumes transformés"),
    unit=Unit.GRAMS,
    measure=Total("grams"),
    public_fields=("batch", "collection", "grams"),
)
def transformed_weight(scope: Scope) -> QuerySet[BatchInput]:
    return _in_period(BatchInput.objects.all(), "batch__made_on", scope)


@indicator(
    "cannery.soup_volume",
    _("Conserverie : soupes et veloutés"),
    unit=Unit.CENTILITRES,
    measure=Total("soup_centilitres"),
    public_fields=("recipe", "made_on", "soup_centilitres"),
)
def soup_volume(scope: Scope) -> QuerySet[Batch]:
    return _in_period(Batch.objects.filter(soup_centilitres__gt=0), "made_on", scope)


@indicator(
    "cannery.jars",
    _("Conserverie : bocaux fabriqués"),
    unit=Unit.JARS,
    measure=Total("jars_made"),
    public_fields=("code", "batch", "jar_size_ml", "jars_made"),
)
def jars(scope: Scope) -> QuerySet[Lot]:
    return _in_period(Lot.objects.all(), "batch__made_on", scope)


MOVEMENT_FIELDS = ("lot", "kind", "date", "jars", "price_cents", "minutes")


def outgoing(scope: Scope) -> QuerySet[Movement]:
    return _in_period(Movement.objects.all(), "date", scope).filter(kind__in=OUTGOING)


@indicator(
    "cannery.jars_by_destination",
    _("Conserverie : bocaux par destination"),
    unit=Unit.JARS,
    measure=Total("jars"),
    public_fields=MOVEMENT_FIELDS,
    breakdown=Breakdown(
        "kind", labels=choice_labels(MovementKind.choices), codes=lambda: [str(k) for k in OUTGOING]
    ),
)
def jars_by_destination(scope: Scope) -> QuerySet[Movement]:
    """Jars that left the stock: given on site, sold in euros, sold in time currency, returned to
    the producers, lost. Every destination is listed, with 0 when none."""
    return outgoing(scope)


@indicator(
    "cannery.sales_cents",
    _("Conserverie : ventes en euros"),
    unit=Unit.CENTS,
    measure=Total("price_cents"),
    public_fields=MOVEMENT_FIELDS,
)
def sales_cents(scope: Scope) -> QuerySet[Movement]:
    return outgoing(scope).filter(kind=MovementKind.SOLD_EUROS)


@indicator(
    "cannery.time_sales",
    _("Conserverie : ventes en monnaie-temps"),
    unit=Unit.MINUTES,
    measure=Total("minutes"),
    public_fields=MOVEMENT_FIELDS,
)
def time_sales(scope: Scope) -> QuerySet[Movement]:
    return outgoing(scope).filter(kind=MovementKind.SOLD_TIME)
