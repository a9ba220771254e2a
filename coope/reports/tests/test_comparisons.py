"""What a figure is compared with, and charts whose parts add up to more than the figure."""

import datetime

from coope.lib.periods import Period
from coope.reports import services
from coope.reports.rendering import build_sections, load_report


def test_a_year_is_compared_with_the_year_before_and_a_season_with_the_period_just_before():
    assert Period.year(2018).earlier() == Period.year(2017)
    spring = Period(datetime.date(2018, 3, 1), datetime.date(2018, 6, 30))
    assert spring.earlier() == Period(datetime.date(2017, 3, 1), datetime.date(2017, 6, 30))
    # The cannery's season, July 2017 to December 2018: shifted by a year, July to December 2017
    # would be in both bars. It is compared with the 18 months just before it.
    season = Period(datetime.date(2017, 7, 1), datetime.date(2018, 12, 31))
    assert season.earlier() == Period(datetime.date(2016, 1, 1), datetime.date(2017, 6, 30))
    assert season.earlier().whole_months == season.whole_months == 18
    # Days when the period is not made of whole months: the same number of days just before.
    odd = Period(datetime.date(2017, 7, 3), datetime.date(2018, 12, 31))
    before = odd.earlier()
    assert before.end == datetime.date(2017, 7, 2) and before.days == odd.days == 547
    leap = Period(datetime.date(2016, 2, 29), datetime.date(2016, 12, 31))
    assert leap.earlier().start == datetime.date(2015, 2, 28)


def test_an_earlier_period_without_any_record_says_so_rather_than_zero(report):
    w = report
    whole, bikes = build_sections(load_report(w.report.pk))
    sessions = whole.figures[0]
    assert (sessions.previous, sessions.previous_shown, sessions.previous_caption) == (
        1,
        "1",
        "un an avant",
    )
    # The bike programme's section moved to 2020: 2019 holds no session at all.
    services.update_section(
        actor=w.director,
        section=w.bikes,
        title="Programme vélo",
        period_start=datetime.date(2020, 1, 1),
        period_end=datetime.date(2020, 12, 31),
    )
    whole, bikes = build_sections(load_report(w.report.pk))
    [attendances] = bikes.figures
    assert attendances.previous is None and attendances.previous_missing
    assert attendances.previous_shown == "pas de données"
    assert "pas de données" in bikes.comparison_chart


def test_a_chart_whose_parts_count_a_person_twice_says_why(report):
    w = report
    whole = build_sections(load_report(w.report.pk))[0]
    participants = whole.figures[1]  # by house: Ana came to both houses
    assert [v for _h, v in participants.by_house] == [2, 1] and participants.value == 2
    assert participants.overlap_note == (
        "Une personne peut compter dans plusieurs maisons : les parts font 3, pour 2 au total."
    )
    members_by_house = whole.figures[5]  # Ana at house A, Chloé at house B: no one twice
    assert members_by_house.overlap_note == ""
