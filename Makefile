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

models: $(STAMP)
	$(BIN)/posecoach models install --variant full

demo: models
	$(BIN)/posecoach analyze $(DEMO_CLIP) --out out/demo

test: models
	$(BIN)/python -m pytest -q

bench: models
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/swing_pivot.py
	$(BIN)/python bench/throughput.py --repeat 3 $(BENCH_CLIPS)
	$(BIN)/python bench/stills_speed.py
	$(BIN)/python bench/memory.py --seconds 60
	$(BIN)/python bench/live_latency.py --model lite --exercise origin-stretch --seconds 9 \
		sample_videos/origin_stretch_good_right.mp4

clean:
	rm -rf out posecoach-out .pytest_cache
