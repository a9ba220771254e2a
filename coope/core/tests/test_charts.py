"""The inline charts stay readable on a phone: labels wrap instead of being cut, values fit."""

import re

from coope.lib import charts


def _texts(svg: str) -> list[tuple[float, str]]:
    return [(float(x), text) for x, text in re.findall(r'<text x="([\d.]+)"[^>]*>([^<]*)<', svg)]


def test_a_long_label_wraps_onto_two_lines_and_every_value_fits_in_the_width():
    label = (
        "Conserverie : participants aux ateliers (personnes nommées + personnes comptées sans nom)"
    )
    svg = charts.comparison(
        "titre", [(label, 700, "700 personnes", 1080, "1 080 personnes")], "#123456", "2018", "2017"
    )
    texts = [text for _x, text in _texts(svg)]
    assert "Conserverie : participants aux ateliers" in texts[2]
    assert texts[3].startswith("(personnes nommées") or texts[3].startswith("nommées")
    assert 'font-size="13"' in svg and 'viewBox="0 0 360 ' in svg
    for x, text in _texts(svg):
        assert x + len(text) * charts.CHARACTER_WIDTH <= charts.WIDTH, text


def test_bars_leave_room_for_their_values():
    svg = charts.bars("titre", [("Maison A", 1350, "1 350 personnes", "#111111")])
    [(x, value)] = [(x, t) for x, t in _texts(svg) if t == "1 350 personnes"]
    assert x + len(value) * charts.CHARACTER_WIDTH <= charts.WIDTH
