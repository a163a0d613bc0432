# Two commands set everything up on a fresh machine:
#   make run    - install into .venv if needed, then start the bot (a local console without a token)
#   make test   - install into .venv if needed, then run the test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint index bench evaluate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch is pinned to the small CPU build in pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m bot

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check embeddings bot tests benchmarks

index: $(STAMP)
	$(PY) -m embeddings build

evaluate: $(STAMP)
	$(PY) -m embeddings evaluate

bench: $(STAMP)
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(VENV) data/.index .pytest_cache
