"""Key figures of the people the cooperation knows and of its front desks.

`home_house_during` (coope.people.history) is what every figure by house uses for people: the
home house they had during the period, never today's."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from coope.lib.indicators import Breakdown, Rows, Scope, Unit, choice_labels, indicator
from coope.lib.periods import age_band_expression
from coope.people.models import Person, ReceptionVisit, Sex, VisitReason


def visits_in(scope: Scope) -> QuerySet[ReceptionVisit]:
    queryset = ReceptionVisit.objects.filter(
        cooperation=scope.cooperation, date__gte=scope.period.start, date__lte=scope.period.end
    )
    if scope.house is not None:
        queryset = queryset.filter(house=scope.house)
    if scope.association is not None:
        queryset = queryset.filter(house__association=scope.association)
    return queryset


def known_people(scope: Scope) -> QuerySet[Person]:
    """People seen in the period: members, or named visitors of a front desk."""
    from coope.membership.indicators import covered_persons, memberships_in

    return Person.objects.filter(cooperation=scope.cooperation).filter(
        covered_persons(memberships_in(scope), scope.period)
        | Q(pk__in=visits_in(scope).values("person"))
    )


VISIT_FIELDS = ("date", "house", "reason")


@indicator(
    "people.reception_visits",
    _("Passages à l'accueil"),
    unit=Unit.VISITS,
    measure=Rows(),
    dimensions={"association", "house"},
    public_fields=VISIT_FIELDS,
)
def reception_visits(scope: Scope) -> QuerySet[ReceptionVisit]:
    return visits_in(scope).select_related("house", "person")


@indicator(
    "people.reception_visits_by_reason",
    _("Passages à l'accueil par motif"),
    unit=Unit.VISITS,
    measure=Rows(),
    dimensions={"association", "house"},
    public_fields=VISIT_FIELDS,
    breakdown=Breakdown("reason", labels=choice_labels(VisitReason.choices)),
)
def reception_visits_by_reason(scope: Scope) -> QuerySet[ReceptionVisit]:
    return visits_in(scope).select_related("house", "person")


@indicator(
    "people.by_sex",
    _("Personnes (adhérents et passages) par sexe"),
    unit=Unit.PERSONS,
    measure=Rows(),
    dimensions={"association", "house"},
    breakdown=Breakdown("sex", labels=choice_labels(Sex.choices)),
)
def by_sex(scope: Scope) -> QuerySet[Person]:
    return known_people(scope).select_related("home_house")


@indicator(
    "people.by_age_band",
    _("Personnes (adhérents et passages) par tranche d'âge"),
    unit=Unit.PERSONS,
    measure=Rows(),
    dimensions={"association", "house"},
    breakdown=Breakdown("age_band"),
)
def by_age_band(scope: Scope) -> QuerySet[Person]:
    return (
        known_people(scope)
        .annotate(age_band=age_band_expression(scope.period.end.year))
        .select_related("home_house")
    )
