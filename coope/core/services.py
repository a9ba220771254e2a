"""Every write of the core's own records: a cooperation and its first director, its
associations, houses and CAF agreements, staff accounts and the roles they hold.

One function per verb, atomic, keyword-only `actor`, an audit entry for each row written (the
admin writes through coope.core.admin, audited too). Values are checked by the forms
(coope/core/forms.py) before; what only the database can settle (a name or username taken
meanwhile, a director's last role) is checked here and refused with a French ValidationError.
"""

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django_scopes import scope

from coope.core import audit
from coope.core.models import Agreement, Association, Cooperation, House, StaffRole, User
from coope.core.permissions import Role

# What a staff account's audit entry keeps: never the password, nor the last login.
ACCOUNT_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "cooperation_id",
]
# No 0/O, 1/l/I: read aloud or copied from a screen without a mistake.
PASSWORD_LETTERS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105


def initial_password() -> str:
    """A password given once to a new account, to be changed by its holder."""
    return "-".join(
        "".join(secrets.choice(PASSWORD_LETTERS) for _i in range(4)) for _part in range(3)
    )


def _saved[M: models.Model](*, actor, instance: M, before: dict | None, action: str = "") -> M:
    """Check, save and audit one row: its values when created, what changed otherwise."""
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:  # taken meanwhile by another request
        raise ValidationError(
            _("Ces valeurs viennent d'être enregistrées par quelqu'un d'autre : rechargez la page.")
        ) from error
    after = audit.snapshot(instance)
    audit.record(
        actor=actor,
        action=action or (audit.UPDATE if before is not None else audit.CREATE),
        instance=instance,
        changes=audit.diff(before, after) if before is not None else after,
    )
    return instance


def _stored(instance: models.Model) -> dict:
    """The row as it is in the database, before a change."""
    return audit.snapshot(type(instance)._base_manager.get(pk=instance.pk))


def _updated[M: models.Model](*, actor, instance: M, values: dict) -> M:
    before = _stored(instance)
    for field, value in values.items():
        setattr(instance, field, value)
    return _saved(actor=actor, instance=instance, before=before)


# -- the cooperation ---------------------------------------------------------------------------


@transaction.atomic
def create_cooperation(
    *,
    actor,
    name: str,
    slug: str,
    card_prefix: str,
    association_name: str,
    username: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    password: str = "",
) -> tuple[Cooperation, User, str]:
    """A new cooperation, its first association and its first director (who directs it), in one
    step. Returns the director's password: the one given, else an initial one to show once."""
    if Cooperation.objects.filter(slug=slug).exists():
        raise ValidationError(
            {"slug": _("L'identifiant « %(slug)s » est déjà pris.") % {"slug": slug}}
        )
    cooperation = _saved(
        actor=actor,
        instance=Cooperation(name=name, slug=slug, card_prefix=card_prefix),
        before=None,
    )
    # Its rows are checked in its own scope, whoever creates it (a platform administrator may
    # belong to another cooperation).
    with scope(cooperation=cooperation.pk):
        association = create_association(
            actor=actor, cooperation=cooperation, name=association_name
        )
        director, password = create_account(
            actor=actor,
            cooperation=cooperation,
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            password=password,
            association=association,
            role=Role.DIRECTOR,
        )
    return cooperation, director, password


@transaction.atomic
def update_cooperation(*, actor, cooperation: Cooperation, **values) -> Cooperation:
    """Change the cooperation's name and contact (the slug and card prefix stay)."""
    return _updated(actor=actor, instance=cooperation, values=values)


# -- associations, houses, CAF agreements -----------------------------------------------------


@transaction.atomic
def create_association(
    *, actor, cooperation: Cooperation, name: str, address: str = ""
) -> Association:
    return _saved(
        actor=actor,
        instance=Association(cooperation=cooperation, name=name, address=address),
        before=None,
    )


@transaction.atomic
def update_association(*, actor, association: Association, **values) -> Association:
    return _updated(actor=actor, instance=association, values=values)


@transaction.atomic
def save_house(*, actor, house: House) -> House:
    """A new house, or the changes made to one (the form has set its values)."""
    before = _stored(house) if house.pk is not None else None
    return _saved(actor=actor, instance=house, before=before)


