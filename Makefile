# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Both set up .venv first (once; a second run reuses it).
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LAB_DIR ?= $(CURDIR)/.lab

.PHONY: all setup test lint sanity unit ansible-test-units demo bench clean lab-down

all: test

setup: $(STAMP)

# The venv is rebuilt when the requirements change. The collection is linked into
# the venv's ansible_collections so that Python (the lab, the tests) and Ansible
# import the same code from this checkout.
$(STAMP): requirements.txt requirements-dev.txt scripts/link-collection.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	bash scripts/link-collection.sh $(PY)
	touch $@

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	bash scripts/typecheck.sh $(PY)
	$(VENV)/bin/pyang --strict -p yang -p $(VENV)/share/yang/modules/ietf yang/*.yang
	$(VENV)/bin/ansible-lint -q
	$(VENV)/bin/antsibull-changelog lint

unit: $(STAMP)
	$(PY) -m pytest tests/unit -q

# The unit tests as Ansible's own runner sees them, from a real copy of the collection.
ansible-test-units: $(STAMP)
	bash scripts/ansible-test.sh $(PY) units

# Ansible's own gate for collections (ansible-test sanity), on the venv's Python, with
# no ignore file. The first run installs each test's venv from the package index (~3 min).
sanity: $(STAMP)
	bash scripts/ansible-test.sh $(PY) sanity

test: $(STAMP) lint sanity
	$(PY) -m pytest -q

demo: $(STAMP)
	$(PY) -m ansible_collections.lispnet.ms_recovery.lab.demo --dir $(LAB_DIR)

# Recovery time and scale, tool vs passive, on one lab per size (bench/README.md).
SIZES ?= 100 1000 10000
bench: $(STAMP)
	$(PY) bench/run.py --sizes $(SIZES)

lab-down: $(STAMP)
	$(VENV)/bin/lisplab down --dir $(LAB_DIR)

# The lab is stopped first, and its directory only removed once that succeeded: its
# processes run from the venv and are found through the lab directory.
clean:
	if [ -x $(VENV)/bin/lisplab ]; then $(VENV)/bin/lisplab down --dir $(LAB_DIR); fi
	rm -rf $(VENV) $(LAB_DIR) .pytest_cache .ruff_cache .mypy_cache .hypothesis
