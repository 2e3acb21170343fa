# Two commands: `make run` and `make test`. Everything installs into the project (.venv, web/node_modules).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
DATA_DIR ?= data
# Development and CI install the exact versions the suite was last green with: every package (and pip and
# setuptools) pinned with hashes, one universal lock for Python 3.11+ on any platform. pyproject.toml keeps
# ranges for users. `make lock` re-resolves after pyproject.toml changed; `make upgrade` moves every pin to
# the newest release and runs the whole suite on them.
LOCK   := requirements/dev.lock
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml requirements/tools.in --extra test --universal \
	--python-version 3.11 --generate-hashes --quiet --output-file $(LOCK)

.PHONY: run test lint test-py test-js bench clean deps build wheel lock upgrade

deps: $(VENV)/.installed web/node_modules/.installed web/dist/manifest.json

# The locked packages first (hashes checked), then the project itself, editable, from them alone.
$(VENV)/.installed: pyproject.toml $(LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

$(VENV)/bin/uv:
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv

lock: $(VENV)/bin/uv
	$(UV_COMPILE)

upgrade: $(VENV)/bin/uv
	$(UV_COMPILE) --upgrade
	git diff --stat -- $(LOCK)
	$(MAKE) test

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The pages' modules bundled, minified and precompressed (web/build.mjs), rebuilt when a source is newer. The
# server serves the build only while it matches the sources; otherwise the plain modules (webbuild.py).
WEB_SOURCES := $(shell find web/js web/css -type f 2>/dev/null) $(wildcard web/*.html) web/importmap.json web/build.mjs
web/dist/manifest.json: web/node_modules/.installed $(WEB_SOURCES)
	node web/build.mjs

build: web/dist/manifest.json

run: deps
	$(VENV)/bin/backprop-playground serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

lint: deps
	$(VENV)/bin/ruff check .

test-py: deps
	$(PY) -m pytest

test-js: deps
	node --import ./tests/web/setup.js --test tests/web/

test: lint test-js test-py

# the whole app as one wheel (and an sdist) in dist/: setup.py packs web/ and its runtime npm packages
wheel: deps
	$(PY) -m build --outdir dist .

bench: deps
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) web/node_modules web/dist .pytest_cache .ruff_cache
