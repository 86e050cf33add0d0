# nbtrack: `make test` (the test suite), `make demo` (quickstart headless), `make lab` (JupyterLab).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: test demo lab bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

# The demo gets a virtual environment of its own with only what it needs (nbtrack, a kernel,
# nbconvert, scikit-learn: the `demo` extra): no browser, no test or framework stack.
DEMO_VENV  := .venv-demo
DEMO_STAMP := $(DEMO_VENV)/.installed-demo

$(DEMO_STAMP): pyproject.toml
	test -x $(DEMO_VENV)/bin/python || $(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install -q --upgrade pip
	$(DEMO_VENV)/bin/python -m pip install -q -e '.[demo]'
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	rm -rf build/.nbtrack && mkdir -p build
	cd notebooks && NBTRACK_DIR=../build/.nbtrack ../$(DEMO_VENV)/bin/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.store_widget_state=False quickstart.ipynb --output-dir ../build --output quickstart.ipynb
	$(DEMO_VENV)/bin/nbtrack export build/quickstart.ipynb -o build/quickstart.html
	@echo "executed notebook: build/quickstart.ipynb"
	@echo "HTML rendering:    build/quickstart.html"

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

BENCH_VENV := .venv-bench

# The peers pin shared packages: they get their own virtual environment.
bench: $(STAMP)
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q -e '.[bench,dev]'
	$(BENCH_VENV)/bin/python benchmarks/bench_log.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_views.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_sweep.py --quick

clean:
	rm -rf build .pytest_cache
