"""Key figures of volunteering, activity and governance kept apart.

Volunteering is counted by the volunteer's home house during the period, and by programme: the
programme recorded with the hours, else the programme of the session they were given at.
"""

from django.db.models import F, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from coope.lib.indicators import Distinct, Scope, Total, Unit, indicator
from coope.people.history import of_home_house
from coope.volunteering.models import Training, VolunteerHours, VolunteeringKind

ALL = {"association", "house", "programme"}
HOUR_FIELDS = (
    "person",
    "date",
    "kind",
    "project_group",
    "programme",
    "session",
    "duration_minutes",
)
TRAINING_FIELDS = ("person", "date", "programme")


def hours_in(scope: Scope) -> QuerySet[VolunteerHours]:
    queryset = VolunteerHours.objects.filter(
        cooperation=scope.cooperation,
        date__gte=scope.period.start,
        date__lte=scope.period.end,
    )
    if scope.programme is not None:
        queryset = queryset.filter(
            Q(programme=scope.programme)
            | Q(programme="", session__activity__programme=scope.programme)
        )
    return of_home_house(
        queryset, scope.period, "person", house=scope.house, association=scope.association
    )


def trainings_in(scope: Scope) -> QuerySet[Training]:
    queryset = Training.objects.filter(
        cooperation=scope.cooperation, date__gte=scope.period.start, date__lte=scope.period.end
    )
    if scope.programme is not None:
        queryset = queryset.filter(programme=scope.programme)
    return of_home_house(
        queryset, scope.period, "person", house=scope.house, association=scope.association
    ).select_related("person")


@indicator(
    "volunteering.hours",
    _("Heures de bénévolat"),
    unit=Unit.MINUTES,
    measure=Total("duration_minutes"),
    dimensions=ALL,
    public_fields=HOUR_FIELDS,
)
def hours(scope: Scope) -> QuerySet[VolunteerHours]:
    return hours_in(scope).select_related("person", "project_group")


@indicator(
    "volunteering.activity_volunteers",
    _("Bénévoles d'activité"),
    unit=Unit.PERSONS,
    measure=Distinct("person"),
    dimensions=ALL,
    public_fields=HOUR_FIELDS,
)
def activity_volunteers(scope: Scope) -> QuerySet[VolunteerHours]:
    return hours(scope).filter(kind=VolunteeringKind.ACTIVITY)


@indicator(
    "volunteering.governance_volunteers",
    _("Bénévoles de gouvernance (CA, groupes projets)"),
    unit=Unit.PERSONS,
    measure=Distinct("person"),
    dimensions=ALL,
    public_fields=HOUR_FIELDS,
)
def governance_volunteers(scope: Scope) -> QuerySet[VolunteerHours]:
    return hours(scope).filter(kind=VolunteeringKind.GOVERNANCE)


@indicator(
    "volunteering.volunteers_trained",
    _("Bénévoles formés"),
    unit=Unit.PERSONS,
    measure=Distinct("person"),
    dimensions=ALL,
    public_fields=TRAINING_FIELDS,
)
def volunteers_trained(scope: Scope) -> QuerySet[Training]:
    return trainings_in(scope)


@indicator(
    "volunteering.value_cents",
    _("Valorisation du bénévolat"),
    unit=Unit.CENTS,
    measure=Total("valued", per=60),
    dimensions=ALL,
    public_fields=HOUR_FIELDS,
)
def value_cents(scope: Scope) -> QuerySet[VolunteerHours]:
    """Volunteer time valued at the cooperation's rate for one hour."""
    rate = Value(scope.cooperation.volunteer_hour_value_cents)
    return hours(scope).annotate(valued=F("duration_minutes") * rate)
