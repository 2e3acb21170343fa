# Two commands: `make run` and `make test`. Everything installs into the project (.venv, web/node_modules).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
DATA_DIR ?= data

.PHONY: run test lint test-py test-js bench clean deps wheel

deps: $(VENV)/.installed web/node_modules/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: deps
	$(VENV)/bin/backprop-playground serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

lint: deps
	$(VENV)/bin/ruff check .

test-py: deps
	$(PY) -m pytest

test-js: deps
	node --test tests/web/

test: lint test-js test-py

# the whole app as one wheel (and an sdist) in dist/: setup.py packs web/ and its runtime npm packages
wheel: deps
	$(PY) -m build --outdir dist .

bench: deps
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) web/node_modules .pytest_cache .ruff_cache
