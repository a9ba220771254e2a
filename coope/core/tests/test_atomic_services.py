"""Every service that writes runs in one transaction, and no decorator slid onto a helper.

Twice a helper was inserted between `@transaction.atomic` and the service below it (TIC-TAC's
`pay_in_time`, the cannery's `record_batch`): the helper became atomic, the service did not,
and a refusal half-way left rows behind. This test reads the source of every
`coope/*/services*.py`, finds the functions that write (a `save`, `create`, `bulk_create`,
`delete`, a queryset `update`, an audit entry, or a call of another function that writes) and
checks, on the imported function objects:
- every public function that writes is atomic (`@atomic_service` or `@transaction.atomic`),
  unless it is listed in NOT_ATOMIC with the reason (a function whose writes are all made by
  atomic services it calls is not asked to be);
- every atomic function writes something: a decorator on a function that writes nothing has
  slid off the function it was meant for.
Then it runs `pay_in_time` into a refusal after its first write, outside any transaction, and
checks that nothing stayed.
"""

import ast
import importlib
import inspect
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope, scopes_disabled

import coope
from coope.core.models import AuditEntry
from coope.lib.atomic import atomic_service, is_atomic

# Public functions that write but are, by design, not one transaction as a whole.
NOT_ATOMIC: dict[str, str] = {}

WRITE_METHODS = {
    "save",
    "create",
    "bulk_create",
    "bulk_update",
    "update_or_create",
    "delete",
    "record",
    "record_many",
}


def service_modules() -> list[str]:
    root = Path(coope.__file__).parent
    return sorted(f"coope.{path.parent.name}.{path.stem}" for path in root.glob("*/services*.py"))


def _callees(module, node: ast.FunctionDef) -> set[str]:
    """The functions a function calls, by qualified name: `helper(...)` and `pay_in_time(...)`
    (imported, at the top of the module or in the function), `timebank.pay_in_time(...)`."""
    local = {  # imports inside the function
        alias.asname or alias.name: f"{imported.module}.{alias.name}"
        for imported in ast.walk(node)
        if isinstance(imported, ast.ImportFrom) and imported.module
        for alias in imported.names
    }
    names = set()
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        if isinstance(func, ast.Name):
            if func.id in local:
                names.add(local[func.id])
                continue
            target = inspect.unwrap(getattr(module, func.id, None) or (lambda: None))
            if inspect.isfunction(target):
                names.add(f"{target.__module__}.{target.__name__}")
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            owner = getattr(module, func.value.id, None)
            if inspect.ismodule(owner):
                names.add(f"{owner.__name__}.{func.attr}")
    return names


def _writes_itself(node: ast.AST) -> bool:
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        if isinstance(func, ast.Attribute):
            if func.attr in WRITE_METHODS:
                return True
            # A queryset's update (`X.objects.filter(...).update(...)`), not a dict's.
            if func.attr == "update" and isinstance(func.value, ast.Call | ast.Attribute):
                return True
        elif isinstance(func, ast.Name) and func.id in {"record", "record_many"}:
            return True
    return False


def problems_in(modules) -> list[str]:
    """The services of these modules that write without being atomic, and the atomic functions
    that write nothing."""
    functions: dict[str, tuple[object, ast.FunctionDef]] = {}
    for module in modules:
        for node in ast.parse(inspect.getsource(module)).body:
            if isinstance(node, ast.FunctionDef):
                functions[f"{module.__name__}.{node.name}"] = (module, node)
    callees = {name: _callees(module, node) for name, (module, node) in functions.items()}
    # Writers, to a fixed point: a function that calls a writer writes.
    writers = {name for name, (_m, node) in functions.items() if _writes_itself(node)}
    while True:
        more = {name for name in functions if name not in writers and callees[name] & writers}
        if not more:
            break
        writers |= more
    atomic = {
        name for name, (module, node) in functions.items() if is_atomic(getattr(module, node.name))
    }
    # A function needs a transaction of its own when it writes, or calls a function that needs
    # one and has none (a helper); an atomic service it calls is a transaction already.
    needs = {name for name, (_m, node) in functions.items() if _writes_itself(node)}
    while True:
        more = {
            name for name in functions if name not in needs and callees[name] & (needs - atomic)
        }
        if not more:
            break
        needs |= more
    problems = []
    for name, (_module, node) in functions.items():
        if name in needs and name not in atomic and not node.name.startswith("_"):
            if name not in NOT_ATOMIC:
                problems.append(f"{name} writes but is not atomic")
        if name in atomic and name not in writers:
            problems.append(
                f"{name} is atomic but writes nothing: did the decorator slide off the "
                "function below it?"
            )
    return problems


def test_every_service_that_writes_is_atomic_and_only_those():
    modules = [importlib.import_module(name) for name in service_modules()]
    assert len(modules) >= 8  # the apps' services were found
    assert problems_in(modules) == []
    for name in NOT_ATOMIC:
        module, _, function = name.rpartition(".")
        assert not is_atomic(getattr(importlib.import_module(module), function)), (
            f"{name} is atomic now: take it out of NOT_ATOMIC"
        )


SLID = """
from django.db import transaction

from coope.core import audit
from coope.lib.atomic import atomic_service


@transaction.atomic
def jars_text(jars: int) -> str:
    return f"{jars} bocaux"


def record_batch(*, actor, batch):
    batch.save()
    audit.record(actor=actor, action="record_batch", instance=batch)


@atomic_service
def release_batch(*, actor, batch):
    record_batch(actor=actor, batch=batch)
"""


def _module(tmp_path, name: str, source: str):
    (tmp_path / f"{name}.py").write_text(source)
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(name, None)


def test_the_check_finds_a_decorator_that_slid_onto_the_helper_above(tmp_path):
    slid = _module(tmp_path, "slid_services", SLID)
    assert problems_in([slid]) == [
        "slid_services.jars_text is atomic but writes nothing: did the decorator slide off "
        "the function below it?",
        "slid_services.record_batch writes but is not atomic",
    ]
    fixed = SLID.replace("@transaction.atomic\ndef jars_text", "def jars_text").replace(
        "\ndef record_batch", "\n@transaction.atomic\ndef record_batch"
    )
    assert problems_in([_module(tmp_path, "fixed_services", fixed)]) == []


def test_is_atomic_knows_both_decorators():
    from django.db import transaction

    def plain():
        return None

    assert not is_atomic(plain)
    assert is_atomic(transaction.atomic(plain))
    assert is_atomic(atomic_service(plain))


@pytest.mark.django_db(transaction=True)
def test_a_payment_in_time_refused_after_its_first_write_leaves_nothing(world):
    """Outside any transaction (as a view calls it), `pay_in_time` to a programme account that
    does not exist yet creates it (a write, audited), then refuses the payment (too many
    minutes): the account and its audit entry must go too."""
    from coope.people.models import Person
    from coope.timebank import services
    from coope.timebank.models import Account

    with scope(cooperation=world.coop.pk):
        person = Person.objects.create(cooperation=world.coop, first_name="Inès", last_name="T")
        account = services.open_account(actor=None, person=person, registered_with=world.assoc_b)
        with scopes_disabled():
            accounts, audits = Account.objects.count(), AuditEntry.objects.count()
        with pytest.raises(ValidationError, match="Solde insuffisant"):
            services.pay_in_time(
                actor=world.director,
                payer=account,
                payee_kind="association",
                association=world.assoc_b,
                minutes=100 * 60,
                item=person,
                idempotency_key="trop",
            )
        with scopes_disabled():
            assert (Account.objects.count(), AuditEntry.objects.count()) == (accounts, audits)
