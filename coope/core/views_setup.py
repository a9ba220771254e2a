"""The setup screens of a cooperation (« Configuration »), for its directors.

`/configuration/` lists every configuration screen the apps declare (`CoopeApp(setup=...)`,
coope/core/plugins.py) with its help and, where it is cheap to know, whether it is done. The
core's own screens are here: the cooperation (name, contact), its associations, houses, CAF
agreements, and staff accounts with their roles. Views are thin: a scoped lookup (404 for
another cooperation's rows), a form, a service (coope/core/services.py), a redirect.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from coope.core import services
from coope.core.forms import (
    AgreementForm,
    AssociationForm,
    CooperationForm,
    HouseForm,
    NewAccountForm,
    NewAssociationForm,
    RoleForm,
    tenant_form,
)
from coope.core.models import Agreement, Association, House, StaffRole, User
from coope.core.permissions import Role
from coope.core.plugins import SetupStatus, setup_entries
from coope.core.views import require_perm

CONFIGURE = "cooperation.configure"
# The password of a new account (or a new initial one), kept in the session until it is shown.
SHOWN_ONCE = "coope_password_shown_once"


def keep_password_to_show(request: HttpRequest, user: User, password: str) -> None:
    request.session[SHOWN_ONCE] = {"user": user.pk, "password": password}


def password_to_show(request: HttpRequest, user: User) -> str:
    """The password kept for `user`, forgotten as soon as it is read: shown once."""
    kept = request.session.get(SHOWN_ONCE)
    if not kept or kept.get("user") != user.pk:
        return ""
    del request.session[SHOWN_ONCE]
    return kept["password"]


def form_refused(form, error: ValidationError) -> None:
    """A service's refusal, said on the form's fields when it names them."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# -- the checklist -----------------------------------------------------------------------------


@require_perm(CONFIGURE)
def index(request):
    """Every configuration screen the apps declare, in order, with where it stands."""
    entries = []
    for entry in setup_entries():
        if not request.user.has_coope_perm(entry.permission):
            continue
        entries.append({"entry": entry, "status": entry.status_of(request.cooperation)})
    return render(request, "setup/index.html", {"entries": entries})


def cooperation_status(cooperation) -> SetupStatus:
    contact = cooperation.contact_email or cooperation.contact_phone
    return SetupStatus(
        done=bool(contact),
        summary=cooperation.contact_email or cooperation.contact_phone or _("aucun contact"),
    )


def _counted(count: int, some: str, none: str) -> SetupStatus:
    """Done once there is one: « 2 maisons », else « aucune maison »."""
    return SetupStatus(done=count > 0, summary=some % {"n": count} if count else none)


def associations_status(cooperation) -> SetupStatus:
    count = Association.objects.filter(cooperation=cooperation).count()
    return _counted(
        count,
        ngettext("%(n)s association", "%(n)s associations", count),
        _("aucune association"),
    )


def houses_status(cooperation) -> SetupStatus:
    count = House.objects.filter(cooperation=cooperation).count()
    return _counted(count, ngettext("%(n)s maison", "%(n)s maisons", count), _("aucune maison"))


def agreements_status(cooperation) -> SetupStatus:
    count = Agreement.objects.filter(cooperation=cooperation).count()
    return _counted(
        count, ngettext("%(n)s agrément", "%(n)s agréments", count), _("aucun agrément")
    )


def accounts_status(cooperation) -> SetupStatus:
    active = User.objects.filter(cooperation=cooperation, is_active=True, staff_roles__isnull=False)
    count = active.distinct().count()
    # The first director alone is an account to begin with, not a team.
    return SetupStatus(
        done=count > 1,
        summary=ngettext("%(n)s compte actif", "%(n)s comptes actifs", count) % {"n": count},
    )


# -- the cooperation ---------------------------------------------------------------------------


@require_perm(CONFIGURE)
def cooperation(request):
    form = CooperationForm(request.POST or None, instance=request.cooperation)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_cooperation(
                actor=request.user, cooperation=request.cooperation, **form.cleaned_data
            )
        except ValidationError as error:
            form_refused(form, error)
        else:
            messages.success(request, _("Coopération enregistrée."))
            return redirect("core:setup")
    return render(request, "setup/cooperation.html", {"form": form})


# -- associations ------------------------------------------------------------------------------


def _association(request, pk) -> Association:
    return get_object_or_404(Association.objects.filter(cooperation=request.cooperation), pk=pk)


@require_perm(CONFIGURE)
def associations(request):
    """The associations of the cooperation, and a form to add one."""
    form = tenant_form(NewAssociationForm, request.cooperation)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                association = services.create_association(
                    actor=request.user,
                    cooperation=request.cooperation,
                    name=form.cleaned_data["name"],
                    address=form.cleaned_data["address"],
                )
                if form.cleaned_data["direct_it"]:
                    services.grant_role(
                        actor=request.user,
                        user=request.user,
                        association=association,
                        role=Role.DIRECTOR,
                    )
        except ValidationError as error:
            form_refused(form, error)
        else:
            messages.success(
                request, _("Association « %(name)s » ajoutée.") % {"name": association.name}
            )
            return redirect("core:associations")
    listed = Association.objects.filter(cooperation=request.cooperation).prefetch_related("houses")
    return render(request, "setup/associations.html", {"form": form, "associations": listed})


