"""What each role may see and do: the one place where it is written."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DIRECTOR = "director", _("Direction")
    COORDINATOR = "coordinator", _("Coordination")
    RECEPTION = "reception", _("Accueil")
    VOLUNTEER = "volunteer", _("Bénévole")
    EVALUATOR = "evaluator", _("Chargé·e d'évaluation")


D, C, R, V, E = Role.DIRECTOR, Role.COORDINATOR, Role.RECEPTION, Role.VOLUNTEER, Role.EVALUATOR

# permission -> the roles that hold it. A permission marked (association) is checked
# against the association of the house concerned; the others hold cooperation-wide.
PERMISSIONS: dict[str, frozenset[str]] = {
    # People are shared by the whole cooperation: one card, every house.
    "people.view": frozenset({D, C, R, V}),
    "people.edit": frozenset({D, C, R}),
    # Family quotient and notes: only those who compute fees or follow families.
    "people.view_sensitive": frozenset({D, R}),
    "people.export_personal_data": frozenset({D}),
    "people.anonymise": frozenset({D}),
    "membership.view": frozenset({D, C, R, V}),
    "membership.take": frozenset({D, R}),  # (association) at a house of one's association
    "reception.record_visit": frozenset({D, R, V}),  # (association)
    "data.import": frozenset(
        {D, C, R}
    ),  # coordinators import attendance, volunteer hours, collections
    "data.export_lists": frozenset({D, C, E}),
    "figures.view": frozenset({D, C, E}),
    "audit.view": frozenset({D}),
    # Activities, attendance and volunteering (association: the activity's house).
    "activities.view": frozenset({D, C, R, V}),
    "activities.manage": frozenset({D, C}),  # (association)
    "activities.attendance": frozenset({D, C, R, V}),  # (association)
    "volunteering.record": frozenset({D, C}),
    # TIC-TAC, the time currency.
    "timebank.view_accounts": frozenset({D, C, R}),
    "timebank.manage": frozenset({D, C}),  # paper cheques, limits, reversals
    # The mobile cannery.
    "cannery.view": frozenset({D, C, V, E}),
    "cannery.record": frozenset({D, C, V}),
    "cannery.recall": frozenset({D, C}),
    # Activity reports.
    "reports.view": frozenset({D, C, E}),
    "reports.edit": frozenset({D, C, E}),
    "admin.access": frozenset({D}),
}


def user_has_perm(user, permission: str, association=None) -> bool:
    """True when one of the user's roles (in `association`, when given) holds `permission`."""
    if not user.is_authenticated or user.cooperation_id is None:
        return False
    allowed = PERMISSIONS[permission]
    association_id = getattr(association, "pk", association)
    for staff_role in user.staff_roles.all():
        if staff_role.role in allowed and association_id in (None, staff_role.association_id):
            return True
    return False


def user_associations(user, permission: str) -> set[int]:
    """The associations in which the user holds `permission`."""
    allowed = PERMISSIONS[permission]
    return {r.association_id for r in user.staff_roles.all() if r.role in allowed}
