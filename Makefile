PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VIDEO ?= ../shared/data/videos/interview_woman_talking.mp4
OUT ?= out

.PHONY: setup test run analyze eval lint bench recordings calls

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
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# Development calls with real speech (who speaks when known from how they are assembled),
# then the conversation's figures on them, on held-out calls and on music-only clips.
CALLS_DIR ?= /tmp/cuewatch-calls
CALL_SETS := dev heldout heldout2 heldout3 heldout4 heldout5 heldout6
calls: setup
	for s in $(CALL_SETS); do $(BIN)/python benchmarks/calls.py $(CALLS_DIR)/$$s --set $$s || exit 1; done
	for s in $(CALL_SETS); do $(BIN)/python benchmarks/score_calls.py $(CALLS_DIR)/$$s || exit 1; done

# Landmark recordings the tests replay (landmarks only, no pixels), made by the project's
# own command from the shared clips: the labelled ones (shared labels and tests/data/labels)
# plus a few for note-taking splices.
RECORDINGS_DIR := tests/data/landmarks
# Each as VIDEO:PARTICIPANT, the label's participant_box (x,y,w,h) or auto.
RECORD_CLIPS := $(shell python3 -c "import json,glob; ls=[json.load(open(f)) for f in glob.glob('../shared/data/labels/*.json') + glob.glob('tests/data/labels/*.json')]; print(' '.join(sorted(d['video'] + ':' + (','.join(map(str, d['participant_box'])) if d.get('participant_box') else 'auto') for d in ls)))" 2>/dev/null) \
	videos/selfie_d3_looks_down.mp4:auto \
	videos/composite_camera_off_and_back.mp4:auto videos/vox_eyes_down.mp4:auto

recordings: setup
	mkdir -p $(RECORDINGS_DIR)
	for c in $(RECORD_CLIPS); do \
		v=$${c%%:*}; n=$$(basename $$v); \
		$(BIN)/cuewatch record ../shared/data/$$v $(RECORDINGS_DIR)/$${n%.*}.npz --participant $${c#*:} || exit 1; \
	done
	# Hands on every frame: this one tests the hand signals, not when the recorder looks.
	$(BIN)/cuewatch record ../shared/data/videos/sidecam_hands_keyboard.avi \
		$(RECORDINGS_DIR)/sidecam_hands_keyboard.npz --hands-every 1