@require_perm(CONFIGURE)
def association_edit(request, pk):
    association = _association(request, pk)
    form = tenant_form(AssociationForm, request.cooperation)(
        request.POST or None, instance=association
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_association(
                actor=request.user, association=association, **form.cleaned_data
            )
        except ValidationError as error:
            form_refused(form, error)
        else:
            messages.success(request, _("Association enregistrée."))
            return redirect("core:associations")
    return render(
        request, "setup/association_form.html", {"form": form, "association": association}
    )


# -- houses ------------------------------------------------------------------------------------


def _house(request, pk) -> House:
    return get_object_or_404(House.objects.filter(cooperation=request.cooperation), pk=pk)


@require_perm(CONFIGURE)
def houses(request):
    listed = House.objects.filter(cooperation=request.cooperation).select_related("association")
    return render(
        request,
        "setup/houses.html",
        {"houses": listed.prefetch_related("agreements"), "can_add": _has_association(request)},
    )


def _has_association(request) -> bool:
    return Association.objects.filter(cooperation=request.cooperation).exists()


@require_perm(CONFIGURE)
def house_edit(request, pk=None):
    """A new house (no pk), or the changes to one."""
    house = _house(request, pk) if pk is not None else None
    if house is None and not _has_association(request):
        messages.error(request, _("Ajoutez d'abord l'association qui gère la maison."))
        return redirect("core:associations")
    # tenant_form: the form checks the names against the cooperation's other houses.
    form = tenant_form(HouseForm, request.cooperation)(
        request.POST or None, instance=house, cooperation=request.cooperation
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_house(actor=request.user, house=form.instance)
        except ValidationError as error:
            form_refused(form, error)
        else:
            messages.success(request, _("Maison « %(name)s » enregistrée.") % {"name": saved.name})
            return redirect("core:houses")
    return render(request, "setup/house_form.html", {"form": form, "house": house})


# -- CAF agreements ----------------------------------------------------------------------------


@require_perm(CONFIGURE)
def agreements(request):
    """Each house with its CAF agreements, and a form to add one."""
    form = AgreementForm(request.POST or None, cooperation=request.cooperation)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_agreement(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_refused(form, error)
        else:
            messages.success(request, _("Agrément ajouté."))
            return redirect("core:agreements")
    listed = House.objects.filter(cooperation=request.cooperation).prefetch_related("agreements")
    return render(request, "setup/agreements.html", {"form": form, "houses": listed})


@require_POST
@require_perm(CONFIGURE)
def agreement_remove(request, pk):
    agreement = get_object_or_404(Agreement.objects.filter(cooperation=request.cooperation), pk=pk)
    services.remove_agreement(actor=request.user, agreement=agreement)
    messages.success(request, _("Agrément retiré : %(a)s.") % {"a": agreement})
    return redirect("core:agreements")


# -- staff accounts and roles ------------------------------------------------------------------


def _account(request, pk) -> User:
    return get_object_or_404(User.objects.filter(cooperation=request.cooperation), pk=pk)


def _roles():
    return Prefetch(
        "staff_roles",
        queryset=StaffRole.objects.select_related("association").order_by(
            "association__name", "role"
        ),
    )


@require_perm(CONFIGURE)
def accounts(request):
    listed = (
        User.objects.filter(cooperation=request.cooperation)
        .prefetch_related(_roles())
        .order_by("-is_active", "last_name", "first_name", "username")
    )
    return render(request, "setup/accounts.html", {"accounts": listed})


@require_perm(CONFIGURE)
def account_new(request):
    form = NewAccountForm(request.POST or None, cooperation=request.cooperation)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.create_account(
                actor=request.user, cooperation=request.cooperation, **form.cleaned_data
            )
        except ValidationError as error:
            form_refused(form, error)
        else:
            if not form.cleaned_data["password"]:
                keep_password_to_show(request, user, password)
            messages.success(request, _("Compte « %(u)s » créé.") % {"u": user.username})
            return redirect("core:account", pk=user.pk)
    return render(request, "setup/account_new.html", {"form": form})


def _account_page(request, account: User, role_form: RoleForm | None = None):
    account = User.objects.prefetch_related(_roles()).get(pk=account.pk)
    return render(
        request,
        "setup/account.html",
        {
            "account": account,
            "role_form": role_form or RoleForm(cooperation=request.cooperation),
            "password": password_to_show(request, account),
        },
    )


@require_perm(CONFIGURE)
def account(request, pk):
    """An account: its roles (give one, take one back), close or open it, a new password."""
    return _account_page(request, _account(request, pk))


@require_POST
@require_perm(CONFIGURE)
def role_grant(request, pk):
    account = _account(request, pk)
    form = RoleForm(request.POST, cooperation=request.cooperation)
    if form.is_valid():
        try:
            services.grant_role(actor=request.user, user=account, **form.cleaned_data)
        except ValidationError as error:
            form_refused(form, error)
        else:
            messages.success(request, _("Rôle donné."))
            return redirect("core:account", pk=account.pk)
    return _account_page(request, account, role_form=form)


@require_POST
@require_perm(CONFIGURE)
def role_take_back(request, pk):
    staff_role = get_object_or_404(
        StaffRole.objects.filter(cooperation=request.cooperation).select_related(
            "association", "user"
        ),
        pk=pk,
    )
    try:
        services.take_back_role(actor=request.user, staff_role=staff_role)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Rôle retiré : %(r)s.") % {"r": staff_role})
    return redirect("core:account", pk=staff_role.user_id)


@require_POST
@require_perm(CONFIGURE)
def account_active(request, pk):
    account = _account(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_account_active(actor=request.user, user=account, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Compte réactivé : la personne peut de nouveau se connecter.")
            if active
            else _("Compte désactivé : la personne ne peut plus se connecter."),
        )
    return redirect("core:account", pk=account.pk)


@require_POST
@require_perm(CONFIGURE)
def account_password(request, pk):
    account = _account(request, pk)
    keep_password_to_show(
        request, account, services.reset_password(actor=request.user, user=account)
    )
    return redirect("core:account", pk=account.pk)
