# Types for django-scopes, which ships none: the scoped manager is typed as the manager it wraps,
# so django-stubs knows each model's `objects` and its related managers.
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, overload

from django.db import models

_M = TypeVar("_M", bound=models.Manager[Any])

from django_scopes.exceptions import ScopeError as ScopeError

@overload
def ScopedManager(_manager_class: type[_M], **scopes: str) -> _M: ...
@overload
def ScopedManager(**scopes: str) -> models.Manager[Any]: ...
def get_scope() -> dict[str, Any]: ...
@contextmanager
def scope(**kwargs: Any) -> Iterator[None]: ...
@contextmanager
def scopes_disabled() -> Iterator[None]: ...
