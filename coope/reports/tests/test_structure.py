"""Building a report: from a template, from last year's report, and editing its structure."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from coope.core.models import AuditEntry
from coope.lib.periods import Period, period_label
from coope.reports import services
from coope.reports.demo import DEMO_REPORT, build_report_demo
from coope.reports.models import Report, Section, SectionFigure, TextBlock

pytestmark = pytest.mark.django_db


def test_next_years_report_starts_from_this_years_structure(report):
    w = report
    services.update_text(
        actor=w.director, block=w.bikes.texts.get(), title="", body="Réparer, c'est partager."
    )
    new = services.start_next_report(actor=w.coordinator, report=w.report, year=2019)
    assert (new.title, new.period_start, new.period_end, new.made_from) == (
        "Rapport d'activités 2019",
        datetime.date(2019, 1, 1),
        datetime.date(2019, 12, 31),
        w.report,
    )
    sections = list(new.sections.order_by("order"))
    assert [s.title for s in sections] == ["La Coopération", "Programme vélo"]
    assert (sections[1].period_start, sections[1].period_end) == (
        datetime.date(2018, 7, 1),
        datetime.date(2019, 6, 30),
    )
    assert list(sections[0].figures.values_list("indicator_key", "label", "by_house")) == list(
        w.whole.figures.values_list("indicator_key", "label", "by_house")
    )
    assert sections[1].texts.get().body == "Réparer, c'est partager."
    # The old report is untouched and the copy is audited.
    assert w.report.sections.count() == 2 and TextBlock.objects.count() == 4
    assert AuditEntry.objects.filter(
        model="reports.report", object_id=str(new.pk), action="create"
    ).exists()
    with pytest.raises(ValidationError, match="déjà été préparé"):
        services.start_next_report(actor=w.coordinator, report=w.report, year=2019)


def test_a_template_figure_whose_indicator_is_not_registered_is_skipped(in_scope):
    w = in_scope
    template = {
        "title": "Rapport {year}",
        "sections": [
            {
                "title": "Tout",
                "figures": [
                    ("membership.members", "adhérents", False),
                    ("nowhere.not_yet_there", "pas encore", False),
                ],
                "texts": [("results", "", "Bien.")],
            },
            {
                "title": "Saison",
                "period": ((-1, 7, 1), (0, 6, 30)),
                "figures": [("nowhere.either", "", False)],
            },
        ],
    }
    r = services.create_report_from_template(
        actor=None, cooperation=w.coop, template=template, year=2018
    )
    assert r.title == "Rapport 2018"
    whole, season = r.sections.order_by("order")
    assert list(whole.figures.values_list("indicator_key", flat=True)) == ["membership.members"]
    assert season.figures.count() == 0
    assert (season.period_start, season.period_end) == (
        datetime.date(2017, 7, 1),
        datetime.date(2018, 6, 30),
    )


def test_the_demo_template_keeps_the_seeds_sections_and_periods(in_scope):
    w = in_scope
    r = build_report_demo(w.coop)
    assert build_report_demo(w.coop).pk == r.pk  # once
    titles = [s.title for s in r.sections.order_by("order")]
    assert titles == [s["title"] for s in DEMO_REPORT["sections"]]
    cannery = r.sections.get(title="La conserverie mobile & solidaire")
    assert period_label(cannery.period_in(r)) == "Juillet 2017 à décembre 2018"
    radio = r.sections.get(title__startswith="La Bobine")
    assert period_label(radio.period_in(r)) == "Octobre 2017 à juillet 2018"
    kinds = set(TextBlock.objects.filter(section=cannery).values_list("kind", flat=True))
    assert kinds == {"free", "how_it_works", "objectives", "results", "value", "principle"}
    assert SectionFigure.objects.filter(
        section__report=r, indicator_key="membership.members"
    ).exists()


def test_sections_figures_and_texts_move_and_go(report):
    w = report
    services.move_section(actor=w.director, section=w.bikes, direction=-1)
    assert list(w.report.sections.order_by("order").values_list("title", flat=True)) == [
        "Programme vélo",
        "La Coopération",
    ]
    services.move_section(actor=w.director, section=w.bikes, direction=-1)  # already first: stays
    assert Section.objects.order_by("order").first() == w.bikes
    last = w.whole.figures.order_by("order").last()
    services.move_figure(actor=w.director, figure=last, direction=-1)
    keys = list(w.whole.figures.order_by("order").values_list("indicator_key", flat=True))
    assert keys[-2:] == ["membership.members_by_house", "volunteering.hours"]
    services.remove_figure(actor=w.director, figure=last)
    assert w.whole.figures.count() == 5
    block = services.add_text(
        actor=w.director, section=w.whole, kind="results", body="- un\n- deux"
    )
    services.move_text(actor=w.director, block=block, direction=-1)
    assert list(w.whole.texts.order_by("order").values_list("kind", flat=True)) == [
        "results",
        "how_it_works",
    ]
    services.remove_section(actor=w.director, section=w.bikes)
    assert not SectionFigure.objects.filter(section_id=w.bikes.pk).exists()
    assert AuditEntry.objects.filter(model="reports.section", action="delete").count() == 1


def test_bad_input_is_refused_with_a_message_and_nothing_written(report):
    w = report
    with pytest.raises(ValidationError, match="n'existe pas"):
        services.add_figure(actor=w.director, section=w.whole, indicator_key="membership.nope")
    with pytest.raises(ValidationError, match="avant de commencer"):
        services.update_section(
            actor=w.director,
            section=w.bikes,
            title="Vélo",
            period_start=datetime.date(2018, 6, 1),
            period_end=datetime.date(2018, 1, 1),
        )
    with pytest.raises(ValidationError, match="les deux dates"):
        services.add_section(
            actor=w.director, report=w.report, title="X", period_start=datetime.date(2018, 1, 1)
        )
    with pytest.raises(ValidationError, match="titre"):
        services.create_report(
            actor=w.director,
            cooperation=w.coop,
            title=" ",
            period_start=datetime.date(2018, 1, 1),
            period_end=datetime.date(2018, 12, 31),
        )
    assert (Report.objects.count(), Section.objects.count(), SectionFigure.objects.count()) == (
        1,
        2,
        7,
    )
    w.bikes.refresh_from_db()
    assert w.bikes.title == "Programme vélo"


def test_period_labels_read_as_in_the_seed():
    assert period_label(Period.year(2018)) == "2018"
    assert (
        period_label(Period(datetime.date(2017, 1, 1), datetime.date(2018, 12, 31))) == "2017-2018"
    )
    assert (
        period_label(Period(datetime.date(2017, 10, 1), datetime.date(2018, 7, 31)))
        == "Octobre 2017 à juillet 2018"
    )
    assert (
        period_label(Period(datetime.date(2018, 3, 12), datetime.date(2018, 4, 30)))
        == "12/03/2018 – 30/04/2018"
    )


def test_the_measure_of_a_figure_is_said_with_french_names():
    from coope.activities.models import Attendance
    from coope.lib.indicators import registry
    from coope.reports.provenance import measure_note
    from coope.volunteering.models import VolunteerHours

    found = registry()
    note = measure_note(found["activities.named_participants"], Attendance)
    assert note == "Le chiffre compte une seule fois chaque « personne » de ces enregistrements."
    valued = measure_note(found["volunteering.value_cents"], VolunteerHours)
    assert "valued" not in valued and "valeur calculée" in valued
