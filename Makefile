# Kho — two commands on a fresh machine:  make run   and   make test
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
KHO    := $(VENV)/bin/kho
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
# make test runs the suite on this many processes (pytest-xdist; a file's tests stay together;
# four on two cores: much of the suite waits on subprocesses, servers, PostgreSQL and
# Chromium; 13 min 42 s against 14 min 39 s with three, session 15)
TEST_WORKERS ?= 4
NSTAMP := node_modules/.installed

.PHONY: run test install constraints install-test system-deps system-deps-test unit integration browser lint translations bench clean

$(STAMP): setup.cfg pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e .
	touch $(STAMP)

$(TSTAMP): $(STAMP) $(NSTAMP)
	$(PY) -m pip install -q -c constraints.txt -e '.[test]'
	touch $(TSTAMP)

# axe-core for the browser tests' accessibility checks, exactly as package-lock.json pins it
$(NSTAMP): package.json package-lock.json
	@.ci/system-deps node
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NSTAMP)

## constraints: re-resolve the newest versions setup.cfg allows into constraints.txt
## (in a scratch venv); then run make test with them and commit the file if it passes
constraints:
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install -q --upgrade pip
	.venv-constraints/bin/python -m pip install -q -e '.[test]'
	{ echo "# Versions CI tested (make test passed with exactly these). Used by make run and make test"; \
	  echo "# through pip's -c. Refresh: make constraints (see docs/PRESERVATION.md)."; \
	  .venv-constraints/bin/python -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .venv-constraints
	@echo "constraints.txt refreshed: now run 'make test' (it reinstalls from it) and commit it if green"

install: $(STAMP)

install-test: $(TSTAMP)

system-deps:
	@.ci/system-deps run

system-deps-test:
	@.ci/system-deps test

## run: install what is missing, prepare ./instance, serve on http://127.0.0.1:8000
run: install system-deps
	$(KHO) init
	$(KHO) user bootstrap-admin
	@echo "Kho: http://127.0.0.1:8000 — đăng nhập / sign in: admin (Ctrl+C để dừng / to stop)"
	$(KHO) serve

## test: the whole suite (unit, integration, browser), the import contracts and the circle check
test: install-test system-deps-test
	$(VENV)/bin/lint-imports
	$(PY) tools/import_cycles.py
	$(PY) -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

unit: install-test
	$(PY) -m pytest -q tests/unit

integration: install-test
	$(PY) -m pytest -q tests/integration

browser: install-test system-deps-test
	$(PY) -m pytest -q tests/browser

lint: install-test
	$(VENV)/bin/lint-imports
	$(PY) tools/import_cycles.py

## translations: rebuild the compiled message catalogues from the .po files
translations: install
	$(VENV)/bin/pybabel compile -d app/translations -D messages

bench: install-test
	@echo "See benchmarks/README.md for each benchmark's command."

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
