"""How an app plugs into Coopé: one declaration in its `apps.py`, found by discovery.

    class CanneryConfig(AppConfig):
        name = "coope.cannery"
        coope = CoopeApp(
            programme=Programme("cannery", _("Conserverie mobile et solidaire")),
            urls=(("conserverie/", "coope.cannery.urls"),),
            permissions={"cannery.view": frozenset({"director", "coordinator", "volunteer"})},
            nav=(NavEntry(_("Conserverie"), "cannery:index", "cannery.view", order=70),),
            import_kinds=("coope.cannery.importing.CollectionImporter",),
            personal_data="coope.cannery.privacy",
            payees=(("shop", _("Boutique")),),
            demo="coope.cannery.demo.build",
            demo_order=20,
            report_section="coope.cannery.apps.report_section",
            figure_models=("cannery.producer", "cannery.collection", "cannery.lot", ...),
        )

Nothing shared lists the apps: `settings.py` installs every package of `coope/` that has an
`apps.py`; the URLs, the menu, the permission table, the time-currency payees, the imports, the
personal-data export, the demo and the report read `declarations()` through the helpers below.
Arrows point from the apps to the core, never back: this module imports no app, and a dotted
path is imported only when it is used. See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Programme:
    """A programme of the cooperation (the cannery, mobility...): the stable code that records
    (activities, trainings, volunteer hours) carry and that figures are sliced by."""

    code: str
    label: Any


@dataclass(frozen=True)
class NavEntry:
    """A link of the main menu, shown to the accounts that may follow it.

    `permission`: None for any signed-in account, a permission, or a tuple of permissions of
    which one is enough. `needs_person`: only for accounts linked to a person (an inhabitant's
    own pages). Entries are shown by `order`; from 1000 on, after the page's own links."""

    label: Any
    url_name: str
    permission: str | tuple[str, ...] | None = None
    order: int = 100
    needs_person: bool = False

    def visible_to(self, user: Any) -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        if self.needs_person and getattr(user, "person_id", None) is None:
            return False
        if self.permission is None:
            return True
        needed = (self.permission,) if isinstance(self.permission, str) else self.permission
        return any(user.has_coope_perm(permission) for permission in needed)


@dataclass(frozen=True)
class SetupStatus:
    """Where a configuration screen stands, when it can be known cheaply: `done` or still to do,
    and a few French words that say it (« 2 maisons », « aucune période »)."""

    done: bool
    summary: Any = ""


@dataclass(frozen=True)
class SetupEntry:
    """A configuration screen of an app: shown on the setup page to the accounts that hold
    `permission`, by `order`, with `help` (one French sentence: what is set there).

    `status`: dotted path of `status(cooperation) -> SetupStatus | None`, called in the
    cooperation's scope when the setup page is shown (a query or two, no more)."""

    label: Any
    url_name: str
    permission: str
    order: int = 100
    help: Any = ""
    status: str | None = None

    def status_of(self, cooperation: Any) -> SetupStatus | None:
        if self.status is None:
            return None
        found: SetupStatus | None = load(self.status)(cooperation)
        return found


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
    # dotted path of a function returning the default report section of the app:
    # {"title": str, "figures": [(indicator key, label, by_house)], "texts": [(kind, title, body)]}.
    report_section: str | None = None
    # labels ("app_label.model_name") of the app's own models whose rows a key figure counts or
    # filters on: every write of one leaves an audit entry (coope.core.audit.figure_models, and
    # the test that runs every write path, coope/core/tests/test_audit_coverage.py).
    figure_models: tuple[str, ...] = ()
    # The app's configuration screens, listed on the cooperation's setup page (« Configuration »)
    # that a new cooperation's director goes through: (label, url name, permission, order, help).
    setup: tuple[SetupEntry, ...] = ()


