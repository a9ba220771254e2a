"""One-time form keys: a double submit records once.

Every form that creates a record renders `{% once %}` (library `once`) next to its
`{% csrf_token %}`: a hidden input `once_key` with a random key. `OnceMiddleware` runs the view
of a POST that brings a key through `run_once`:

- the key is claimed by inserting its row (unique per owner and key) in the same transaction as
  the view's writes. A second POST with the same key at the same time waits on that insert
  (PostgreSQL's unique index, SQLite's write lock) and does not run the view;
- the view redirects: the row stays, with the redirect's location. A later POST with the key
  writes nothing and is sent there (303) with « Déjà enregistré : ... »;
- the view answers anything else (the form again with its errors, 200; or a refusal): the row
  is deleted, what the view did stays, and the corrected form may be sent again with the same
  key (the tag renders the key posted back into the form it re-renders);
- the view raises: the transaction is rolled back, the claim with it.

The owner is the signed-in account (`user:<pk>`) or, for an anonymous page, the session; a
POST with neither runs as before. Keys used more than a day ago are deleted after each claim (one
statement on the `created_at` index). A key that is not of the expected shape answers 400.
"""

import re
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _

from coope.core.models import FormKey

FIELD = "once_key"
LIFETIME = timedelta(days=1)
KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_key() -> str:
    return secrets.token_urlsafe(24)


def posted_key(request: HttpRequest) -> str | None:
    """The key a POST brings, or None: absent, or not of the expected shape."""
    if request.method != "POST":
        return None
    key = request.POST.get(FIELD, "")
    return key if KEY_SHAPE.fullmatch(key) else None


def owner_of(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        return f"session:{session.session_key}"
    return None


def _recorded(response: HttpResponse) -> bool:
    return 300 <= response.status_code < 400 and response.has_header("Location")


def already_recorded(request: HttpRequest, location: str) -> HttpResponse:
    messages.info(request, _("Déjà enregistré : ce formulaire avait déjà été envoyé."))
    response = HttpResponseRedirect(location)
    response.status_code = 303
    return response


def run_once(
    request: HttpRequest, *, owner: str, key: str, view: Callable[[], HttpResponse]
) -> HttpResponse:
    """Runs `view` once for (owner, key); see the module's docstring."""
    now = timezone.now()
    for _attempt in range(2):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    claim = FormKey.objects.create(owner=owner, key=key, created_at=now)
            except IntegrityError:
                # The other POST with this key has committed: it was recorded, here is where.
                used = FormKey.objects.filter(owner=owner, key=key).first()
                if used is None:  # deleted in between (expired): claim it again
                    continue
                return already_recorded(request, used.location or request.get_full_path())
            response = view()
            if _recorded(response):
                claim.location = response["Location"]
                claim.save(update_fields=["location"])
            else:
                claim.delete()
        FormKey.objects.filter(created_at__lt=now - LIFETIME).delete()
        return response
    # Claimed and deleted twice in between (a key expiring at that very moment): run as if the
    # form had no key rather than refuse the person.
    return view()


def malformed(request: HttpRequest) -> HttpResponse:
    return HttpResponseBadRequest(
        _(
            "Ce formulaire porte une clé d'envoi illisible : rechargez la page et envoyez-le "
            "de nouveau."
        )
    )
