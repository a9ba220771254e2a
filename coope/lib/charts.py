"""Small inline SVG charts, drawn the same on the web page and in the PDF (no dependency).

Each function returns SVG markup (safe: every label is escaped here) or "" when there is
nothing to draw. Labels sit above their bars, so that the charts stay readable on a phone.
"""

import textwrap

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# A phone draws the chart about 340 px wide: 13 units of a 360-unit width stay 12 px high
# there. A label takes up to two lines of LINE_CHARACTERS above its bars.
WIDTH = 360
FONT_SIZE = 13
FONT = f'font-family="DejaVu Sans, sans-serif" font-size="{FONT_SIZE}"'
LINE = FONT_SIZE + 3
LINE_CHARACTERS = 44
CHARACTER_WIDTH = 0.62 * FONT_SIZE  # an upper bound for DejaVu Sans, digits and letters


def _bar_width(shown: list[str]) -> float:
    """The longest bar's length: what the longest value written after it leaves."""
    room = max((len(text) for text in shown), default=0) * CHARACTER_WIDTH + 8
    return WIDTH - min(room, WIDTH / 2)


PREVIOUS_COLOUR = "#aab4bf"


def _bar(y: float, length: float, colour: str, height: float) -> str:
    return f'<rect x="0" y="{y:.1f}" width="{max(length, 1):.1f}" height="{height:.1f}" fill="{escape(colour)}" rx="2"/>'


def _text(x: float, y: float, text: str, extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" {FONT} {extra}>{escape(text)}</text>'


def _svg(height: float, title: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 -- every text and attribute above is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="100%" style="max-width: {WIDTH * 1.5:.0f}px" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def bars(title: str, rows: list[tuple[str, float, str, str]]) -> SafeString | str:
    """Horizontal bars, one per (label, value, shown value, colour), on a common scale."""
    if not rows:
        return ""
    top = max((value for _label, value, _shown, _colour in rows), default=0) or 1
    body: list[str] = []
    y = 0.0
    longest = _bar_width([shown for _label, _value, shown, _colour in rows])
    for label, value, shown, colour in rows:
        y = _label(body, y, label)
        length = longest * value / top
        body.append(_bar(y + 4, length, colour, 12))
        body.append(_text(length + 5, y + 15, shown, 'font-weight="bold"'))
        y += 24
    return _svg(y + 2, title, body)


def comparison(
    title: str,
    rows: list[tuple[str, float, str, float, str]],
    colour: str,
    current_label: str,
    previous_label: str,
) -> SafeString | str:
    """Each figure against its earlier period (a year before, or the period of the same length
    just before a longer one; `previous_label` names it): two bars per figure, each figure on
    its own scale (figures have different units). Rows are (label, value, shown, previous, shown)."""
    if not rows:
        return ""
    body = [
        f'<rect x="0" y="2" width="11" height="11" fill="{escape(colour)}"/>',
        _text(16, 12, current_label),
        f'<rect x="0" y="18" width="11" height="11" fill="{PREVIOUS_COLOUR}"/>',
        _text(16, 28, previous_label),
    ]
    y = 38.0
    longest = _bar_width([text for row in rows for text in (row[2], row[4])])
    for label, value, shown, previous, previous_shown in rows:
        top = max(value, previous) or 1
        y = _label(body, y, label)
        for offset, (number, text, fill) in enumerate(
            ((value, shown, colour), (previous, previous_shown, PREVIOUS_COLOUR))
        ):
            bar_y, length = y + 4 + offset * 15, longest * number / top
            body.append(_bar(bar_y, length, fill, 12))
            body.append(_text(length + 5, bar_y + 11, text))
        y += 40
    return _svg(y, title, body)


def _label(body: list[str], y: float, label: str) -> float:
    """Writes a label (up to two lines) from `y` down; returns where its bars start."""
    for line in textwrap.wrap(label, LINE_CHARACTERS, max_lines=2, placeholder=" …") or [""]:
        body.append(_text(0, y + FONT_SIZE, line))
        y += LINE
    return y
