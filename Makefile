# CityOps: `make run` starts the platform with the demo city; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
CITYOPS := .venv/bin/cityops
PYTEST := .venv/bin/pytest
HOST ?= 127.0.0.1
PORT ?= 8000
# PostgreSQL leg of the tests: the machine's server, trust auth.
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/cityops

.PHONY: help install uv run worker prod test test-sqlite test-postgres checks browser-deps bench messages lint

help:
	@echo "make run    install, migrate, load the demo city, serve on http://$(HOST):$(PORT)"
	@echo "make test   install (incl. chromium), checks, tests on SQLite and on PostgreSQL"
	@echo "make bench  benchmarks -> bench/results.json"
	@echo "make prod   production mode: gunicorn + whitenoise (needs SECRET_KEY, ALLOWED_HOSTS)"

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
		{ echo "installing uv"; python3 -m pip install --quiet --disable-pip-version-check uv; }

install: uv
	@$(UV) sync --frozen --quiet

run: install
	@$(CITYOPS) migrate --no-input -v0
	@$(CITYOPS) demo load
	@echo "CityOps: open http://$(HOST):$(PORT)/ and log in with a demo login above (Ctrl-C stops)."
	@$(CITYOPS) worker >var/worker.log 2>&1 & WORKER=$$!; \
		trap "kill $$WORKER 2>/dev/null" EXIT INT TERM; \
		$(CITYOPS) runserver $(HOST):$(PORT)

worker: install
	$(CITYOPS) worker

prod: install
	CITYOPS_PRODUCTION=1 $(CITYOPS) collectstatic --no-input -v0
	CITYOPS_PRODUCTION=1 $(CITYOPS) migrate --no-input -v0
	CITYOPS_PRODUCTION=1 .venv/bin/gunicorn cityops.wsgi --bind $(HOST):$(PORT) --workers 3

browser-deps:
	@test -x /usr/bin/chromium || { echo "installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

checks: install
	.venv/bin/ruff check cityops tests bench scripts conftest.py
	.venv/bin/python scripts/check_vendor.py
	$(CITYOPS) check --fail-level WARNING
	$(CITYOPS) makemigrations --check --dry-run -v0

test: install browser-deps checks test-sqlite test-postgres

test-sqlite: install
	@echo "== tests on SQLite =="
	$(PYTEST) -q

test-postgres: install
	@echo "== tests on PostgreSQL ($(TEST_POSTGRES_URL)) =="
	DATABASE_URL=$(TEST_POSTGRES_URL) $(PYTEST) -q

bench: install
	.venv/bin/python -m bench

messages: install
	cd cityops && ../$(CITYOPS) makemessages -l zh_Hans -l en --no-obsolete --no-location --ignore '*/tests/*'
	cd cityops && ../$(CITYOPS) compilemessages -v0

lint: install
	.venv/bin/ruff check --fix cityops tests bench scripts conftest.py
	.venv/bin/ruff format cityops tests bench scripts conftest.py
