"""How an app plugs into Coopé: one declaration in its `apps.py`, found by discovery.

    class CanneryConfig(AppConfig):
        name = "coope.cannery"
        coope = CoopeApp(
            programme=Programme("cannery", _("Conserverie mobile et solidaire")),
            urls=("conserverie/", "coope.cannery.urls"),
            permissions={"cannery.view": {"director", "coordinator", "volunteer", "evaluator"}},
            nav=(NavEntry(_("Conserverie"), "cannery:index", "cannery.view"),),
            import_kinds=("coope.cannery.importing.CollectionImporter",),
            personal_data="coope.cannery.personal_data",
            payees=(("shop", _("Boutique")),),
            demo="coope.cannery.demo.build_cannery_demo",
        )

Nothing shared lists the apps: the core, the menu, the permission table, the imports, the
personal-data export, the demo and the report read `declarations()`. Arrows point from the
apps to the core, never back: this module imports no app.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Programme:
    """A programme of the cooperation (the cannery, mobility...): the stable code that records
    (activities, trainings, volunteer hours) carry and that figures are sliced by."""

    code: str
    label: Any


@dataclass(frozen=True)
class NavEntry:
    label: Any
    url_name: str
    permission: str | None = None  # None: any signed-in staff account
    order: int = 100


@dataclass(frozen=True)
class CoopeApp:
    """What an app brings. Dotted paths are imported only when used."""

    programme: Programme | None = None
    # (prefix, urlconf module): included at the site's root, e.g. ("conserverie/", "coope.cannery.urls").
    urls: tuple[tuple[str, str], ...] = ()
    # permission -> the roles that hold it (see coope.core.permissions.Role).
    permissions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    nav: tuple[NavEntry, ...] = ()
    # dotted paths of import kinds (classes of the import framework).
    import_kinds: tuple[str, ...] = ()
    # dotted path of a module with `export_person(person) -> dict` and
    # `anonymise_person(*, actor, person, old_label, new_label) -> None`.
    personal_data: str | None = None
    # (code, label) of the programme accounts that may be paid in time currency.
    payees: tuple[tuple[str, Any], ...] = ()
    # dotted path of `build(builder)`, called by `coope demo` in `demo_order`.
    demo: str | None = None
    demo_order: int = 100
    # dotted path of a function returning the default report section (see coope.reports).
    report_section: str | None = None


def declarations() -> Iterator[tuple[str, CoopeApp]]:
    """(app label, declaration) of every installed app that declares one, in INSTALLED_APPS order."""
    for config in apps.get_app_configs():
        declaration = getattr(config, "coope", None)
        if isinstance(declaration, CoopeApp):
            yield config.label, declaration


def programmes() -> dict[str, Programme]:
    """Every declared programme, by code."""
    return {d.programme.code: d.programme for _label, d in declarations() if d.programme is not None}


def load(dotted_path: str) -> Any:
    return import_string(dotted_path)
