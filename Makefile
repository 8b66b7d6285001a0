# `make run` sets everything up and serves on http://127.0.0.1:5000; `make test` runs the whole suite.
VENV := .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
FLASK := $(VENV)/bin/flask --app wsgi

.PHONY: install run test migrate seed clean

$(VENV)/.installed: requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) market seed

run: seed
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) .pytest_cache
