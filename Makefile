# `make run` sets everything up and serves on http://127.0.0.1:5000; `make test` runs the whole suite.
VENV := .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
FLASK := $(VENV)/bin/flask --app wsgi

.PHONY: install run test lint migrate seed index screenshots clean

$(VENV)/.installed: requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) market seed

index: seed
	$(FLASK) market reindex

# The worker (search index, embeddings, notifications, follow-ups) runs beside the web server and stops with it:
# requests only write, the worker does the rest within a second.
run: index
	$(FLASK) market index-worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

# Two pytest workers (pytest-xdist), each with its own SQLite file, PostgreSQL server and browser:
# about 12 minutes on the 2-core VM instead of 22. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

test: lint
	$(VENV)/bin/pytest -n $(TEST_WORKERS)

# One style everywhere (ruff.toml): `make lint` checks it, `.venv/bin/ruff format . && .venv/bin/ruff check --fix .`
# writes it.
lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

# Every page for every demo role at 1366 and 390 px in docs/screenshots/ (open index.html there), taken on a
# temporary database with the demo data; needs Chromium (/usr/bin/chromium). 5-10 minutes on 2 cores.
screenshots: install
	$(VENV)/bin/python -m tests.browser.gallery

clean:
	rm -rf $(VENV) .pytest_cache
