"""coope.lib.bounds: every form of every app is bounded, and the bounds say, in French, what to
type instead."""

from __future__ import annotations

import datetime
import importlib
import inspect
import pkgutil

import pytest
from django import forms

import coope
from coope.lib.bounds import Bounded, parse_date, parse_int


def app_form_classes():
    for module_info in pkgutil.walk_packages(coope.__path__, "coope."):
        name = module_info.name
        if ".tests" in name or not name.rsplit(".", 1)[-1].startswith("forms"):
            continue
        module = importlib.import_module(name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, forms.BaseForm):
                yield cls


# The upload form (the imports' own): a kind among the declared ones and a file, checked there.
UNBOUNDED = {"coope.imports.forms.ImportForm"}


def test_every_form_of_every_app_is_bounded():
    classes = list(app_form_classes())
    assert len(classes) > 30  # the walk found the apps' forms
    missing = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in classes
        if not issubclass(cls, Bounded) and f"{cls.__module__}.{cls.__qualname__}" not in UNBOUNDED
    ]
    assert missing == []


class Sample(Bounded, forms.Form):
    count = forms.IntegerField()
    months = forms.IntegerField(min_value=1, max_value=12)
    euros = forms.DecimalField(decimal_places=2)
    day = forms.DateField()
    notes = forms.CharField(widget=forms.Textarea, required=False)


GOOD = {"count": "3", "months": "2", "euros": "2,50", "day": "2018-07-12"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("count", "2147483648", "Le nombre doit être entre -100\u202f000 et 100\u202f000."),
        ("count", str(2**63), "Le nombre doit être entre -100\u202f000 et 100\u202f000."),
        ("months", "13", "Le nombre doit être entre 1 et 12."),  # the field's own limit, kept
        ("euros", "1000000", "Le nombre doit être entre -100\u202f000 et 100\u202f000."),
        ("euros", "NaN", "Saisissez un nombre."),
        ("euros", "Infinity", "Saisissez un nombre."),
        ("day", "0001-01-01", "Date improbable : choisissez une date entre 01/01/1900"),
        ("day", "9999-12-31", "Date improbable"),
        ("notes", "x" * 10_001, "Ce texte est trop long : 10\u202f000 caractères au plus"),
        ("notes", "a\x00b", "caractère nul"),
    ],
)
def test_a_value_beyond_its_bounds_is_a_french_message(field, value, message):
    form = Sample({**GOOD, field: value})
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_values_within_bounds_pass():
    form = Sample({**GOOD, "count": "100000", "euros": "100000", "day": "2100-12-31"})
    assert form.is_valid(), form.errors


def test_query_string_values_are_read_or_ignored():
    assert parse_date("2018-07-12") == datetime.date(2018, 7, 12)
    assert parse_date("0001-01-01") is None
    assert parse_date("a\x00b") is None
    assert parse_int("12") == 12
    assert parse_int(str(2**63)) is None
    assert parse_int("-1") is None


def test_a_text_field_read_as_a_number_is_bounded_by_its_own_reading():
    from coope.timebank.forms_setup import LimitForm

    form = LimitForm(
        {"member-min_balance_minutes": "-20", "member-max_balance_minutes": "x" * 10_001},
        cooperation=None,
        kind="member",
        label="",
        default=(None, None),
    )
    assert not form.is_valid()
    assert "n'est pas une durée" in " ".join(form.errors["max_balance_minutes"])
