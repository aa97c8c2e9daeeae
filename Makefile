# The two commands: `make demo` runs the product, `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := redis-server fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 \
	poppler-utils qpdf chromium

.PHONY: setup system-packages demo test lint translations bench clean

setup: system-packages $(STAMP) translations

# As root on Debian the system packages are installed; otherwise we say what is missing.
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "please install:$$missing (sudo apt-get install$$missing)"; exit 1; fi; \
	fi

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

translations: $(STAMP)
	@$(BIN)/pybabel compile -q -d platform/yuqing/translations 2>/dev/null || true

demo: setup
	$(BIN)/yuqing demo

# SQLite always; PostgreSQL too when YUQING_TEST_DATABASE_URL names a server.
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	env -u YUQING_TEST_DATABASE_URL $(BIN)/pytest -q
	@if [ -n "$$YUQING_TEST_DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL =="; $(BIN)/pytest -q; \
	else echo "(PostgreSQL run skipped: set YUQING_TEST_DATABASE_URL to a superuser URL)"; fi

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: setup
	$(BIN)/python bench/render_accountability_pipeline.py
	$(BIN)/python bench/render_accountability.py

clean:
	rm -rf $(VENV) instance
