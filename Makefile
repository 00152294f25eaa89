PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VIDEO ?= ../shared/data/videos/interview_woman_talking.mp4
OUT ?= out

.PHONY: setup test run analyze eval lint bench

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	bash .ci/install-browser
	touch $(STAMP)

test: setup
	$(BIN)/python -m pytest

run: setup
	$(BIN)/cuewatch serve

analyze: setup
	$(BIN)/cuewatch analyze $(VIDEO) --out $(OUT)

eval: setup
	$(BIN)/cuewatch eval ../shared/data

lint: setup
	$(BIN)/ruff check pipeline service tests
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/bench.py
