"""`coope report` for a cooperation that has no earlier report: its first report has one section
per programme (the section each app declares), and nothing of the demo's cooperation."""

import json

import pytest
from django.core.management import call_command
from django_scopes import scope

from coope.core import plugins
from coope.reports.demo import DEMO_REPORT
from coope.reports.models import Report, TextBlock

pytestmark = pytest.mark.django_db


def test_a_first_report_has_a_section_per_programme_and_no_demo_text(world, tmp_path, capsys):
    out = tmp_path / "chiffres.json"
    call_command("report", "--cooperation", "valence", "--year", "2018", "--json", str(out))
    assert "Premier rapport 2018" in capsys.readouterr().out
    data = json.loads(out.read_text(encoding="utf-8"))
    declared = [section for _label, section in plugins.report_sections()]
    assert declared, "the installed apps declare their default report sections"
    assert [s["title"] for s in data["sections"]] == [s["title"] for s in declared]
    assert [[f["key"] for f in s["figures"]] for s in data["sections"]] == [
        [key for key, _label, _by_house in s["figures"]] for s in declared
    ]
    with scope(cooperation=world.other_coop.pk):
        report = Report.objects.get()
        assert report.title == "Rapport d'activités 2018"
        texts = " ".join(TextBlock.objects.values_list("body", flat=True))
    demo_titles = {s["title"] for s in DEMO_REPORT["sections"]} - {s["title"] for s in declared}
    assert not demo_titles & {s["title"] for s in data["sections"]}
    for word in ("Romans", "Accorderie", "P'tite Coopé"):
        assert word not in out.read_text(encoding="utf-8") + texts, word
    # The other cooperation has no report.
    with scope(cooperation=world.coop.pk):
        assert not Report.objects.exists()
