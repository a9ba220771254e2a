"""Arrows point from the programmes to the core, never back: no module of `coope/core` imports
a programme app. The core may import the shared library (`coope.lib`), the import framework
(`coope.imports`, shared and fed by the apps' declarations) and the two apps every programme
builds on, which the core's own features need: `people` (a staff account may be an
inhabitant's login; the demo's people; the export command) and `membership` (the demo's
memberships and fee grids). Programmes reach the core through their declaration
(coope/core/plugins.py). The core's tests (`coope/core/tests/`) are left out: tests of the
whole platform (the audit of every app's writes) drive the programmes on purpose."""

import ast
from pathlib import Path

import coope.core

CORE = Path(coope.core.__file__).parent
ALLOWED = {"core", "lib", "imports", "people", "membership", "settings"}


def imported_modules(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            if node.module == "coope":  # from coope import cannery
                for alias in node.names:
                    yield node.lineno, f"coope.{alias.name}"


def programme_imports(path: Path, root: Path = CORE.parent.parent) -> list[str]:
    found = []
    for line, module in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
        parts = module.split(".")
        if parts[0] == "coope" and len(parts) > 1 and parts[1] not in ALLOWED:
            found.append(f"{path.relative_to(root)}:{line} imports {module}")
    return found


def test_the_core_imports_no_programme_app():
    files = sorted(
        path for path in CORE.rglob("*.py") if "tests" not in path.relative_to(CORE).parts
    )
    assert len(files) > 10  # the walk found the core
    problems = [problem for path in files for problem in programme_imports(path)]
    assert problems == []


def test_the_check_sees_an_import_of_a_programme(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import datetime\nfrom coope import lib\n\ndef f():\n"
        "    from coope.cannery.models import Lot\n    import coope.timebank.services\n"
    )
    assert programme_imports(sample, tmp_path) == [
        "sample.py:5 imports coope.cannery.models",
        "sample.py:6 imports coope.timebank.services",
    ]
