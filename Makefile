# Two commands do all set-up on a fresh Debian machine:
#   make run   — install what is missing, prepare the database, serve the dashboard
#   make test  — install what is missing, lint, run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# Debian packages: venv support, Chromium + CJK fonts (chart export, browser tests), PostgreSQL (tests).
DEB_PACKAGES := python3-venv chromium fonts-noto-cjk postgresql poppler-utils nginx
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test quick lint format system-deps venv clean

system-deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

venv: system-deps $(VENV)/.installed

run: venv
	$(BIN)/python -m indicators init
	$(BIN)/streamlit run dashboard/serve.py --server.port $(PORT) --server.headless true

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m indicators validate
	$(BIN)/python -m indicators metrics > /dev/null
	$(BIN)/pytest

# The developer's loop: everything but the slow and real-browser tests, on two workers (under a minute).
# make test stays on one worker: the concurrency and browser tests time real contention and servers.
quick: venv
	$(BIN)/python -m pytest -q -n 2 -m "not slow and not browser"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
