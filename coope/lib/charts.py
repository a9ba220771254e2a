"""Small inline SVG charts, drawn the same on the web page and in the PDF (no dependency).

Each function returns SVG markup (safe: every label is escaped here) or "" when there is
nothing to draw. Labels sit above their bars, so that the charts stay readable on a phone.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 420
VALUE_ROOM = 70  # room right of the longest bar for its value
BAR_WIDTH = WIDTH - VALUE_ROOM
FONT = 'font-family="DejaVu Sans, sans-serif" font-size="11"'
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
    body, row = [], 32
    for index, (label, value, shown, colour) in enumerate(rows):
        y = index * row
        length = BAR_WIDTH * value / top
        body.append(_text(0, y + 11, _short(label)))
        body.append(_bar(y + 15, length, colour, 12))
        body.append(_text(length + 5, y + 25, shown, 'font-weight="bold"'))
    return _svg(len(rows) * row + 2, title, body)


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
    row = 46
    for index, (label, value, shown, previous, previous_shown) in enumerate(rows):
        top = max(value, previous) or 1
        y = 38 + index * row
        body.append(_text(0, y + 11, _short(label)))
        for offset, (number, text, fill) in enumerate(
            ((value, shown, colour), (previous, previous_shown, PREVIOUS_COLOUR))
        ):
            bar_y, length = y + 15 + offset * 13, BAR_WIDTH * number / top
            body.append(_bar(bar_y, length, fill, 11))
            body.append(_text(length + 5, bar_y + 10, text))
    return _svg(38 + len(rows) * row, title, body)


def _short(label: str, size: int = 60) -> str:
    return label if len(label) <= size else label[: size - 1] + "…"
