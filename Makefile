# storyline: `make demo` and `make test` are all a new machine needs (Python 3.11+).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DB ?= demo.db
SEEDS := $(wildcard ../shared/seeds)

.PHONY: setup demo test lint bench clean

$(BIN)/storyline: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/storyline

demo: setup
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_DB).*.lock
	$(BIN)/storyline --db $(DEMO_DB) ingest samples/corpus $(SEEDS)
	$(BIN)/storyline --db $(DEMO_DB) articles
	$(BIN)/storyline --db $(DEMO_DB) search "Quantix chip"
	$(BIN)/storyline --db $(DEMO_DB) stories
	$(BIN)/storyline --db $(DEMO_DB) story $$($(BIN)/storyline --db $(DEMO_DB) stories --json --limit 1 | $(BIN)/python -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])')
	@echo "\nExplore further: $(BIN)/storyline --db $(DEMO_DB) story <story id> | show <article id> | articles --lang de --json | export --format csv"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: setup lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/extraction.py
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/embeddings.py
	$(BIN)/python benchmarks/stories.py
	$(BIN)/python benchmarks/web.py
	$(BIN)/storyline eval similarity ../shared/bench/similarity/semeval2022-task8/dev.jsonl

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_DB).*.lock .pytest_cache .ruff_cache
