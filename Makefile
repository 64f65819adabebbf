# Bootstrap + dev tasks for coalition-sim.
# Works on a fresh machine with only python3 (+venv/pip) on PATH: uv is installed into a
# project-local .tools/ venv, then uv builds .venv from uv.lock using Python 3.12
# (selected by .python-version; uv never downloads a Python).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
PYTHON     ?= python3
TOOLS      := .tools
UV         := $(TOOLS)/bin/uv
UV_STAMP   := $(TOOLS)/.uv-$(UV_VERSION)
ARGS       ?=
# Targets depend on `sync`, so runs skip uv's implicit (re-)sync.
RUN        := $(UV) run --frozen --no-sync

export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
export UV_NO_PROGRESS := 1
# Always use the project's own .venv, even if another virtualenv is active.
unexport VIRTUAL_ENV
unexport UV_PROJECT_ENVIRONMENT

.PHONY: help bootstrap sync lock run ui bench-ui refit test test-fast check browser lint format clean

help:
	@echo "make run [ARGS='...']  sync env, then run the main job (python run.py)"
	@echo "make ui [ARGS='--port N']  the interactive simulation on http://127.0.0.1:8765/"
	@echo "make bench-ui          measure it in headless Chromium (load, Step, Play, ensemble)"
	@echo "make refit [ARGS='...'] refit to 2016-18 and regenerate every generated report (~7-15 min)"
	@echo "make test              sync env, ruff, import contracts, mypy, the whole pytest suite"
	@echo "make test-fast         the everyday loop: lint, contracts, mypy, pytest -m 'not slow and not browser'"
	@echo "make browser           install Debian's chromium for the UI tests if missing (as root)"
	@echo "make lint              ruff check + ruff format --check"
	@echo "make format            ruff format + ruff check --fix"
	@echo "make lock              re-resolve uv.lock after editing pyproject.toml"
	@echo "make clean             remove .venv and .tools"

# Project-local uv, pinned. Skips the install if .tools/bin/uv already is the pinned version.
$(UV_STAMP):
	@if [ -x "$(UV)" ] && [ "$$("$(UV)" --version 2>/dev/null | cut -d' ' -f2)" = "$(UV_VERSION)" ]; then \
		:; \
	else \
		echo ">> bootstrapping uv $(UV_VERSION) into $(TOOLS)/ (using $$(command -v $(PYTHON)))"; \
		$(PYTHON) -m venv --clear $(TOOLS); \
		$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"; \
	fi
	@touch $@

bootstrap: $(UV_STAMP)

# Quiet once .venv exists (uv re-runs its bytecode pass on every sync; ~0.3 s). The first sync
# installs every pinned package and compiles its bytecode: say so, it takes about 90 s.
sync: $(UV_STAMP)
	@if [ ! -f .venv/pyvenv.cfg ]; then \
		echo ">> first run: installing the pinned packages into .venv and compiling bytecode (about 90 s, once)"; \
	fi
	@$(UV) sync --frozen $(if $(wildcard .venv/pyvenv.cfg),--quiet)

lock: $(UV_STAMP)
	$(UV) lock

# numba caches the compiled core on disk; the first use on a machine (or after an edit of the
# core) compiles it: say so and how long, up front (silent when the cache is current).
run: sync
	@$(RUN) python -m coalition_sim.core.warmup --if-needed
	$(RUN) python run.py $(ARGS)

ui: sync
	@$(RUN) python -m coalition_sim.core.warmup --if-needed
	$(RUN) python run.py ui $(ARGS)

bench-ui: sync
	$(RUN) python benchmarks/bench_ui.py $(ARGS)

# The full refit and every generated report (scripts/refit.py says which, in order, and times
# each step): after any deliberate change of model behaviour.
refit: sync
	@$(RUN) python -m coalition_sim.core.warmup --if-needed
	$(RUN) python scripts/refit.py $(ARGS)

# Static checks shared by test and test-fast: lock file, lint, format, layer contracts, types.
check: sync
	@$(UV) lock --check --quiet || { echo "uv.lock is out of date with pyproject.toml: run 'make lock'"; exit 1; }
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports
	$(RUN) mypy

# The UI tests drive Debian's Chromium (never a downloaded browser). As root it is installed
# when missing, as .ci/run does; otherwise the step says what to install and the UI tests
# fail with the same one-line reason.
browser:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo ">> installing Debian's chromium for the browser tests (apt-get)"; \
		apt-get update -qq && apt-get install -y -qq chromium chromium-driver; \
	else \
		echo ">> chromium not found and not root: the browser tests (tests/test_ui.py) will fail;"; \
		echo "   install it first: sudo apt-get install chromium chromium-driver"; \
	fi

# The suite in two pytest-xdist processes (README, Development).
PYTEST = $(RUN) pytest -n 2 --dist worksteal

test: check browser
	$(PYTEST)

test-fast: check
	$(PYTEST) -m "not slow and not browser" -q

lint: sync
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: sync
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

clean:
	rm -rf .venv $(TOOLS)
