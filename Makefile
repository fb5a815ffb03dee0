# Silk Road Market: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: run test install install-dev migrate seed translations translations-extract translations-update translations-check e2e lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: install
	$(BIN)/pybabel compile -d translations

migrate: install
	$(BIN)/flask db upgrade

seed: migrate translations
	$(BIN)/flask seed-demo
	$(BIN)/flask search reindex

run: seed
	@echo ""
	@echo "Silk Road Market is at http://127.0.0.1:$(PORT)/"
	@echo "Demo log-ins, password silkroad-demo: vendor@example.com, shopper@example.com, staff@example.com"
	@echo ""
	$(BIN)/gunicorn --no-control-socket --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --access-logfile - wsgi:app

test: install-dev translations
	$(BIN)/python -m pytest

translations-extract: install
	$(BIN)/pybabel extract -F translations/babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --no-wrap --sort-output --omit-header .

translations-update: translations-extract
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-wrap --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date

translations-check: translations-extract
	$(BIN)/flask translations check

lint: install-dev
	$(BIN)/ruff check .

bench: install-dev translations
	$(BIN)/python bench/catalog.py

clean:
	rm -rf $(VENV) instance .pytest_cache
