"""Where the cannery goes: the communes it visits, placed on a sketch map by the coordinates the
cooperation gives for the communes of its area (`Cooperation.communes`). A commune missing there is
listed beside the map, not placed on it.
"""

from collections.abc import Mapping, Sequence

from coope.lib.text import normalize


def coordinates(
    commune: str, communes: Mapping[str, Sequence[float]]
) -> tuple[float, float] | None:
    """The (latitude, longitude) of `commune` among `communes`, accents, case and dashes ignored."""
    key = normalize(commune or "")
    for name, coords in communes.items():
        if normalize(name) == key:
            return (float(coords[0]), float(coords[1]))
    return None


def place_labels(
    points: list[dict], width: int, height: int, char_width: float = 6.2, line_height: int = 12
) -> None:
    """Give each point (x, y, radius, name, months) a label position that overlaps neither an
    earlier label nor the map's edge when it can: right, left, then a line above or below.
    Sets "anchor", "dx" and "dy" on each point (a greedy pass; 30 villages is nothing)."""
    placed: list[tuple[float, float, float, float]] = [  # the dots themselves are obstacles too
        (p["x"] - p["radius"], p["y"] - p["radius"], p["x"] + p["radius"], p["y"] + p["radius"])
        for p in points
    ]

    def box(point, side, shift):
        text_width = char_width * max(len(point["name"]), len(point["months"]) * 0.8)
        gap = point["radius"] + 3
        left = point["x"] + gap if side == "start" else point["x"] - gap - text_width
        top = point["y"] - line_height + shift
        return (left, top, left + text_width, top + 2 * line_height + 2)

    def free(candidate):
        left, top, right, bottom = candidate
        inside = left >= 0 and right <= width and top >= 0 and bottom <= height
        return inside and all(
            right < x0 or left > x1 or bottom < y0 or top > y1 for x0, y0, x1, y1 in placed
        )

    for point in sorted(points, key=lambda p: (p["x"], p["y"])):
        options = [
            (side, shift)
            for shift in (
                0,
                -line_height - 4,
                line_height + 4,
                -2 * line_height - 8,
                2 * line_height + 8,
            )
            for side in ("start", "end")
        ]
        side, shift = next((option for option in options if free(box(point, *option))), options[0])
        placed.append(box(point, side, shift))
        gap = point["radius"] + 3
        point.update(anchor=side, dx=gap if side == "start" else -gap, dy=4 + shift)
