# pipe-fiction: build, run, test and debug Kubeflow Pipelines locally and in a cluster.
# `make` alone lists the targets. Every target sets up what it needs first.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
PIPE := $(ROOT)/pipelines

# What users type is data. Make would expand a "$(...)" inside a command-line or environment
# variable wherever it is referenced or exported, so each user variable is replaced first by its
# raw text ($(value ...), kept as a simple variable: never expanded again), and reaches the
# scripts through the environment, where the shell passes "$$VAR" on as one word (never as shell
# text); ARGS is split by the scripts themselves, with shell quoting rules (utils/common/settings.py).
USER_VARIABLES := ARGS TASK PIPELINE PORT NAME RUN_ID DEBUGGER TIMEOUT IMAGE PIPELINE_YAML BASE_IMAGE \
	EXTRA_CA_BUNDLE KFP_VERSION PYTEST_ARGS UV PKG PIPE_FICTION_IMAGE PIPE_FICTION_PIPELINE PIPE_FICTION_SHIP_CODE
$(foreach name,$(USER_VARIABLES),$(eval override $(name) := $$(value $(name))))

PKG_DEFAULT := $(ROOT)/pipe-fiction-codebase
override PKG := $(or $(PKG),$(PKG_DEFAULT))
# uv from PATH, else bootstrapped into a git-ignored venv (a system Python may refuse pip, PEP 668).
UV_BOOTSTRAP := $(ROOT)/.tools/bin/uv
override UV := $(or $(UV),$(shell command -v uv 2>/dev/null),$(UV_BOOTSTRAP))
UV_DEP := $(filter $(UV_BOOTSTRAP),$(UV))
# uv trusts its bundled Mozilla roots by default, so behind a TLS-intercepting proxy (whose CA the
# machine's own store holds) its first download fails. The system store works with or without a
# proxy. UV_SYSTEM_CERTS is uv >= 0.13's name, UV_NATIVE_TLS the older one's.
export UV_SYSTEM_CERTS ?= 1
export UV_NATIVE_TLS ?= 1
# The same for the pip that bootstraps uv: an old pip trusts only its own bundle.
SYSTEM_CA_BUNDLE := $(firstword $(wildcard /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem))
PIP_TLS := $(if $(PIP_CERT),,$(if $(SYSTEM_CA_BUNDLE),--cert $(SYSTEM_CA_BUNDLE)))

# KFP_VERSION=2.7.0 runs the pipelines side against another kfp, in its own venv beside .venv. It
# becomes part of paths in the recipes, so it may hold only what a version number holds.
VERSION_CHARACTERS := 0 1 2 3 4 5 6 7 8 9 . a b c d e f g h i j k l m n o p q r s t u v w x y z + -
without = $(if $(2),$(call without,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))
ifneq ($(strip $(call without,$(KFP_VERSION),$(VERSION_CHARACTERS))),)
$(error KFP_VERSION must be a version number, such as KFP_VERSION=2.7.0)
endif
# Bytecode is compiled at install time: with PYTHONDONTWRITEBYTECODE set (common), every task
# would otherwise recompile kfp and pandas from source, about a second per task.
PIPE_VENV := $(if $(KFP_VERSION),.venv-kfp-$(KFP_VERSION),.venv)
PY := $(PIPE)/$(PIPE_VENV)/bin/python

# The image: kfp and debugpy at the pipelines lock's versions (or KFP_VERSION), so the image and
# the venv that compiles the components always agree. Its tag carries a fingerprint of what it is
# built from (utils/image/tag.py): a changed package means a new tag, so a missing tag means
# "build", and a present one "up to date". IMAGE=name:tag is used as given; IMAGE=registry/name
# gets the fingerprinted tag. Recipes ask utils/image/tag.py, which reads the environment.
lock_version = $(shell grep -A1 '^name = "$(1)"$$' $(PIPE)/uv.lock | sed -n 's/^version = "\(.*\)"$$/\1/p')
IMAGE_KFP := $(or $(KFP_VERSION),$(call lock_version,kfp))
DEBUGPY_VERSION := $(call lock_version,debugpy)
override IMAGE := $(or $(IMAGE),$(PIPE_FICTION_IMAGE))
override PIPE_FICTION_IMAGE := $(IMAGE)
# PIPELINE=module[:function] runs another pipeline than pipeline.py's (e.g. examples.control_flow).
override PIPELINE := $(or $(PIPELINE),$(PIPE_FICTION_PIPELINE))
override PIPE_FICTION_PIPELINE := $(PIPELINE)
# Debugging: TASK is a task's name in the pipeline (`make tasks` lists them).
override PORT := $(or $(PORT),5678)
export ARGS TASK PORT NAME RUN_ID DEBUGGER TIMEOUT PIPELINE_YAML BASE_IMAGE EXTRA_CA_BUNDLE KFP_VERSION PYTEST_ARGS \
	UV PKG PIPE_FICTION_IMAGE PIPE_FICTION_PIPELINE PIPE_FICTION_SHIP_CODE
