"""`coope report`: the demo's 2018 report, with the seed's sections and figures computed from the
demo records (this file checks the demo's totals: it is not a hand-computed test)."""

import datetime
import io
import json

import pypdf
import pytest
from django.core.management import CommandError, call_command
from django_scopes import scope

from coope.core.models import Cooperation
from coope.lib.indicators import as_json, registry
from coope.lib.periods import Period
from coope.reports.demo import DEMO_REPORT
from coope.reports.models import Report

pytestmark = pytest.mark.django_db


def test_the_demo_2018_report_as_pdf_json_and_spreadsheet(tmp_path, capsys):
    call_command("demo")
    pdf, data, xlsx = (
        tmp_path / "rapport.pdf",
        tmp_path / "chiffres.json",
        tmp_path / "chiffres.xlsx",
    )
    call_command(
        "report",
        "--cooperation",
        "romans",
        "--year",
        "2018",
        "--pdf",
        str(pdf),
        "--json",
        str(data),
        "--xlsx",
        str(xlsx),
    )
    assert "écrit dans" in capsys.readouterr().out
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    flat = text.replace("\n", "")
    squeezed = "".join(text.split())
    for section in DEMO_REPORT["sections"]:
        assert "".join(section["title"].upper().split()) in squeezed, section["title"]
    # The seed's figures of the cooperation, computed from the demo's records.
    for figure in (
        "80bénévoles engagés",
        "1\u202f350adhérents",
        "3\u202f500usagers",
        "352évènements",
    ):
        assert figure in flat, figure
    assert "Juillet 2017 à décembre 2018" in text and "Octobre 2017 à juillet 2018" in text
    figures = {
        (s["title"], f["key"]): f
        for s in json.loads(data.read_text())["sections"]
        for f in s["figures"]
    }
    assert figures[("La Coopération", "membership.members")]["value"] == 1350
    assert figures[("Le groupe Communication", "activities.events_published")]["value"] == 352
    # Every figure of the seed whose indicator exists is there, computed for its section's period.
    known = registry()
    cooperation = Cooperation.objects.get(slug="romans")
    with scope(cooperation=cooperation.pk):
        for section in DEMO_REPORT["sections"]:
            for key, _label, _by_house in section.get("figures", []):
                if key in known:
                    figure = figures[(section["title"], key)]
                    period = Period(
                        *(
                            datetime.date.fromisoformat(figure["period"][k])
                            for k in ("start", "end")
                        )
                    )
                    value = known[key](cooperation, period)
                    if isinstance(value, dict):
                        parts = {part["code"]: part["value"] for part in figure["value"]}
                        assert parts == value, key
                    else:
                        assert figure["value"] == as_json(value), key
    assert xlsx.read_bytes().startswith(b"PK")
    # Run again: the same report is reused; next year starts from it.
    call_command("report", "--cooperation", "romans", "--year", "2018", "--json", str(data))
    call_command("report", "--cooperation", "romans", "--year", "2019", "--json", str(data))
    with scope(cooperation=cooperation.pk):
        assert Report.objects.count() == 2
        assert Report.objects.get(period_start__year=2019).made_from.period_start.year == 2018


def test_the_command_says_what_is_wrong(world, tmp_path):
    with pytest.raises(CommandError, match="Dites quoi écrire"):
        call_command("report", "--cooperation", "romans", "--year", "2018")
    with pytest.raises(CommandError, match="inconnue"):
        call_command(
            "report",
            "--cooperation",
            "nulle-part",
            "--year",
            "2018",
            "--pdf",
            str(tmp_path / "r.pdf"),
        )
    with pytest.raises(CommandError, match="n'existe pas"):
        call_command(
            "report",
            "--cooperation",
            "romans",
            "--year",
            "2018",
            "--pdf",
            str(tmp_path / "x" / "r.pdf"),
        )
