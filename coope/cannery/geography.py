"""Where the cannery goes: the communes it visits, with their coordinates, for the tours map.

Approximate town-centre coordinates (degrees, WGS 84), enough to place a village on a sketch
map of the Romans area. A commune missing here is listed beside the map, not placed on it.
"""

from coope.lib.text import normalize

COMMUNES: dict[str, tuple[float, float]] = {  # name -> (latitude, longitude)
    "Romans-sur-Isère": (45.043, 5.051),
    "Bourg-de-Péage": (45.037, 5.060),
    "Mours-Saint-Eusèbe": (45.066, 5.058),
    "Peyrins": (45.090, 5.047),
    "Génissieux": (45.084, 5.081),
    "Triors": (45.087, 5.113),
    "Geyssans": (45.118, 5.076),
    "Saint-Paul-lès-Romans": (45.066, 5.131),
    "Châtillon-Saint-Jean": (45.087, 5.150),
    "Parnans": (45.111, 5.139),
    "Montmiral": (45.153, 5.149),
    "Crépol": (45.165, 5.071),
    "Margès": (45.140, 5.040),
    "Saint-Bonnet-de-Valclérieux": (45.200, 5.134),
    "Saint-Donat-sur-l'Herbasse": (45.123, 4.984),
    "Charmes-sur-l'Herbasse": (45.150, 4.955),
    "Clérieux": (45.077, 4.958),
    "Saint-Bardoux": (45.083, 4.995),
    "Granges-les-Beaumont": (45.045, 4.987),
    "Chatuzange-le-Goubet": (45.003, 5.092),
    "Alixan": (44.974, 5.025),
    "Marches": (44.985, 5.099),
    "Barbières": (44.944, 5.148),
    "Rochefort-Samson": (44.973, 5.165),
    "Beauregard-Baret": (45.004, 5.177),
    "Jaillans": (45.031, 5.180),
    "Hostun": (45.025, 5.205),
    "Eymeux": (45.072, 5.190),
    "Saint-Nazaire-en-Royans": (45.058, 5.245),
    "Saint-Jean-en-Royans": (45.017, 5.292),
}

_BY_KEY = {normalize(name): coords for name, coords in COMMUNES.items()}


def coordinates(commune: str) -> tuple[float, float] | None:
    return _BY_KEY.get(normalize(commune or ""))


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
