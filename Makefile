# GraphCRM: `make demo` and `make test` are all a newcomer needs (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.package-lock.json
VENDOR := app/static/vendor
VENDORED := $(VENDOR)/cypher-editor.js $(VENDOR)/cypher-codemirror.css $(VENDOR)/cytoscape.min.js \
	$(VENDOR)/cytoscape-dagre.min.js $(VENDOR)/echarts.min.js

.PHONY: demo test test-neo4j install vendor lint format bench clean translations screenshots

# make demo PORT=8090 serves on another port.
PORT ?= 8080
demo: install
	$(BIN)/graphcrm demo --port $(PORT)

test: install lint
	$(BIN)/pytest

# The same suite against a Neo4j 5 test server; it empties that database (see README).
test-neo4j: install lint
	@case "$$GRAPHCRM_TEST_GRAPH_URL" in \
	  neo4j://*|neo4j+s://*|neo4j+ssc://*|bolt://*|bolt+s://*|bolt+ssc://*) ;; \
	  *) echo "make test-neo4j needs GRAPHCRM_TEST_GRAPH_URL=bolt://host:7687 (a Neo4j 5" \
	       "test server: the tests empty its database)"; exit 2;; \
	esac
	$(BIN)/pytest

install: $(INSTALLED) $(NODE_INSTALLED) vendor

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Browser assets (Cypher console, graphs, charts), built from npm packages (never committed).
vendor: $(VENDORED)

$(VENDOR)/cypher-editor.js: app/frontend/cypher_editor.js $(NODE_INSTALLED)
	mkdir -p $(VENDOR)
	node_modules/.bin/esbuild $< --bundle --minify --format=iife --global-name=CypherEditor \
		--log-level=warning --outfile=$@

$(VENDOR)/cypher-codemirror.css: $(NODE_INSTALLED)
	mkdir -p $(VENDOR)
	cp node_modules/@neo4j-cypher/codemirror/css/cypher-codemirror.css $@

$(VENDOR)/cytoscape.min.js: $(NODE_INSTALLED)
	mkdir -p $(VENDOR)
	cp node_modules/cytoscape/dist/cytoscape.min.js $@

# Hierarchical layout of referral trees (bundles its own dagre).
$(VENDOR)/cytoscape-dagre.min.js: $(NODE_INSTALLED)
	mkdir -p $(VENDOR)
	cp node_modules/cytoscape-dagre/dist/cytoscape-dagre.min.js $@

# Charts of the home workspace and analytics.
$(VENDOR)/echarts.min.js: $(NODE_INSTALLED)
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js $@

# Re-extract every UI message (babel.cfg) into the Chinese catalogue and compile it; then
# translate the new entries in app/translations/zh/LC_MESSAGES/messages.po, run it again
# and commit the .po and .mo.
translations:
	mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -c Translators: --no-location --sort-output \
		--omit-header -o build/messages.pot .
	$(BIN)/pybabel update -i build/messages.pot -d app/translations --no-wrap \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d app/translations

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .ruff_cache

# PNGs of the main pages at 1440x900 in English and Chinese (a throwaway seeded demo
# instance, Playwright in /usr/bin/chromium) into docs/screenshots/.
screenshots: install
	$(BIN)/python -m tools.screenshots --out docs/screenshots
