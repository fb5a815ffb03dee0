# Silk Road Market: `make run` serves the demo, `make test` runs the whole suite.
# CPython 3.12 or newer: under load, 3.11's cyclic garbage collector crashes threaded gunicorn workers
# (README, "Python version"). The first of these that runs is used; PYTHON=… on the command line overrides.
PYTHON_CANDIDATES := python3.12 python3.13 python3.14 $(wildcard $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions/3.1[234]*/bin/python3)
ifndef PYTHON
PYTHON := $(firstword $(foreach p,$(PYTHON_CANDIDATES),$(shell $(p) -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && echo $(p))))
ifeq ($(PYTHON),)
PYTHON := python3
$(warning No Python 3.12 or newer found, so using $(shell python3 --version 2>&1). Threaded gunicorn workers on CPython 3.11 crash under load: install Python 3.12 (README, "Python version").)
endif
endif
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: run test install install-dev migrate seed translations translations-extract translations-update translations-check e2e lint bench clean

# A virtualenv made by another Python version is made again.
$(VENV)/.python-$(PYTHON_VERSION):
	@if [ "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" != "$(PYTHON_VERSION)" ]; then \
		echo "Making $(VENV) with $(PYTHON) (Python $(PYTHON_VERSION))"; \
		rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && $(BIN)/pip install --quiet --upgrade pip; \
	fi
	touch $@

$(VENV)/.installed: requirements.txt $(VENV)/.python-$(PYTHON_VERSION)
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
	$(BIN)/gunicorn --no-control-socket --config gunicorn.conf.py --bind 127.0.0.1:$(PORT) wsgi:app

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
