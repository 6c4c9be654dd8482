# newsmon — `make demo` and `make test` work on a fresh clone: both create .venv and install into it.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp

.PHONY: install browser demo test lint typecheck unit unit-pg eval docs clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium and a Chinese font for tests/test_web_browser.py (the dashboard in a headless browser).
# Installed when missing and we are root (CI is); anyone else is told the command, and those tests skip.
BROWSER_DEBS := chromium fonts-wqy-microhei
browser:
	@if [ -x /usr/bin/chromium ] && fc-list :lang=zh 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q --no-install-recommends $(BROWSER_DEBS) >/dev/null 2>&1 \
		|| { apt-get update -q && apt-get install -y -q --no-install-recommends $(BROWSER_DEBS); }; \
	else \
		echo "make browser: not root, so not installing $(BROWSER_DEBS); the browser tests skip without them." \
			"Install with: sudo apt-get install -y --no-install-recommends $(BROWSER_DEBS)"; \
	fi

# Offline demo: crawl the bundled mirror of all six sites (served on 127.0.0.1) into ./newsmon.db.
demo: install
	$(BIN)/newsmon init
	$(BIN)/newsmon crawl all --mirror-dir mirror/site
	$(BIN)/newsmon summary

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

unit: install browser
	$(BIN)/pytest -q

# The database-facing tests again with PostgreSQL as their default database (tests naming db_url/pg_url
# already ran on both; tests that use no database are not run twice).
unit-pg: install
	NEWSMON_TEST_BACKEND=postgresql $(BIN)/pytest -q

test: lint typecheck unit unit-pg

# Extraction scores on the gold corpus (needs ../shared/corpus).
eval: install
	$(BIN)/newsmon eval --floors eval_floors.json --attribution-floors attribution_floors.json

# The generated references (docs/cli.md, the table of docs/settings.md, newsmon.toml.example); tests/test_docs.py
# fails when they miss a command, option or setting.
docs: install
	$(BIN)/python docs/gen_reference.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build *.egg-info
