# `make run` sets everything up and serves on http://$(HOST):$(PORT) (127.0.0.1:5000 unless given:
# `make run PORT=5050`, `make run HOST=0.0.0.0`); `make test` runs the whole suite.
VENV := .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
INSTANCE := $(or $(MARKET_INSTANCE_PATH),instance)
# Development only: one key kept in the instance folder (unless MARKET_SECRET_KEY is set), so that sign-ins
# survive a restart and the processes of `make run` sign alike.
DEV_SECRET_FILE := $(INSTANCE)/dev-secret-key

.PHONY: install install-dev run test lint migrate seed index screenshots clean

# Runtime packages only: the test tools (requirements-dev.txt) are for `make test` and `make lint`.
$(VENV)/.installed: requirements.txt
	@echo "==> 第 1 步（共 3 步）：安装依赖（requirements.txt）"
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) market seed

index: seed
	$(FLASK) market reindex

$(DEV_SECRET_FILE):
	mkdir -p $(INSTANCE)
	umask 077 && $(VENV)/bin/python -c 'import secrets; print(secrets.token_hex(32))' > $@

# One process prepares everything (migrations, demo data into an empty database, the search index if missing),
# saying which step it is on; then the worker (search index, embeddings, notifications, follow-ups) runs beside
# the web server and stops with it: requests only write, the worker does the rest within a second. Matching
# vectors are computed by the worker after the site is up (about a minute for the demo data). The web server embeds
# search queries with one OpenMP thread, as deploy/market-web.service does: two threads spinning against each other
# on a busy machine made a query take 0.3-2 s instead of 30 ms (docs/benchmarks.md, "The first search").
# The address in mailed links follows the port (on all interfaces, 127.0.0.1 stands in: set MARKET_PUBLIC_URL).
run: export MARKET_PUBLIC_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
run: install $(DEV_SECRET_FILE)
	@echo "==> 第 2 步（共 3 步）：数据库、演示数据、搜索索引"
	MARKET_SECRET_KEY="$${MARKET_SECRET_KEY:-$$(cat $(DEV_SECRET_FILE))}" $(FLASK) market setup
	@echo "==> 第 3 步（共 3 步）：网站 http://$(HOST):$(PORT) 与后台任务进程（Ctrl-C 停止两者）"
	export MARKET_SECRET_KEY="$${MARKET_SECRET_KEY:-$$(cat $(DEV_SECRET_FILE))}"; \
	$(FLASK) market index-worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(FLASK) run --host $(HOST) --port $(PORT)

# Two pytest workers (pytest-xdist), each with its own SQLite file, PostgreSQL server and browser:
# about 12 minutes on the 2-core VM instead of 22. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

test: lint
	$(VENV)/bin/pytest -n $(TEST_WORKERS)

# One style everywhere (ruff.toml): `make lint` checks it, `.venv/bin/ruff format . && .venv/bin/ruff check --fix .`
# writes it.
lint: install-dev
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

# Every page for every demo role at 1366 and 390 px in docs/screenshots/ (open index.html there), taken on a
# temporary database with the demo data; needs Chromium (/usr/bin/chromium). 5-10 minutes on 2 cores.
screenshots: install-dev
	$(VENV)/bin/python -m tests.browser.gallery

clean:
	rm -rf $(VENV) .pytest_cache