IMAGE_NAME = cd $(PIPE) && python3 -m utils.image.tag
IMAGE_BUILD = cd $(PIPE) && python3 -m utils.image.build
DOCKER_UP = docker info >/dev/null 2>&1 || { echo "No Docker engine answers: start one (Docker Desktop, or 'sudo systemctl start docker')." >&2; exit 1; }
DEBUG_ARGS = --debug "$$TASK" --debug-port "$$PORT" $${DEBUGGER:+--debugger "$$DEBUGGER"} $${TIMEOUT:+--debug-timeout "$$TIMEOUT"}
LIST_TASKS = cd $(PIPE) && $(PY) -m utils.pipeline.discovery
IMAGE_FOR_TESTS = if docker info >/dev/null 2>&1; then $(IMAGE_BUILD) --if-missing --all; \
	else echo "No Docker engine answers: the Docker tests will be skipped."; fi
NEED_TASK = @test -n "$${TASK:-}" || { echo "Name the task: make $@ TASK=<one of: $$($(LIST_TASKS) | paste -sd ' ')>" >&2; exit 2; }

.PHONY: screenshot runs push-image test-docker-layer tasks rename help setup lock build-image image-present run-docker run-subproc debug-subproc debug-docker run-k8s debug-k8s bench test test-all test-package test-pipelines test-machinery lint format compile clean distclean

help: ## Show this help
	@echo "Usage: make <target> [VAR=value]"
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'
	@echo "Variables: ARGS='--help' (script arguments), PIPELINE=examples.control_flow, TASK=, PORT=, KFP_VERSION=2.7.0, IMAGE="

$(UV_BOOTSTRAP):
	@echo "uv not found: installing it into .tools/ (no system-wide install)"
	python3 -m venv $(ROOT)/.tools
	$(ROOT)/.tools/bin/python -m pip install --quiet --disable-pip-version-check $(PIP_TLS) uv

# uv sync --locked in folder $(1) (with variables $(2)); a lock older than its pyproject.toml is
# one line naming the folder and saying `make lock`, rather than uv's error.
define uv_sync
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	if ! (cd $(1) && $(2) "$$UV" sync --locked --compile-bytecode) 2>"$$log"; then \
		if grep -q "needs to be updated" "$$log"; then \
			echo "$(3)/uv.lock is out of date with its pyproject.toml: run 'make lock' (it locks both projects)" >&2; \
		else cat "$$log" >&2; fi; exit 1; \
	fi; cat "$$log" >&2
endef

$(PKG)/.venv/.synced: $(UV_DEP) $(PKG)/pyproject.toml $(PKG)/uv.lock
	@echo "Setting up $$(basename "$$PKG")/.venv: uv sync, then compiling bytecode (some seconds the first time)"
	$(call uv_sync,"$$PKG",,$$(basename "$$PKG"))
	@touch "$$PKG/.venv/.synced"

$(PIPE)/$(PIPE_VENV)/.synced: $(UV_DEP) $(PIPE)/pyproject.toml $(PIPE)/uv.lock $(PKG)/pyproject.toml
	@echo "Setting up pipelines/$(PIPE_VENV): uv sync, then compiling bytecode (about 10 s the first time)"
	$(call uv_sync,$(PIPE),UV_PROJECT_ENVIRONMENT=$(PIPE_VENV),pipelines)
	$(if $(KFP_VERSION),cd $(PIPE) && "$$UV" pip install --quiet --compile-bytecode --python $(PIPE_VENV) "kfp==$$KFP_VERSION" kfp-kubernetes)
	@touch $@

lock: $(UV_DEP) ## After a dependency change: lock the package, then the pipelines workspace that installs it
	cd "$$PKG" && "$$UV" lock
	cd $(PIPE) && "$$UV" lock

