"""Key figures of the people the cooperation knows and of its front desks."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coope.lib.indicators import count_by, indicator
from coope.lib.periods import age_band_expression
from coope.people.models import Person, ReceptionVisit


def visits_in(cooperation, period, association=None, house=None):
    queryset = ReceptionVisit.objects.filter(
        cooperation=cooperation, date__gte=period.start, date__lte=period.end
    )
    if house is not None:
        queryset = queryset.filter(house=house)
    if association is not None:
        queryset = queryset.filter(house__association=association)
    return queryset


def known_people(cooperation, period, association=None, house=None):
    """People seen in the period: members, or named visitors of a front desk."""
    from coope.membership.indicators import covered_persons, memberships_in

    return Person.objects.filter(cooperation=cooperation).filter(
        covered_persons(memberships_in(cooperation, period, association, house))
        | Q(pk__in=visits_in(cooperation, period, association, house).values("person"))
    )


def visit_records(cooperation, period, *, association=None, house=None):
    return visits_in(cooperation, period, association, house).select_related("house", "person")


def known_people_records(cooperation, period, *, association=None, house=None):
    return known_people(cooperation, period, association, house).select_related("home_house")


@indicator(
    "people.reception_visits", _("Passages à l'accueil"), unit="passages", records=visit_records
)
def reception_visits(cooperation, period, *, association=None, house=None) -> int:
    return visits_in(cooperation, period, association, house).count()


@indicator(
    "people.reception_visits_by_reason",
    _("Passages à l'accueil par motif"),
    unit="passages",
    breakdown=True,
    records=visit_records,
)
def reception_visits_by_reason(
    cooperation, period, *, association=None, house=None
) -> dict[str, int]:
    return count_by(visits_in(cooperation, period, association, house), "reason")


@indicator(
    "people.by_sex",
    _("Personnes (adhérents et passages) par sexe"),
    unit="personnes",
    breakdown=True,
    records=known_people_records,
)
def by_sex(cooperation, period, *, association=None, house=None) -> dict[str, int]:
    return count_by(known_people(cooperation, period, association, house), "sex")


@indicator(
    "people.by_age_band",
    _("Personnes (adhérents et passages) par tranche d'âge"),
    unit="personnes",
    breakdown=True,
    records=known_people_records,
)
def by_age_band(cooperation, period, *, association=None, house=None) -> dict[str, int]:
    return count_by(
        known_people(cooperation, period, association, house), age_band_expression(period.end.year)
    )
