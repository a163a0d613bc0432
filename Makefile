# Two commands set everything up on a fresh machine:
#   make run    - install into .venv if needed, then start the bot (a local console without a token)
#   make test   - install into .venv if needed, then run the test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test test-quick lint index bench evaluate clean

# PyTorch's own index of CPU-only wheels. On public PyPI torch==2.13.0 is the CUDA build (several
# GB of nvidia-* wheels); where this index can be reached, pip takes 2.13.0+cpu from it instead.
# Where it cannot (an offline machine with its own wheel of the CPU build, as here), the install
# goes on without it. TORCH_INDEX= (empty) turns it off.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_INDEX_REACHABLE = $(shell [ -n "$(TORCH_INDEX)" ] && $(PYTHON) -c "import urllib.request as u; u.urlopen('$(TORCH_INDEX)/torch/', timeout=5)" >/dev/null 2>&1 && echo yes)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(if $(TORCH_INDEX_REACHABLE),--extra-index-url $(TORCH_INDEX)) -e '.[dev]'
	$(PY) -c "import torch, sys; sys.exit(torch.version.cuda and 'torch is a CUDA build; see TORCH_INDEX in the Makefile')"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m bot

# The suite runs in three worker processes (pytest-xdist), a test file to each in turn, the longest
# first: they share the session's models and indexes as shard processes would (tests/conftest.py),
# one PyTorch thread each. Three on two cores, because about a quarter of the suite waits (on bot
# processes starting, on the emulator): with two, 5 min of CPU took 3 min 17 s; with three, 3 min
# 1 s (2026-12-05). TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 3
PYTEST := $(PY) -m pytest $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile)

test: $(STAMP)
	$(PYTEST)

# The fast layer: rendering, the answerer's rules, the console, settings, the store, the layers,
# documents and dates; no test that loads the embedding model or takes over five seconds
# (markers in tests/conftest.py). For a quick check while editing.
test-quick: $(STAMP)
	$(PY) -m pytest -m "not model and not slow"

lint: $(STAMP)
	$(PY) -m ruff check embeddings bot tests benchmarks

index: $(STAMP)
	$(PY) -m embeddings build

evaluate: $(STAMP)
	$(PY) -m embeddings evaluate

bench: $(STAMP)
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(VENV) data/.index .pytest_cache .cache
	cache="$${TEST_CACHE_DIR:-$${XDG_CACHE_HOME:-$$HOME/.cache}/statement-bot-tests}"; \
	  rm -rf "$$cache"/models-* "$$cache"/indexes "$$cache"/file-seconds.json "$$cache"/*.lock
