# Coopé: the two commands a fresh clone needs are `make run` and `make test`.
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
# Django 6 needs Python 3.12 or newer: take the first one found on this machine.
PYTHON ?= $(shell for p in python3.13 python3.12 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3 /usr/bin/python3; do \
	if $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$p; break; fi; done)

.PHONY: run test install chromium lint imports bench bench-pages clean prod-check

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Coopé needs Python 3.12 or newer (none found)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(VENV)/.installed

run: install
	mkdir -p var
	$(BIN)/coope migrate --noinput
	$(BIN)/coope demo
	$(BIN)/coope runserver 127.0.0.1:$(PORT)

# Browser tests drive Debian's Chromium; install it when missing and allowed to.
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) ; } || \
		echo "chromium is not installed: browser tests will fail (apt-get install chromium)."

# The checks run before the tests, so a lint, format or typing error fails `make test` and CI.
test: lint chromium
	$(BIN)/coope makemigrations --check --dry-run >/dev/null
	$(BIN)/pytest $(PYTEST_ARGS)

# ruff (lint and format), mypy (strict for coope.lib and coope.core.plugins) and the import
# contracts (coope.lib imports no app, the core no programme app): see pyproject.toml.
lint: install
	$(BIN)/ruff check coope bench deploy
	$(BIN)/ruff format --check coope bench deploy
	$(BIN)/mypy
	$(BIN)/lint-imports

imports: install
	$(BIN)/lint-imports

# Production as docs/deploy.md sets it up (gunicorn, `coope worker`, PostgreSQL, production
# settings), started on a fresh database, and a smoke test through it: deploy/prod-check.sh.
prod-check: install
	deploy/prod-check.sh

bench: install
	$(BIN)/python bench/search.py

# The front desk's pages served by gunicorn at 10,000 and 100,000 people, on both databases.
bench-pages: install
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/pages.py --database postgres

clean:
	rm -rf $(VENV) var
