"""Key figures of the mobile cannery.

What counts as the cannery's (see `Cannery`): its workshops are the sessions of the activity
named in the cooperation's cannery settings; its volunteer hours are those recorded on those
sessions; its trainings are the volunteering trainings whose title starts with the settings'
prefix (« Conserverie » by default). Collections count by their date, batches (kilograms
transformed, jars, soup) by the day they were made, movements by their date.

The cannery works for the whole cooperation, in villages rather than in a house: asked for one
association or one house, its figures are zero (as the activities figures do for sessions held
in a commune), so that adding up the houses never counts the cannery twice.
"""

from django.db.models import Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from coope.activities.models import Attendance, Headcount, Session
from coope.cannery.models import (
    OUTGOING,
    Batch,
    BatchInput,
    Cannery,
    Collection,
    Lot,
    Movement,
    MovementKind,
)
from coope.lib.indicators import count_by, indicator
from coope.volunteering.models import Training, VolunteerHours


def _in_period(queryset, field: str, period):
    return queryset.filter(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def _sum(queryset, field: str) -> int:
    return queryset.aggregate(total=Sum(field))["total"] or 0


def _cooperation_wide(association, house) -> bool:
    return association is None and house is None


def workshop_records(cooperation, period, *, association=None, house=None):
    cannery = Cannery.objects.filter(cooperation=cooperation).first()
    if cannery is None or not _cooperation_wide(association, house):
        return Session.objects.none()
    return Session.objects.filter(
        cooperation=cooperation,
        activity_id=cannery.activity_id,
        cancelled=False,
        starts_at__date__gte=period.start,
        starts_at__date__lte=period.end,
    )


def _scoped(model, cooperation, association, house):
    if not _cooperation_wide(association, house):
        return model.objects.none()
    return model.objects.filter(cooperation=cooperation)


def collection_records(cooperation, period, *, association=None, house=None):
    return _in_period(_scoped(Collection, cooperation, association, house), "date", period)


def batch_records(cooperation, period, *, association=None, house=None):
    return _in_period(_scoped(Batch, cooperation, association, house), "made_on", period)


def input_records(cooperation, period, *, association=None, house=None):
    return _in_period(
        _scoped(BatchInput, cooperation, association, house), "batch__made_on", period
    )


def lot_records(cooperation, period, *, association=None, house=None):
    return _in_period(_scoped(Lot, cooperation, association, house), "batch__made_on", period)


def outgoing_records(cooperation, period, *, association=None, house=None):
    return _in_period(_scoped(Movement, cooperation, association, house), "date", period).filter(
        kind__in=OUTGOING
    )


def volunteer_hour_records(cooperation, period, *, association=None, house=None):
    return VolunteerHours.objects.filter(
        session__in=workshop_records(cooperation, period, association=association, house=house)
    )


def training_records(cooperation, period, *, association=None, house=None):
    cannery = Cannery.objects.filter(cooperation=cooperation).first()
    if cannery is None or not _cooperation_wide(association, house):
        return Training.objects.none()
    return _in_period(
        Training.objects.filter(
            cooperation=cooperation, title__istartswith=cannery.training_title_prefix
        ),
        "date",
        period,
    )


@indicator(
    "cannery.workshops", _("Conserverie : ateliers"), unit="ateliers", records=workshop_records
)
def workshops(cooperation, period, *, association=None, house=None) -> int:
    return workshop_records(cooperation, period, association=association, house=house).count()


def participant_records(cooperation, period, *, association=None, house=None):
    return Attendance.objects.filter(
        session__in=workshop_records(cooperation, period, association=association, house=house)
    )


@indicator(
    "cannery.participants",
    _("Conserverie : participants aux ateliers"),
    unit="personnes",
    records=participant_records,
)
def participants(cooperation, period, *, association=None, house=None) -> int:
    """Distinct named participants, plus the people counted without names at the workshops."""
    sessions = workshop_records(cooperation, period, association=association, house=house)
    named = Attendance.objects.filter(session__in=sessions).values("person").distinct().count()
    counted = _sum(Headcount.objects.filter(session__in=sessions), "count")
    return named + counted


@indicator(
    "cannery.volunteer_hours",
    _("Conserverie : heures de bénévolat aux ateliers"),
    unit="heures",
    records=volunteer_hour_records,
)
def volunteer_hours(cooperation, period, *, association=None, house=None) -> float:
    minutes = _sum(
        volunteer_hour_records(cooperation, period, association=association, house=house),
        "duration_minutes",
    )
    return round(minutes / 60, 1)


@indicator(
    "cannery.volunteers_trained",
    _("Conserverie : bénévoles formés"),
    unit="personnes",
    records=training_records,
)
def volunteers_trained(cooperation, period, *, association=None, house=None) -> int:
    return (
        training_records(cooperation, period, association=association, house=house)
        .values("person")
        .distinct()
        .count()
    )


@indicator(
    "cannery.villages",
    _("Conserverie : villages visités (ateliers)"),
    unit="communes",
    records=workshop_records,
)
def villages(cooperation, period, *, association=None, house=None) -> int:
    """Distinct communes of the workshops: the session's commune, else its house's town."""
    return (
        workshop_records(cooperation, period, association=association, house=house)
        .annotate(village=Coalesce(NullIf("commune", Value("")), "house__city"))
        .exclude(village__isnull=True)
        .values("village")
        .distinct()
        .count()
    )


@indicator(
    "cannery.workshops_by_village",
    _("Conserverie : ateliers par village visité"),
    unit="ateliers",
    breakdown=True,
    records=workshop_records,
)
def workshops_by_village(cooperation, period, *, association=None, house=None) -> dict[str, int]:
    """The same villages as `cannery.villages`, each with its number of workshops (a chart)."""
    return count_by(
        workshop_records(cooperation, period, association=association, house=house),
        Coalesce(NullIf("commune", Value("")), "house__city"),
    )


@indicator(
    "cannery.collected_kg",
    _("Conserverie : fruits et légumes collectés"),
    unit="kg",
    records=collection_records,
)
def collected_kg(cooperation, period, *, association=None, house=None) -> float:
    grams = _sum(
        collection_records(cooperation, period, association=association, house=house),
        "weight_grams",
    )
    return round(grams / 1000, 1)


@indicator(
    "cannery.transformed_kg",
    _("Conserverie : fruits et légumes transformés"),
    unit="kg",
    records=input_records,
)
def transformed_kg(cooperation, period, *, association=None, house=None) -> float:
    grams = _sum(input_records(cooperation, period, association=association, house=house), "grams")
    return round(grams / 1000, 1)


@indicator(
    "cannery.producers",
    _("Conserverie : producteurs ayant donné ou vendu"),
    unit="producteurs",
    records=collection_records,
)
def producers(cooperation, period, *, association=None, house=None) -> int:
    return (
        collection_records(cooperation, period, association=association, house=house)
        .values("producer")
        .distinct()
        .count()
    )


@indicator(
    "cannery.soup_litres",
    _("Conserverie : soupes et veloutés"),
    unit="litres",
    records=batch_records,
)
def soup_litres(cooperation, period, *, association=None, house=None) -> float:
    centilitres = _sum(
        batch_records(cooperation, period, association=association, house=house), "soup_centilitres"
    )
    return round(centilitres / 100, 1)


@indicator("cannery.jars", _("Conserverie : bocaux fabriqués"), unit="bocaux", records=lot_records)
def jars(cooperation, period, *, association=None, house=None) -> int:
    return _sum(lot_records(cooperation, period, association=association, house=house), "jars_made")


@indicator(
    "cannery.jars_by_destination",
    _("Conserverie : bocaux par destination"),
    unit="bocaux",
    breakdown=True,
    records=outgoing_records,
)
def jars_by_destination(cooperation, period, *, association=None, house=None) -> dict[str, int]:
    """Jars that left the stock: given on site, sold in euros, sold in time currency, returned to
    the producers, lost. Every destination is listed, with 0 when none."""
    rows = (
        outgoing_records(cooperation, period, association=association, house=house)
        .values("kind")
        .annotate(n=Sum("jars"))
        .order_by("kind")
    )
    found = {row["kind"]: row["n"] for row in rows}
    return {str(MovementKind(kind).label): found.get(kind.value, 0) for kind in OUTGOING}


@indicator(
    "cannery.sales_cents",
    _("Conserverie : ventes en euros"),
    unit="centimes",
    records=outgoing_records,
)
def sales_cents(cooperation, period, *, association=None, house=None) -> int:
    return _sum(
        outgoing_records(cooperation, period, association=association, house=house).filter(
            kind=MovementKind.SOLD_EUROS
        ),
        "price_cents",
    )


@indicator(
    "cannery.hours_earned",
    _("Conserverie : ventes en monnaie-temps"),
    unit="heures",
    records=outgoing_records,
)
def hours_earned(cooperation, period, *, association=None, house=None) -> float:
    minutes = _sum(
        outgoing_records(cooperation, period, association=association, house=house).filter(
            kind=MovementKind.SOLD_TIME
        ),
        "minutes",
    )
    return round(minutes / 60, 1)
