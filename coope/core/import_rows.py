"""What the import kinds of the core and of the apps share beyond coope/imports/cells.py: yes/no
cells, numbers and dates that must make sense, and the comparison of a row with the record it
matches, which makes a re-import safe (the same row: « déjà présente »; another content: the
row's problems, nothing overwritten).

Not an importer (the importing modules are found by discovery and import no one another's):
a helper module, as coope/activities/lookups.py is.
"""

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coope.core.models import ProjectGroup
from coope.core.plugins import programmes
from coope.imports import (
    YES_NO,
    Column,
    as_text,
    choices_table,
    parse_choice,
    person_columns,
    words_of,
)
from coope.lib.spreadsheets import Cell

# Records of a cooperation's life: nothing before this day makes sense (a typo: 0001, 1018).
EARLIEST = datetime.date(1990, 1, 1)


def described_person_columns() -> tuple[Column, ...]:
    """The framework's person columns (name, and birth date or card for namesakes), with help."""
    return tuple(
        column.with_help(help, example)
        for column, (help, example) in zip(
            person_columns(),
            (
                (gettext_lazy("Prénom de la personne, telle qu'elle est dans Coopé."), "Élodie"),
                (gettext_lazy("Nom de la personne."), "Dupont"),
                (
                    gettext_lazy("Date de naissance, pour distinguer deux homonymes ; JJ/MM/AAAA."),
                    "04/05/1980",
                ),
                (
                    gettext_lazy("Numéro de carte d'adhésion, pour distinguer deux homonymes."),
                    "ROM-0042",
                ),
            ),
            strict=True,
        )
    )


def find_programme(value: Cell) -> str | None:
    """A programme of Coopé by its code or its name -> its code; empty -> None."""
    text = as_text(value)
    if not text:
        return None
    for code, programme in programmes().items():
        if words_of(text) in (words_of(code), words_of(str(programme.label))):
            return code
    known = [f"{code} ({p.label})" for code, p in programmes().items()]
    raise ValueError(
        _("Programme « %(v)s » inconnu. Programmes : %(k)s.")
        % {"v": text, "k": ", ".join(known) or _("aucun")}
    )


class ProjectGroups:
    """The cooperation's project groups, by name or identifier, read at the first row."""

    def __init__(self, cooperation):
        self.cooperation = cooperation
        self._groups: dict[str, ProjectGroup] | None = None

    def __call__(self, value: Cell) -> ProjectGroup | None:
        text = as_text(value)
        if not text:
            return None
        if self._groups is None:
            self._groups = {}
            for group in ProjectGroup.objects.filter(cooperation=self.cooperation):
                self._groups[words_of(group.slug)] = group
                self._groups[words_of(group.name)] = group
        if words_of(text) not in self._groups:
            known = sorted({g.name for g in self._groups.values()})
            raise ValueError(
                _("Groupe projet « %(v)s » inconnu. Groupes projets connus : %(k)s.")
                % {"v": text, "k": ", ".join(known) or _("aucun")}
            )
        return self._groups[words_of(text)]


def text_of(values: dict[str, Cell], key: str, length: int, problems) -> str:
    """The cell's text, spaces tidied; longer than its field: the row's problem."""
    text = " ".join(as_text(values.get(key, "")).split())
    if len(text) > length:
        problems.append(
            (
                key,
                _("Trop long : %(n)s caractères au plus (%(l)s ici).")
                % {"n": length, "l": len(text)},
            )
        )
    return text


def parse_yes_no(value: Cell, synonyms: dict[str, str] | None = None) -> bool | None:
    """« oui », « non » (« x », « 1 », « 0 »...) -> True, False; empty -> None."""
    table = {**YES_NO, **choices_table([], synonyms)} if synonyms else YES_NO
    answer = parse_choice(value, table, _("oui ou non"))
    return None if answer is None else answer == "yes"


def parse_count(value: Cell, *, low: int, high: int) -> int | None:
    """A whole number between `low` and `high` (a capacity, a headcount); empty -> None."""
    text = re.sub(r"\s", "", as_text(value))
    if not text:
        return None
    if not re.fullmatch(r"[-+]?\d+([.,]0+)?", text):
        raise ValueError(
            _("« %(v)s » n'est pas un nombre entier, ex. %(e)s.") % {"v": as_text(value), "e": 12}
        )
    number = int(re.split(r"[.,]", text)[0])
    if not low <= number <= high:
        raise ValueError(
            _("%(n)s est hors limites : écrivez un nombre entre %(low)s et %(high)s.")
            % {"n": number, "low": low, "high": f"{high:,}".replace(",", "\u202f")}
        )
    return number


def day_text(day: datetime.date) -> str:
    """JJ/MM/AAAA, also for a year below 1000 (which strftime would not pad)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def check_day(
    day: datetime.date | None,
    key: str,
    problems: list[tuple[str, str]],
    *,
    earliest: datetime.date = EARLIEST,
    latest: datetime.date | None = None,
) -> None:
    """A date outside [earliest, latest] (latest: today by default) is the row's problem."""
    latest = latest or timezone.localdate()
    if day is not None and not earliest <= day <= latest:
        problems.append(
            (
                key,
                _(
                    "Le %(d)s n'est pas une date possible ici : écrivez une date entre le "
                    "%(a)s et le %(b)s."
                )
                % {"d": day_text(day), "a": day_text(earliest), "b": day_text(latest)},
            )
        )


def shown(value: Any) -> str:
    """A value as the row's problem shows it."""
    if value is None or value == "":
        return _("(vide)")
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return day_text(value)
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def differences(record: str, fields: Iterable[tuple[str, Any, Any, Any]]) -> list[tuple[str, str]]:
    """The row's problems where it says something else than the record it matches.

    `fields`: (column key, what the column is, value in Coopé, value of the row). A row value of
    None is an empty cell, which says nothing: it is not compared. Nothing is overwritten: the
    message says where to change the record, if the file is right."""
    problems = []
    for key, label, stored, given in fields:
        if given is None or stored == given:
            continue
        problems.append(
            (
                key,
                _(
                    "%(r)s est déjà dans Coopé avec %(l)s « %(s)s », la ligne dit « %(g)s ». "
                    "Rien n'est changé : corrigez la ligne, ou la fiche dans Coopé si le fichier "
                    "a raison."
                )
                % {"r": record, "l": label, "s": shown(stored), "g": shown(given)},
            )
        )
    return problems
