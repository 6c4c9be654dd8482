# newsmon — `make demo` and `make test` work on a fresh clone: both create .venv and install into it.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp

.PHONY: install demo test lint typecheck unit unit-pg eval clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Offline demo: crawl the bundled mirror of all six sites (served on 127.0.0.1) into ./newsmon.db.
demo: install
	$(BIN)/newsmon init
	$(BIN)/newsmon crawl all --mirror-dir mirror/site
	$(BIN)/newsmon summary

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy .

unit: install
	$(BIN)/pytest -q

# The database-facing tests again with PostgreSQL as their default database (tests naming db_url/pg_url
# already ran on both; tests that use no database are not run twice).
unit-pg: install
	NEWSMON_TEST_BACKEND=postgresql $(BIN)/pytest -q

test: lint typecheck unit unit-pg

# Extraction scores on the gold corpus (needs ../shared/corpus).
eval: install
	$(BIN)/newsmon eval --floors eval_floors.json --attribution-floors attribution_floors.json

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build *.egg-info
