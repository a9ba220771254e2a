"""What each role may see and do.

The roles and the core's own permissions are written here; every app declares its own in its
`apps.py` (`coope = CoopeApp(permissions={...})`, see coope/core/plugins.py). `PERMISSIONS` is
the merged table, read at first use: `PERMISSIONS[permission]`, `permission in PERMISSIONS`,
`set(PERMISSIONS)` work as on a dict. The table is tested in coope/core/tests/test_permissions.py.
"""

import itertools
from collections.abc import Iterator, Mapping

from django.db import models
from django.db.models.signals import post_delete, post_save
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
CORE_PERMISSIONS: dict[str, frozenset[str]] = {
    # The data pages: coordinators import attendance, volunteer hours, collections.
    "data.import": frozenset({D, C, R}),
    # Lists of people: the evaluation officer sees no one, she downloads the key figures.
    "data.export_lists": frozenset({D, C}),
    "figures.view": frozenset({D, C, E}),
    "audit.view": frozenset({D}),
    "admin.access": frozenset({D}),
    # The setup screens (« Configuration »): the cooperation, its associations, houses, CAF
    # agreements, staff accounts and roles; the apps' own screens use it too (TIC-TAC rules).
    "cooperation.configure": frozenset({D}),
}


class PermissionTable(Mapping[str, frozenset[str]]):
    """The core's permissions and every app's declared ones, merged at first use."""

    def __init__(self) -> None:
        self._table: dict[str, frozenset[str]] | None = None

    def table(self) -> dict[str, frozenset[str]]:
        if self._table is None:
            from django.core.exceptions import ImproperlyConfigured

            from coope.core.plugins import declared_permissions

            declared = declared_permissions()
            twice = set(declared) & set(CORE_PERMISSIONS)
            if twice:
                raise ImproperlyConfigured(
                    f"Permission(s) du cœur déclarée(s) aussi par une app : {', '.join(sorted(twice))}."
                )
            unknown = {role for roles in declared.values() for role in roles} - set(Role.values)
            if unknown:
                raise ImproperlyConfigured(
                    f"Rôle(s) inconnu(s) déclaré(s) : {', '.join(sorted(unknown))}."
                )
            self._table = {**CORE_PERMISSIONS, **declared}
        return self._table

    def reset(self) -> None:
        """Forget the merged table (tests that change the installed apps)."""
        self._table = None

    def __getitem__(self, permission: str) -> frozenset[str]:
        return self.table()[permission]

    def __iter__(self) -> Iterator[str]:
        return iter(self.table())

    def __len__(self) -> int:
        return len(self.table())


PERMISSIONS = PermissionTable()


# Bumped by every role written or deleted: a user object that read its roles before sees the
# change at its next check (tests that give a role after a first check, a long-lived object).
_role_writes = itertools.count(1)
_last_write = 0
_ROLES = "_coope_roles"


def _roles_written(**kwargs) -> None:
    global _last_write
    _last_write = next(_role_writes)


post_save.connect(_roles_written, sender="core.StaffRole", dispatch_uid="coope_roles_saved")
post_delete.connect(_roles_written, sender="core.StaffRole", dispatch_uid="coope_roles_deleted")


def roles_of(user) -> tuple[tuple[str, int], ...]:
    """The user's roles as (role, association id), read once per user object: `request.user` is
    one object per request, so every check of a page costs one query in all, and a role given
    or taken back is seen on the next request (or sooner: any role written forgets them)."""
    cached = getattr(user, _ROLES, None)  # getattr, not __dict__: request.user is a lazy proxy
    if cached is None or cached[0] != _last_write:
        cached = (_last_write, tuple((r.role, r.association_id) for r in user.staff_roles.all()))
        setattr(user, _ROLES, cached)
    return cached[1]


def user_has_perm(user, permission: str, association=None) -> bool:
    """True when one of the user's roles (in `association`, when given) holds `permission`."""
    if not user.is_authenticated or user.cooperation_id is None:
        return False
    allowed = PERMISSIONS[permission]
    association_id = getattr(association, "pk", association)
    return any(
        role in allowed and association_id in (None, role_association)
        for role, role_association in roles_of(user)
    )


def user_associations(user, permission: str) -> set[int]:
    """The associations in which the user holds `permission`."""
    if not user.is_authenticated:
        return set()
    allowed = PERMISSIONS[permission]
    return {association for role, association in roles_of(user) if role in allowed}
