"""A list leaving Coopé: every export of people's data (renewals with phone numbers, lists with
family quotients or notes, a TIC-TAC statement, a person's own data, a report's workbook) is
audited, who, when, which list and how many rows, and sent `Cache-Control: no-store, private`
so that no browser or proxy cache keeps a copy.

A view builds its response, then returns `audited(response, request=..., list_name=...,
rows=...)`; an export already audited by its service (a person's data) only calls `no_store`.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from coope.core.models import AuditEntry

# The audit action of an export, whatever the list: `AuditEntry.model` names the list.
EXPORT = "export"


def no_store[R: HttpResponse](response: R) -> R:
    """Sent to the person who asked only: no cache (browser, proxy) keeps the file."""
    patch_cache_control(response, no_store=True, private=True, max_age=0)
    return response


def audited[R: HttpResponse](
    response: R,
    *,
    request: HttpRequest,
    list_name: str,
    rows: int,
    label: str = "",
    details: dict[str, Any] | None = None,
) -> R:
    """Record who downloaded which list, with how many rows, in the cooperation's audit log,
    and send the response `no-store`. `list_name` is a stable code ("membership.renewals"),
    `label` what a person reads in the log, `details` the filters and the format."""
    user: Any = request.user
    cooperation_id = getattr(request, "cooperation", None) and request.cooperation.pk  # type: ignore[attr-defined]
    cooperation_id = cooperation_id or getattr(user, "cooperation_id", None)
    if cooperation_id is not None:  # a platform administrator exports no tenant's list
        AuditEntry.objects.create(
            cooperation_id=cooperation_id,
            actor=user if user.is_authenticated else None,
            action=EXPORT,
            model=list_name[:60],
            object_id="",
            object_repr=(label or list_name)[:200],
            changes={"rows": rows, **(details or {})},
        )
    return no_store(response)