@transaction.atomic
def add_agreement(*, actor, house: House, kind: str, since=None) -> Agreement:
    if Agreement.objects.filter(house=house, kind=kind).exists():
        raise ValidationError(
            {
                "kind": _("%(house)s a déjà cet agrément.") % {"house": house},
            }
        )
    return _saved(
        actor=actor,
        instance=Agreement(
            cooperation_id=house.cooperation_id, house=house, kind=kind, since=since
        ),
        before=None,
    )


@transaction.atomic
def remove_agreement(*, actor, agreement: Agreement) -> None:
    audit.record_deletion(actor=actor, objects=agreement)
    agreement.delete()


# -- staff accounts and their roles ------------------------------------------------------------


def _account_snapshot(user: User) -> dict:
    return audit.snapshot(user, ACCOUNT_FIELDS)


def _audit_account(*, actor, user: User, action: str, before: dict | None) -> None:
    after = _account_snapshot(user)
    audit.record(
        actor=actor,
        action=action,
        instance=user,
        changes=audit.diff(before, after) if before is not None else after,
    )


@transaction.atomic
def follow_director_role(*, actor, user: User) -> None:
    """The Django admin opens to directors: the account's staff flag follows the director role."""
    staff = user.is_superuser or user.staff_roles.filter(role=Role.DIRECTOR).exists()
    if user.is_staff != staff:
        before = _account_snapshot(user)
        user.is_staff = staff
        user.save(update_fields=["is_staff"])
        _audit_account(actor=actor, user=user, action=audit.UPDATE, before=before)


@transaction.atomic
def create_account(
    *,
    actor,
    cooperation: Cooperation,
    username: str,
    email: str,
    association: Association,
    role: str,
    first_name: str = "",
    last_name: str = "",
    password: str = "",
) -> tuple[User, str]:
    """A staff account of the cooperation with its first role. Returns its password: the one
    given, else an initial one to show once."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {"username": _("L'identifiant « %(u)s » est déjà pris.") % {"u": username}}
        )
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        cooperation=cooperation,
        must_change_password=not password,  # Coopé's choice: its holder chooses their own
    )
    password = password or initial_password()
    user.set_password(password)
    user.full_clean()
    user.save()
    _audit_account(actor=actor, user=user, action=audit.CREATE, before=None)
    grant_role(actor=actor, user=user, association=association, role=role)
    return user, password


@transaction.atomic
def reset_password(*, actor, user: User) -> str:
    """A new initial password for an account whose holder forgot theirs (shown once)."""
    password = initial_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit.record(actor=actor, action="reset_password", instance=user, changes={})
    return password


@transaction.atomic
def set_account_active(*, actor, user: User, active: bool) -> User:
    """Close an account (the person leaves: they can no longer sign in) or open it again."""
    if not active and actor is not None and user.pk == actor.pk:
        raise ValidationError(_("Vous ne pouvez pas désactiver votre propre compte."))
    before = _account_snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    _audit_account(actor=actor, user=user, action=audit.UPDATE, before=before)
    return user


@transaction.atomic
def grant_role(*, actor, user: User, association: Association, role: str) -> StaffRole:
    if association.cooperation_id != user.cooperation_id:
        raise ValidationError(
            {"association": _("Cette association n'est pas de la coopération du compte.")}
        )
    if StaffRole.objects.filter(user=user, association=association, role=role).exists():
        raise ValidationError(
            {
                "role": _("%(user)s a déjà le rôle « %(role)s » à %(association)s.")
                % {"user": user, "role": Role(role).label, "association": association}
            }
        )
    staff_role = _saved(
        actor=actor,
        instance=StaffRole(
            cooperation_id=user.cooperation_id, user=user, association=association, role=role
        ),
        before=None,
    )
    follow_director_role(actor=actor, user=user)
    return staff_role


@transaction.atomic
def take_back_role(*, actor, staff_role: StaffRole) -> None:
    """Take a role back. A director keeps at least one director role: they would lock themselves
    out of the setup screens."""
    user = User.objects.select_for_update().get(pk=staff_role.user_id)
    if (
        actor is not None
        and user.pk == actor.pk
        and staff_role.role == Role.DIRECTOR
        and not user.staff_roles.filter(role=Role.DIRECTOR).exclude(pk=staff_role.pk).exists()
    ):
        raise ValidationError(
            _(
                "C'est votre dernier rôle de direction : vous ne pourriez plus configurer la "
                "coopération. Donnez d'abord ce rôle à une autre personne, qui pourra vous le retirer."
            )
        )
    audit.record_deletion(actor=actor, objects=staff_role)
    staff_role.delete()
    follow_director_role(actor=actor, user=user)
