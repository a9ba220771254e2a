"""A test-only programme: it proves that an app plugs in by its declaration alone.

Not installed in production (settings install packages named `tests_*` only when they are
named in COOPE_EXTRA_APPS); pytest installs it (see pytest_plugin.py and pyproject.toml).
Nothing outside this folder names it.
"""