setup: $(PKG)/.venv/.synced $(PIPE)/$(PIPE_VENV)/.synced ## Create both environments (uv sync --locked)

run-subproc: $(PIPE)/$(PIPE_VENV)/.synced ## Run the pipeline locally, each task in a subprocess (forked warm, independent tasks at once; ARGS=--no-warm, --max-parallel N)
	cd $(PIPE) && PIPE_FICTION_ARGS="$$ARGS" exec $(PY) run_locally_in_subproc.py

build-image: ## Build the image runs use: dependencies only while tasks bring their code (IMAGE=, BASE_IMAGE=, EXTRA_CA_BUNDLE=pem)
	@$(DOCKER_UP)
	@$(IMAGE_BUILD)

# Builds exactly the images of the working tree that are missing: never a stale image. Tests
# need the full image too (their fixture pipelines run it directly).
image-present:
	@$(DOCKER_UP)
	@$(IMAGE_BUILD) --if-missing --all

push-image: ## Push the image runs use to a registry for a cluster: IMAGE=registry/name (both tags)
	@$(IMAGE_NAME) --pushable >/dev/null
	@$(DOCKER_UP)
	@$(IMAGE_BUILD) --if-missing
	@image="$$($(IMAGE_NAME))"; moving="$$($(IMAGE_NAME) --moving)"; \
	docker push "$$image"; [ "$$moving" = "$$image" ] || docker push "$$moving"

run-docker: $(PIPE)/$(PIPE_VENV)/.synced ## Run the pipeline locally, each task in a container (builds the image if missing)
	cd $(PIPE) && PIPE_FICTION_ARGS="$$ARGS" exec $(PY) run_locally_in_docker.py

runs: $(PIPE)/$(PIPE_VENV)/.synced ## List the recent local runs and write local_outputs/runs.html comparing their metrics
	@cd $(PIPE) && exec $(PY) -m utils.report.runs_index

screenshot: $(PIPE)/$(PIPE_VENV)/.synced ## Render the newest run page into docs/run-page.png (needs Chromium)
	@cd $(PIPE) && exec $(PY) -m utils.dev.screenshot

tasks: $(PIPE)/$(PIPE_VENV)/.synced ## List the pipeline's tasks (the names TASK= takes)
	@$(LIST_TASKS)

debug-subproc: $(PIPE)/$(PIPE_VENV)/.synced ## Run with TASK waiting for a debugger in a subprocess (TASK=<task> PORT=5678)
	$(NEED_TASK)
	cd $(PIPE) && PIPE_FICTION_ARGS="$$ARGS" exec $(PY) run_locally_in_subproc.py $(DEBUG_ARGS)

debug-docker: $(PIPE)/$(PIPE_VENV)/.synced ## Run with TASK waiting for a debugger in its container (TASK=<task> PORT=5678)
	$(NEED_TASK)
	cd $(PIPE) && PIPE_FICTION_ARGS="$$ARGS" exec $(PY) run_locally_in_docker.py $(DEBUG_ARGS)

test: test-package test-pipelines ## Your loop: the package's tests, your component and pipeline tests, checks of your pipeline

test-all: test-package test-pipelines test-machinery ## Everything CI runs: test, plus the machinery's own and end-to-end tests (KFP_VERSION=x.y.z)

test-package: $(PKG)/.venv/.synced ## Run the ML package's unit tests (pipe-fiction-codebase/tests)
	@cd "$$PKG" && if [ -z "$$(find tests -name 'test_*.py' -o -name '*_test.py' 2>/dev/null | head -1)" ]; then \
		echo "No package tests yet: put them in $$(basename "$$PKG")/tests/ (test_*.py)"; exit 0; fi; \
	PYTEST_ADDOPTS="$${PYTEST_ADDOPTS:-} $$PYTEST_ARGS" "$$PKG/.venv/bin/python" -m pytest tests

# Your tests and the checks of your pipeline; the Docker ones need the image of your working tree.
test-pipelines: $(PIPE)/$(PIPE_VENV)/.synced ## Run your component and pipeline tests (pipelines/tests) and the checks of your pipeline
	@$(IMAGE_FOR_TESTS)
	cd $(PIPE) && PYTEST_ADDOPTS="$${PYTEST_ADDOPTS:-} $$PYTEST_ARGS" $(PY) -m pytest tests utils/tests/checks

