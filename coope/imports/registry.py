"""The import kinds, found by discovery: every app lists the dotted paths of its importers in
its declaration (`coope = CoopeApp(import_kinds=(...))` in its apps.py); nothing lists them here."""

from django.utils.translation import gettext as _

from coope.core.plugins import declarations, load
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
