"""Invariants that `coope check` verifies: each app declares its own in `invariants.py`.

    @invariant(_("Chaque virement s'équilibre"))
    def transfers_balance() -> Iterable[str]:
        yield "Virement 12 : la somme des écritures vaut 5 minutes, pas 0."

A check yields one readable sentence per problem found, and nothing when all is well. Checks
run across every cooperation (inside `scopes_disabled()`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

Check = Callable[[], Iterable[str]]


@dataclass(frozen=True)
class Invariant:
    label: str | Promise  # often lazily translated
    check: Check


_INVARIANTS: dict[str, Invariant] = {}
_discovered = False


def invariant(label: str | Promise) -> Callable[[Check], Check]:
    def register(func: Check) -> Check:
        _INVARIANTS[f"{func.__module__}.{func.__qualname__}"] = Invariant(label=label, check=func)
        return func

    return register


def invariants() -> list[Invariant]:
    global _discovered
    if not _discovered:
        autodiscover_modules("invariants")
        _discovered = True
    return list(_INVARIANTS.values())
