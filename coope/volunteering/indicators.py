"""Key figures of volunteering, activity and governance kept apart."""

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from coope.lib.indicators import indicator
from coope.people.models import Person
from coope.volunteering.models import Training, VolunteerHours, VolunteeringKind


def _of_volunteers_from(queryset, association=None, house=None):
    """Volunteering is counted by the volunteer's home house."""
    if house is not None:
        queryset = queryset.filter(person__home_house=house)
    if association is not None:
        queryset = queryset.filter(person__home_house__association=association)
    return queryset


def hours_in(cooperation, period, association=None, house=None):
    return _of_volunteers_from(
        VolunteerHours.objects.filter(
            cooperation=cooperation, date__gte=period.start, date__lte=period.end
        ),
        association,
        house,
    )


def hour_records(cooperation, period, *, association=None, house=None):
    return hours_in(cooperation, period, association, house).select_related(
        "person", "project_group"
    )


def volunteers_of(kind):
    def records(cooperation, period, *, association=None, house=None):
        return Person.objects.filter(
            pk__in=hours_in(cooperation, period, association, house)
            .filter(kind=kind)
            .values("person")
        ).select_related("home_house")

    return records


def training_records(cooperation, period, *, association=None, house=None):
    return _of_volunteers_from(
        Training.objects.filter(
            cooperation=cooperation, date__gte=period.start, date__lte=period.end
        ),
        association,
        house,
    ).select_related("person")


@indicator("volunteering.hours", _("Heures de bénévolat"), unit="heures", records=hour_records)
def hours(cooperation, period, *, association=None, house=None) -> float:
    minutes = (
        hours_in(cooperation, period, association, house).aggregate(m=Sum("duration_minutes"))["m"]
        or 0
    )
    return round(minutes / 60, 1)


@indicator(
    "volunteering.activity_volunteers",
    _("Bénévoles d'activité"),
    unit="personnes",
    records=volunteers_of(VolunteeringKind.ACTIVITY),
)
def activity_volunteers(cooperation, period, *, association=None, house=None) -> int:
    return (
        hours_in(cooperation, period, association, house)
        .filter(kind=VolunteeringKind.ACTIVITY)
        .values("person")
        .distinct()
        .count()
    )


@indicator(
    "volunteering.governance_volunteers",
    _("Bénévoles de gouvernance (CA, groupes projets)"),
    unit="personnes",
    records=volunteers_of(VolunteeringKind.GOVERNANCE),
)
def governance_volunteers(cooperation, period, *, association=None, house=None) -> int:
    return (
        hours_in(cooperation, period, association, house)
        .filter(kind=VolunteeringKind.GOVERNANCE)
        .values("person")
        .distinct()
        .count()
    )


@indicator(
    "volunteering.volunteers_trained",
    _("Bénévoles formés"),
    unit="personnes",
    records=training_records,
)
def volunteers_trained(cooperation, period, *, association=None, house=None) -> int:
    queryset = _of_volunteers_from(
        Training.objects.filter(
            cooperation=cooperation, date__gte=period.start, date__lte=period.end
        ),
        association,
        house,
    )
    return queryset.values("person").distinct().count()


@indicator(
    "volunteering.value_cents",
    _("Valorisation du bénévolat"),
    unit="centimes",
    records=hour_records,
)
def value_cents(cooperation, period, *, association=None, house=None) -> int:
    minutes = (
        hours_in(cooperation, period, association, house).aggregate(m=Sum("duration_minutes"))["m"]
        or 0
    )
    return minutes * cooperation.volunteer_hour_value_cents // 60
