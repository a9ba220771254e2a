# Types for django-scopes, which ships none: the scoped manager is typed as the manager it wraps,
# so django-stubs knows each model's `objects` and its related managers.
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, overload

from django.db import models
from django_scopes.exceptions import ScopeError as ScopeError

@overload
def ScopedManager[M: models.Manager[Any]](_manager_class: type[M], **scopes: str) -> M: ...
@overload
def ScopedManager(**scopes: str) -> models.Manager[Any]: ...
def get_scope() -> dict[str, Any]: ...
@contextmanager
def scope(**kwargs: Any) -> Iterator[None]: ...
@contextmanager
def scopes_disabled() -> Iterator[None]: ...
