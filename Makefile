# Broadsheet — the README's two commands are `make run` and `make test`.
SHELL := /bin/bash
UV ?= uv
MANAGE := $(UV) run --frozen python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run`'s absolute links (invitations, review mails, canonical, feeds) and session
# cookie follow the address the server answers on. 0.0.0.0 (every interface) is reached
# as 127.0.0.1. A BROADSHEET_SITE_URL in the environment wins.
RUN_HOST = $(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST))
# make run needs only the runtime dependencies; `make test` installs the test tools.
# Both sync inexactly: what `make test` installed stays.
RUN_MANAGE := $(UV) run --frozen --no-dev python manage.py
# Bytecode: the syncs below compile what they install (--compile-bytecode), and with
# PYTHONDONTWRITEBYTECODE unexported Python keeps the project's own modules (and pytest's
# rewritten tests) in __pycache__ even where the environment says not to. Without them every process compiles every module it
# imports again: Django's start-up took 2.0 s instead of 0.75 s, collecting the suite 20 s
# instead of 4 s, in each test worker and in every manage.py, gunicorn, Celery and
# schemathesis process the tests start.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help install run test check lint format migrate seed worker beat stack stack-stop bench

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

install:  ## Install the runtime dependencies into .venv from uv.lock (not the test tools)
	@command -v $(UV) >/dev/null || python3 -m pip install --quiet uv
	@echo "Installing the runtime dependencies into .venv, then the database and demo content…"
	@$(UV) sync --frozen --no-dev --inexact --quiet --compile-bytecode

migrate: install  ## Apply database migrations
	@$(RUN_MANAGE) migrate --noinput -v 0

seed: migrate  ## Load the demo content (idempotent)
	@$(RUN_MANAGE) seed_demo

# Quiet on purpose: the last lines are where to go and how to log in (ensure_admin),
# then runserver's four (it skips the checks migrate has just run).
run: export BROADSHEET_SITE_URL ?= http://$(RUN_HOST):$(PORT)
run: export DJANGO_RUNSERVER_HIDE_WARNING = true
run: seed  ## Run the site at http://$HOST:$PORT (127.0.0.1:8000) on SQLite, tasks in-process
	@$(RUN_MANAGE) setup_schedules >/dev/null
	@$(RUN_MANAGE) ensure_admin
	@$(RUN_MANAGE) serve --skip-checks $(HOST):$(PORT)

# pytest-xdist: 4 workers on 2 cores. Part of the suite's time is spent waiting on
# processes it starts (workers, gunicorn, the stack, Chromium): under CI=true, one worker
# per core kept the machine 74% busy (PostgreSQL tiers 17.8 min), two per core 15.9 min.
# `--dist loadgroup` keeps the groups
# tests/conftest.py gives (the stack, the browser tests, modules sharing a worker process)
# on one worker each. TEST_WORKERS=0 runs in this process (pdb, -x, a single file).
TEST_WORKERS ?= 4
PYTEST := $(UV) run --frozen python -m pytest -n $(TEST_WORKERS) --dist loadgroup
# The unit tier waits on no process: two workers on 2 cores (each worker collects the
# suite and makes its database; 2 workers took 92 s wall, 3 took 91 s, 4 took 99 s).
# CHECK_WORKERS=0 runs `make check` in one process.
CHECK_WORKERS ?= 2

test:  ## Every tier in parallel (throwaway PostgreSQL and Redis), then the embedded tier on SQLite
	@scripts/system-deps.sh
	$(UV) sync --frozen --compile-bytecode
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen lint-imports
	$(MANAGE) makemigrations --check --dry-run
	$(PYTEST) -m "not own_sqlite"
	@echo "--- again on make run's embedded defaults: SQLite, local-memory cache, tasks in-process"
	BROADSHEET_TEST_EMBEDDED=1 $(PYTEST) -m embedded

check:  ## The inner loop: lint, then the unit tier on 2 workers (goal 90 s; docs/testing.md)
	@$(UV) sync --frozen --inexact --quiet --compile-bytecode
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen lint-imports
	$(UV) run --frozen python -m pytest -n $(CHECK_WORKERS) --dist loadgroup -m unit

lint:  ## ruff lint and format check, import-linter's contracts (the app map)
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen lint-imports

format:  ## Format and fix with ruff
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

worker:  ## Run a Celery worker for both queues (site, webhooks) against REDIS_URL (docs/jobs.md)
	$(UV) run --frozen celery -A config worker -l info --queues celery,webhooks

beat:  ## Run Celery beat (schedules from the database) against REDIS_URL
	$(UV) run --frozen celery -A config beat -l info

stack: install  ## Start the production stack on loopback without Docker (see docs/deploy.md)
	scripts/stack.sh start

stack-stop:  ## Stop what `make stack` started
	scripts/stack.sh stop

bench: install  ## Requests per second through nginx: pages, API list, a static file
	bench/run.sh
