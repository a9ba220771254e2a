"""Nothing of one cooperation is written into the product: its names and texts live in its own
settings (Cooperation, a programme's settings, named rows such as the shop) or in the demo.

The product is every Python file and template under coope/, except the demo (demo.py, core/demo/),
tests and migrations (which keep the history as it was)."""

import re
from pathlib import Path

import coope

ROOT = Path(coope.__file__).parent

# The first cooperation's names (Romans), and the demo's second cooperation (Valence).
NAMES = [
    "Romans",
    "Accorderie",
    "P'tite Coopé",
    "P’tite Coopé",
    "Ptite",
    "Bobine",
    "Radio Méga",
    "Fontbarlettes",
    "St Nicolas",
    "Saint-Nicolas",
    "Les Ors",
    "des Ors",
    "Valence",
    "Maison Citoyenne",
    "Isère",
]
PATTERN = re.compile("|".join(re.escape(name) for name in NAMES), re.IGNORECASE)


def product_files() -> list[Path]:
    files = []
    for path in sorted([*ROOT.rglob("*.py"), *ROOT.rglob("*.html"), *ROOT.rglob("*.txt")]):
        parts = path.relative_to(ROOT).parts
        if {"tests", "tests_browser", "migrations", "demo"} & set(parts[:-1]):
            continue
        if path.name in {"demo.py", "conftest.py"} or path.name.startswith("test_"):
            continue
        files.append(path)
    return files


def test_the_product_names_no_cooperation():
    files = product_files()
    assert any(p.name == "services.py" for p in files) and any(p.suffix == ".html" for p in files)
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if PATTERN.search(line)
    ]
    assert not found, "Names of one cooperation in the product:\n" + "\n".join(found)


def test_the_grep_finds_a_name_where_there_is_one(tmp_path):
    assert PATTERN.search("Inscrivez la personne à l'Accorderie.")
    assert PATTERN.search('SHOP_NAME = "La P\'tite Coopé"')
    assert not PATTERN.search("Inscrivez la personne auprès d'une association.")
