"""The doors: signing in, a lockout after too many wrong passwords, one's own password (changed
at first sign-in when Coopé chose it), and a forgotten password reset by e-mail.

- Login throttling is django-axes' (settings: 5 failures for one account from one address lock
  that pair out for 15 minutes); `locked_out` is its AXES_LOCKOUT_CALLABLE: a French page,
  HTTP 429, saying when to try again and whom to ask.
- A password Coopé chose (a new account, a new cooperation's director, a password given again)
  is known to the person who passed it on: `User.must_change_password` is set, and
  `PasswordChangeRequiredMiddleware` leads its holder to « Mon mot de passe » until they
  choose their own.
- A reset link is sent to an account's e-mail address, at most `RESET_LIMIT` times an hour;
  the page answers the same whether the address is known or not.
"""

import datetime
import hashlib

from axes.utils import reset as axes_reset
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from coope.core import audit
from coope.core.models import AuditEntry, User

# -- lockout -----------------------------------------------------------------------------


def client_address(request: HttpRequest) -> str | None:
    """The address the lockout counts (AXES_CLIENT_IP_CALLABLE). Behind COOPE_PROXY_COUNT
    trusted reverse proxies, each appending the address it saw to X-Forwarded-For (nginx's
    $proxy_add_x_forwarded_for), the client is the one the outermost proxy appended: what a
    client writes in the header itself stays to the left and is not trusted."""
    proxies = settings.COOPE_PROXY_COUNT
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if proxies > 0 and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a login refused because of too many wrong passwords."""
    from axes.helpers import get_cool_off  # axes reads the settings at import

    cool_off = get_cool_off(request) or datetime.timedelta(minutes=15)
    retry_at = timezone.localtime() + cool_off
    return render(
        request,
        "registration/lockout.html",
        {
            "minutes": max(1, round(cool_off.total_seconds() / 60)),
            "retry_at": retry_at,
        },
        status=429,
    )


# -- one's own password --------------------------------------------------------------------


def _password_set_by_holder(request: HttpRequest, user: User, action: str) -> None:
    """The holder chose their password: no longer one to change; the log says when (never
    the password)."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    if user.cooperation_id is not None:
        with scopes_disabled():
            audit.record(actor=user, action=action, instance=user, changes={})


class OwnPasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password, new one twice, the validators), and a new password that is
    not the old one: a password given by someone else must really change."""

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password1")
        if new and self.user.check_password(new):
            self.add_error(
                "new_password1",
                _("Choisissez un mot de passe différent de celui que vous avez aujourd'hui."),
            )
        return cleaned


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = OwnPasswordChangeForm
    template_name = "core/password_change.html"
    success_url = reverse_lazy("core:password_changed")

    def form_valid(self, form):
        response = super().form_valid(form)
        _password_set_by_holder(self.request, form.user, "change_password")
        return response


# -- a forgotten password ----------------------------------------------------------------

# Reset e-mails sent to one account in an hour, at most: a reset link is not a way to fill
# someone's mailbox.
RESET_LIMIT = 3
RESET_WINDOW = datetime.timedelta(hours=1)
RESET_REQUESTED = "password_reset_requested"


def _recent_resets(user: User) -> int:
    since = timezone.now() - RESET_WINDOW
    if user.cooperation_id is None:  # a platform administrator: no cooperation's log
        return int(cache.get(_cache_key(user), 0))
    with scopes_disabled():
        return AuditEntry.objects.filter(
            cooperation_id=user.cooperation_id,
            model="core.user",
            object_id=str(user.pk),
            action=RESET_REQUESTED,
            at__gte=since,
        ).count()


def _cache_key(user: User) -> str:
    return "coope-reset-" + hashlib.sha256(str(user.pk).encode()).hexdigest()


def _count_reset(user: User) -> None:
    if user.cooperation_id is None:
        key = _cache_key(user)
        cache.add(key, 0, timeout=int(RESET_WINDOW.total_seconds()))
        cache.incr(key)
        return
    with scopes_disabled():
        audit.record(actor=None, action=RESET_REQUESTED, instance=user, changes={})


class ResetRequestForm(auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label=gettext_lazy("Courriel de votre compte"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def get_users(self, email):
        """Django's accounts for this address (active, with a password), those sent fewer than
        RESET_LIMIT links in the last hour; each link sent is counted (and audited)."""
        with scopes_disabled():
            users = list(super().get_users(email))
        for user in users:
            if _recent_resets(user) >= RESET_LIMIT:
                continue
            _count_reset(user)
            yield user


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("core:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("core:password_reset_complete")

    def get_user(self, uidb64):
        with scopes_disabled():
            return super().get_user(uidb64)

    def form_valid(self, form):
        response = super().form_valid(form)
        _password_set_by_holder(self.request, form.user, "reset_password_by_email")
        # The link proved the address: the lockout of the wrong passwords before it is lifted.
        axes_reset(username=form.user.get_username())
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


# -- a password to change ------------------------------------------------------------------


class PasswordChangeRequiredMiddleware:
    """An account whose password Coopé chose is led to « Mon mot de passe » until its holder
    chooses their own; signing out stays open. After the authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and request.path
            not in (reverse("core:password_change"), reverse("logout"), reverse("login"))
        ):
            if request.method == "GET" and not request.headers.get("HX-Request"):
                messages.info(
                    request,
                    _(
                        "Votre mot de passe vous a été donné par quelqu'un d'autre : "
                        "choisissez le vôtre pour continuer."
                    ),
                )
            return redirect("core:password_change")
        return self.get_response(request)
