# shopdesk: `make demo` runs the whole system, `make test` runs the whole test suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.shopdesk-installed
PIP_FLAGS ?=

.PHONY: demo test lint bench install clean

install: $(STAMP)

# The virtualenv is (re)installed only when the declared dependencies change,
# so a second `make demo` or `make test` installs nothing.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || "$$(scripts/find-python310.sh)" -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q $(PIP_FLAGS) -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: install
	$(VENV)/bin/shopdesk demo

# Lint and types first: a style or type error fails `make test` (and so CI) in seconds.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: install lint
	@scripts/ensure-services.sh
	@scripts/ensure-browser.sh
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest -q -p no:cacheprovider --durations=25

bench: install
	scripts/bench.sh

clean:
	rm -rf .shopdesk