def declarations() -> Iterator[tuple[str, CoopeApp]]:
    """(app label, declaration) of every installed app that declares one, in INSTALLED_APPS order."""
    for config in apps.get_app_configs():
        declaration = getattr(config, "coope", None)
        if isinstance(declaration, CoopeApp):
            yield config.label, declaration


def programmes() -> dict[str, Programme]:
    """Every declared programme, by code."""
    return {
        d.programme.code: d.programme for _label, d in declarations() if d.programme is not None
    }


def load(dotted_path: str) -> Any:
    return import_string(dotted_path)


def validate_programme(code: str) -> None:
    """A programme code must be declared by an installed app (empty: no programme)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if code and code not in programmes():
        raise ValidationError(
            _("Le programme « %(code)s » n'existe pas : choisissez-le dans la liste."),
            params={"code": code},
        )


# -- what the shared code reads ------------------------------------------------------------------


def url_includes() -> list[tuple[str, str]]:
    """(prefix, urlconf) of every declared `urls` entry, in INSTALLED_APPS order."""
    return [entry for _label, d in declarations() for entry in d.urls]


def declared_permissions() -> dict[str, frozenset[str]]:
    """permission -> roles, merged from every declaration; a permission declared twice is refused."""
    table: dict[str, frozenset[str]] = {}
    owner: dict[str, str] = {}
    for label, declaration in declarations():
        for permission, roles in declaration.permissions.items():
            if permission in table:
                raise ImproperlyConfigured(
                    f"La permission « {permission} » est déclarée par {owner[permission]} "
                    f"et par {label} : une seule app la déclare."
                )
            table[permission], owner[permission] = frozenset(roles), label
    return table


def nav_entries() -> list[NavEntry]:
    """Every declared menu entry, by `order` (INSTALLED_APPS order among equals)."""
    entries = [entry for _label, d in declarations() for entry in d.nav]
    return sorted(entries, key=lambda entry: entry.order)


def setup_entries() -> list[SetupEntry]:
    """Every declared configuration screen, by `order` (INSTALLED_APPS order among equals)."""
    entries = [entry for _label, d in declarations() for entry in d.setup]
    return sorted(entries, key=lambda entry: entry.order)


def payees() -> list[tuple[str, Any]]:
    """(code, label) of every declared time-currency payee; a code declared twice is refused."""
    found: dict[str, Any] = {}
    for label, declaration in declarations():
        for code, name in declaration.payees:
            if code in found:
                raise ImproperlyConfigured(
                    f"{label} : le bénéficiaire « {code} » est déjà déclaré."
                )
            found[code] = name
    return list(found.items())


def figure_models() -> tuple[str, ...]:
    """Every declared figure model, in INSTALLED_APPS order. An app declares its own models only
    (a label of another app, or one declared twice, is refused): whoever adds a model owns its
    audit."""
    found: dict[str, str] = {}
    for label, declaration in declarations():
        for model in declaration.figure_models:
            if model.split(".", 1)[0] != label or model.count(".") != 1:
                raise ImproperlyConfigured(
                    f"{label} : « {model} » n'est pas un modèle de l'app ; une app ne déclare "
                    f"que ses propres modèles (« {label}.nom_du_modele »)."
                )
            if model in found:
                raise ImproperlyConfigured(
                    f"{label} : le modèle « {model} » est déclaré deux fois."
                )
            found[model] = label
    return tuple(found)


def demo_builders() -> list[tuple[str, Callable[[Any], Any]]]:
    """(app label, `build(builder)`) of every declared demo, by `demo_order`."""
    ordered = sorted(
        (
            (d.demo_order, index, label, d.demo)
            for index, (label, d) in enumerate(declarations())
            if d.demo
        ),
    )
    return [(label, load(path)) for _order, _index, label, path in ordered]


def report_sections() -> list[tuple[str, dict[str, Any]]]:
    """(app label, section) of every declared default report section, in INSTALLED_APPS order."""
    return [
        (label, load(d.report_section)())
        for label, d in declarations()
        if d.report_section is not None
    ]
