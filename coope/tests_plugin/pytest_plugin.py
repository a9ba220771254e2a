"""Loaded by pytest before Django's settings (`-p coope.tests_plugin.pytest_plugin` in
pyproject.toml): installs the test-only programme through COOPE_EXTRA_APPS."""

import os

_extra = os.environ.get("COOPE_EXTRA_APPS", "").split()
if "coope.tests_plugin" not in _extra:
    os.environ["COOPE_EXTRA_APPS"] = " ".join([*_extra, "coope.tests_plugin"])