test-machinery: $(PIPE)/$(PIPE_VENV)/.synced ## Run the machinery's own tests (pipelines/utils/tests), end-to-end copies included
	@$(IMAGE_FOR_TESTS)
	cd $(PIPE) && PYTEST_ADDOPTS="$${PYTEST_ADDOPTS:-} $$PYTEST_ARGS" $(PY) -m pytest utils/tests --ignore=utils/tests/checks

test-docker-layer: $(PIPE)/$(PIPE_VENV)/.synced ## Run only the Docker-layer tests (with KFP_VERSION=x.y.z: on that kfp)
	@$(DOCKER_UP)
	@$(IMAGE_BUILD) --all
	cd $(PIPE) && PYTEST_ADDOPTS="$${PYTEST_ADDOPTS:-} $$PYTEST_ARGS" $(PY) -m pytest -m docker

bench: $(PIPE)/$(PIPE_VENV)/.synced image-present ## Measure run times, per-task and warm start-up, image rebuilds, edit-to-submit time
	cd $(PIPE) && $(PY) -m utils.dev.bench

lint: $(PIPE)/$(PIPE_VENV)/.synced ## Check lint and formatting (ruff) and the GitHub workflows (actionlint)
	cd $(ROOT) && $(PIPE)/$(PIPE_VENV)/bin/ruff check . && $(PIPE)/$(PIPE_VENV)/bin/ruff format --check .
	cd $(ROOT) && $(PIPE)/$(PIPE_VENV)/bin/actionlint

format: $(PIPE)/$(PIPE_VENV)/.synced ## Fix lint and format with ruff
	cd $(ROOT) && $(PIPE)/$(PIPE_VENV)/bin/ruff check --fix . && $(PIPE)/$(PIPE_VENV)/bin/ruff format .

compile: $(PIPE)/$(PIPE_VENV)/.synced ## Compile the pipeline to YAML (default pipelines/build/<name>.yaml; PIPELINE_YAML=path)
	cd $(PIPE) && exec $(PY) run_in_k8s_cluster.py --compile-only $${PIPELINE_YAML:+--output "$$PIPELINE_YAML"}

run-k8s: $(PIPE)/$(PIPE_VENV)/.synced ## Submit the pipeline to KFP (KFP_* settings; ARGS="--wait", "--debug <task>")
	cd $(PIPE) && PIPE_FICTION_ARGS="$$ARGS" exec $(PY) run_in_k8s_cluster.py

debug-k8s: $(PIPE)/$(PIPE_VENV)/.synced ## Forward localhost:PORT to a cluster task's debugger (RUN_ID=... TASK=...)
	@test -n "$${RUN_ID:-}" || { echo "Name the run: make debug-k8s RUN_ID=<id from make run-k8s> TASK=<task>" >&2; exit 2; }
	$(NEED_TASK)
	cd $(PIPE) && exec $(PY) debug_in_k8s_cluster.py --run-id "$$RUN_ID" --task "$$TASK" --port "$$PORT"

rename: $(UV_DEP) ## Make it yours, first: rename package, folders, image, variables (NAME=acme-ml, on a clean tree)
	@test -n "$${NAME:-}" || { echo "Give the new name: make rename NAME=acme-ml" >&2; exit 2; }
	@cd $(PIPE) && python3 -m utils.dev.rename --check -- "$$NAME"
	@# ruff (in the pipelines venv) re-wraps the lines the new name makes longer.
	@$(MAKE) --no-print-directory $(PIPE)/$(PIPE_VENV)/.synced
	cd $(PIPE) && python3 -m utils.dev.rename --uv "$$UV" --ruff $(PIPE)/$(PIPE_VENV)/bin/ruff -- "$$NAME"

# The venvs' bytecode is compiled at install time and stays: deleting it would make every task
# recompile kfp and pandas (their .synced markers would still say "done").
clean: ## Remove run outputs, the task cache, compiled YAML and caches (not the environments)
	rm -rf $(PIPE)/local_outputs $(PIPE)/local_cache $(PIPE)/build
	find $(ROOT) \( -name '.venv*' -o -name .tools -o -name .git \) -prune -o \
		-type d \( -name __pycache__ -o -name .pytest_cache -o -name .ruff_cache \) -prune -exec rm -rf {} +

distclean: clean ## Also remove the virtual environments and the bootstrapped uv
	rm -rf "$$PKG/.venv" $(PIPE)/.venv $(PIPE)/.venv-kfp-* $(ROOT)/.tools
