"""The import kinds, found by discovery: every app lists the dotted paths of its importers in
its declaration (`coope = CoopeApp(import_kinds=(...))` in its apps.py); nothing lists them here."""

from django.utils.translation import gettext as _

from coope.core.plugins import declarations, load
from coope.imports.cells import words_of
from coope.imports.framework import Importer


class UnknownKind(KeyError):  # noqa: N818 (a lookup that found nothing, as KeyError)
    pass


def kinds() -> dict[str, type[Importer]]:
    """Every declared import kind, by code, in the order of INSTALLED_APPS and of each declaration."""
    found: dict[str, type[Importer]] = {}
    for label, declaration in declarations():
        for path in declaration.import_kinds:
            importer = load(path)
            if (
                not (isinstance(importer, type) and issubclass(importer, Importer))
                or not importer.kind
            ):
                raise TypeError(f"{label}: {path} n'est pas un Importer avec un `kind`.")
            if importer.kind in found and found[importer.kind] is not importer:
                raise TypeError(
                    f"{label}: le type d'import « {importer.kind} » est déclaré deux fois."
                )
            found[importer.kind] = importer
    return found


def kind_aliases() -> dict[str, str]:
    """The other names of the kinds (French, as typed at the command line) -> their code."""
    return {name: kind for kind, importer in kinds().items() for name in importer.other_names}


def find_kind(name: str) -> type[Importer]:
    """The importer of a kind given by its code or one of its other names."""
    found = kinds()
    kind = kind_aliases().get(name, name)
    if kind not in found:
        raise UnknownKind(
            _("Type d'import « %(k)s » inconnu : %(known)s.")
            % {"k": name, "known": ", ".join(found)}
        )
    return found[kind]


def ordered_kinds() -> dict[str, type[Importer]]:
    """Every kind after the kinds it depends on (`Importer.depends_on`), otherwise in the order
    of declaration: the order of a workbook's sheets and of its import. A dependency on a kind
    no app declares is left aside; a cycle is a programming error."""
    found = kinds()
    ordered: dict[str, type[Importer]] = {}
    waiting = dict(found)
    while waiting:
        ready = next(
            (
                kind
                for kind, importer in waiting.items()
                if all(d in ordered or d not in found for d in importer.depends_on)
            ),
            None,
        )
        if ready is None:
            raise TypeError(
                "Les types d'import dépendent les uns des autres en cercle : "
                + ", ".join(f"{kind} → {', '.join(i.depends_on)}" for kind, i in waiting.items())
            )
        ordered[ready] = waiting.pop(ready)
    return ordered


def sheet_names() -> dict[str, str]:
    """Every way of naming a kind's sheet (its code, label, sheet title and French names,
    compared without accents, case, punctuation or what is in parentheses) -> its code."""
    table: dict[str, str] = {}
    for kind, importer in kinds().items():
        label = str(importer.label)
        for name in (
            kind,
            label,
            label.split("(", 1)[0],
            importer.sheet_title(),
            *importer.other_names,
        ):
            table.setdefault(words_of(name.replace("_", " ")), kind)
    return table


def kind_of_sheet(title: str) -> str | None:
    """The kind a workbook's sheet holds, from its title; None when no kind is named so."""
    return sheet_names().get(words_of(title.replace("_", " ")))
