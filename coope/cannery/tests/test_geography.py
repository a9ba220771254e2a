"""Labels of the tours map: inside the map and not on top of each other when there is room."""

from coope.cannery.geography import coordinates, place_labels

COMMUNES = {"Saint-Paul-lès-Romans": [45.066, 5.131], "Peyrins": [45.090, 5.047]}


def test_communes_are_found_whatever_the_accents_and_case():
    assert coordinates("saint-paul-les-romans", COMMUNES) == (45.066, 5.131)
    assert coordinates("PEYRINS", COMMUNES) == (45.090, 5.047)
    assert coordinates("Ailleurs", COMMUNES) is None
    assert coordinates("Peyrins", {}) is None  # a cooperation that gave no coordinates


def test_labels_of_close_villages_do_not_overlap_and_stay_inside_the_map():
    points = [
        {"name": name, "months": "07/17, 02/18", "radius": 7, "x": x, "y": y}
        for name, x, y in (
            ("Triors", 600, 300),
            ("Châtillon-Saint-Jean", 640, 300),
            ("Saint-Bonnet-de-Valclérieux", 740, 40),
            ("Peyrins", 100, 300),
        )
    ]
    place_labels(points, 760, 600)

    def box(p):
        width = 6.2 * len(p["name"])
        left = p["x"] + p["dx"] if p["anchor"] == "start" else p["x"] + p["dx"] - width
        return left, p["y"] + p["dy"] - 16, left + width, p["y"] + p["dy"] + 14

    boxes = [box(p) for p in points]
    assert all(0 <= left and right <= 760 for left, _t, right, _b in boxes)
    for i, (l1, t1, r1, b1) in enumerate(boxes):
        for l2, t2, r2, b2 in boxes[i + 1 :]:
            assert r1 < l2 or r2 < l1 or b1 < t2 or b2 < t1
    assert points[2]["anchor"] == "end"  # the far east village's label goes on its left
