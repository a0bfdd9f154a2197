# Two entry points: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# make demo PORT=8061 serves on another port.
demo: $(STAMP)
	$(BIN)/crsa --home crsa-demo demo $(if $(PORT),--port $(PORT))

# lint-imports: the layer contracts in pyproject.toml (docs/architecture.md).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# Two workers, one test file each at a time (a file's fixtures stay in one process). The
# Elasticsearch distribution is fetched and unpacked first, so the workers find it there.
unit: $(STAMP) browser
	@$(BIN)/python -c "from devtools.esnode import distribution; distribution()" 2>/dev/null \
	  || echo "no Elasticsearch distribution: its tests will skip (or fail under CI)"
	$(BIN)/pytest -n 2 --dist loadfile

# The dashboard tests drive Debian's Chromium; install it (with a Japanese font, for the
# screenshots) where it is missing and this user may, else those tests skip and say why.
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium, chromium-driver and fonts-noto-cjk for the dashboard tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium chromium-driver fonts-noto-cjk >/dev/null) \
	      || echo "could not install chromium: the dashboard tests will skip (or fail under CI)"; \
	  else \
	    echo "no chromium: the dashboard tests will skip; install chromium and chromium-driver"; \
	  fi; \
	fi

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m bench.store
	$(BIN)/python -m bench.sbom
	$(BIN)/python -m bench.sbom --sizes 40000 --affected 28 --only pipeline --out bench/sbom/results-dense.json
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.rows
	$(BIN)/python -m bench.commits
	$(BIN)/python -m bench.score
	$(BIN)/python -m bench.ioc
	$(BIN)/python -m bench.incidents
	$(BIN)/python -m bench.taxii
	$(BIN)/python -m bench.dash
	$(BIN)/python -m bench.nation

clean:
	rm -rf $(VENV) crsa-data crsa-demo
