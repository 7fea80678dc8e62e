# Minimin. `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MINIMIN := $(BIN)/minimin
PYTEST_ARGS ?=
# Two workers: the machines have two cores.
PYTEST_WORKERS ?= 2

.PHONY: install run test lint typecheck translations translations-update bench browser-deps clean

install: $(STAMP) translations

# Re-installs only when a requirements file or pyproject.toml changed.
$(STAMP): requirements/main.txt requirements/dev.txt pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/main.txt -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

translations: $(STAMP)
	@$(BIN)/pybabel compile --statistics -f -d minimin/translations 2>&1 | grep -v "^compiling" || true

run: install
	$(MINIMIN) db upgrade
	$(MINIMIN) serve --host 127.0.0.1 --port 5000

browser-deps:
	@bash scripts/ensure-chromium

lint: install
	$(BIN)/ruff check minimin tests benchmarks migrations scripts
	$(BIN)/ruff format --check minimin tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_translations.py

test: install browser-deps lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup \
		--durations=20 --cov --cov-report=term --cov-report=xml:build/coverage.xml $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache .coverage*

# Refresh the message catalogues from the code and templates (then translate what is new).
translations-update: $(STAMP)
	mkdir -p build
	$(BIN)/pybabel extract --sort-output -F babel.cfg -k _l -k lazy_gettext -o build/messages.pot .
	@test -f minimin/translations/cy/LC_MESSAGES/messages.po || \
		$(BIN)/pybabel init -i build/messages.pot -d minimin/translations -l cy
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i build/messages.pot -d minimin/translations
