# Haven — two commands on a fresh machine:  make run   and   make test
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1
# make trains with --force (below), so Rasa's training cache (.rasa/) would only be written, never read:
# it cost time and hundreds of MB on every training and every cross-validation fold.
export RASA_MAX_CACHE_SIZE := 0

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
INSTALLED := $(VENV)/.installed
SPACY_PIPELINE := var/spacy/haven_en/meta.json
MODEL := models/haven.tar.gz
TRAINING_INPUTS := domain.yml config.yml $(shell find data -name '*.yml' 2>/dev/null)
NODE_INSTALLED := node_modules/.installed
JS_DIRS := bot/gateway/widget/static bot/gateway/console/static
# --no-install: ESLint runs from node_modules (npm ci, from package-lock.json); never fetched at run time.
ESLINT := npx --no-install eslint --max-warnings 0

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

$(INSTALLED): requirements.txt constraints.txt pyproject.toml
	@test -x $(PY) || { PY310=$$(scripts/find-python310) && $$PY310 -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade "pip==24.0"
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

install: $(INSTALLED)  ## Create .venv with Python 3.10 and the pinned dependencies

# ESLint and its dependencies, exactly as package-lock.json pins them (the only use of Node in the project).
$(NODE_INSTALLED): package.json package-lock.json
	@command -v npm >/dev/null || if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
	 else echo "The JavaScript lint needs Node.js (18.18 or later) and npm: sudo apt-get install nodejs npm" >&2; exit 1; fi
	npm ci --no-audit --no-fund
	@touch $@

lint-js: $(NODE_INSTALLED)  ## Lint the widget's and the staff console's JavaScript with ESLint (npm ci first if needed)
	$(ESLINT) $(JS_DIRS)

$(SPACY_PIPELINE): $(INSTALLED) $(wildcard bot/nlp/*.py) $(wildcard data/gazetteer/*.csv)
	$(PY) -m bot.nlp.build --output var/spacy/haven_en

nlp: $(SPACY_PIPELINE)  ## Build the project's spaCy pipeline (blank English + entity ruler) from data/

# make retrains only when an input changed, so --force skips Rasa's fingerprint run (minutes spent
# hashing featurized data to look up its cache).
$(MODEL): $(SPACY_PIPELINE) $(TRAINING_INPUTS) $(wildcard bot/assistant/nlu/*.py)
	@start=$$(date +%s); \
	  $(RASA) train --force --fixed-model-name haven --out models --domain domain.yml --config config.yml --data data \
	  && mkdir -p var/results && echo $$(( $$(date +%s) - start )) > var/results/training-seconds \
	  && echo "Training took $$(cat var/results/training-seconds) s"
	@touch $@

train: $(MODEL)  ## Train the Rasa model if data/, domain.yml or config.yml changed

run: $(MODEL)  ## Install, train if needed, and start Rasa (:5005) and the action server (:5055)
	scripts/run

shell: $(MODEL)  ## Talk to the assistant in the terminal (starts the action server if it isn't running)
	scripts/shell

CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	 else echo "The browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi

browser: $(CHROMIUM)  ## Install Debian's chromium for the browser tests (never a downloaded browser)

test: $(NODE_INSTALLED) $(MODEL) $(CHROMIUM)  ## Lint, type-check, validate data, and run every test (unit, model, story, browser)
	$(PY) -m ruff check bot actions tools tests
	$(PY) -m mypy bot actions tools tests
	$(ESLINT) $(JS_DIRS)
	$(PY) -m pytest

eval: $(MODEL)  ## Measure the assistant: cross-validated NLU, danger recall/false positives, stories
	$(PY) -m tools.evaluate

SOAK_CONVERSATIONS ?= 200
SOAK_SECONDS ?= 120

bench: $(SPACY_PIPELINE) bench-load  ## Print performance figures: load on the real stack, directory look-ups, redaction, staff messages, soak
	$(PY) -m tools.bench.directory
	$(PY) -m tools.bench.redaction
	$(PY) -m tools.bench.handoff
	$(PY) -m tools.bench.soak --conversations $(SOAK_CONVERSATIONS) --seconds $(SOAK_SECONDS)

bench-load: $(MODEL)  ## Load the real stack: 1/20/100 paced conversations and saturation, gateway vs Rasa (HAVEN_BENCH_*)
	$(PY) -m tools.bench.load

clean:  ## Remove the trained model, built pipeline and results (keeps var/haven.db and .venv)
	rm -rf models var/spacy var/results .rasa

.PHONY: help install nlp train run shell test lint-js eval clean browser bench bench-load
