# BYOC kit for SageMaker Processing. `make` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

IMAGES := $(notdir $(patsubst %/,%,$(dir $(wildcard containers/*/Dockerfile))))
IMAGE_PREFIX ?= byoc
TAG ?= latest
# The offline base (containers/offline-base.sh); set e.g. BASE_IMAGE=python:3.11-slim-bookworm with a registry.
OFFLINE_BASE := byoc/offline-base:bookworm
BASE_IMAGE ?= $(OFFLINE_BASE)
# Debian's docker CLI builds with BuildKit on engines without buildx; fall back to whatever is on PATH.
DOCKER_BUILD ?= $(shell [ -x /usr/bin/docker ] && echo /usr/bin/docker || echo docker)
# Passed as a BuildKit secret (never a layer) so pip trusts a TLS-intercepting proxy; optional.
CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

export TESTCONTAINERS_RYUK_DISABLED := true

help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_%/.-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'
	@echo "  images: $(IMAGES)"

engine: ## Install and start a Docker engine if none answers (idempotent)
	@bash containers/engine.sh

podman: ## Install Podman and serve its Docker-compatible API on a socket of its own (idempotent; for tests/podman)
	@bash containers/podman.sh >/dev/null

rootless: engine ## Rootless Docker for the user byoc-rootless, and its venv of the launcher's dependencies (idempotent; for tests/rootless)
	@bash containers/rootless.sh >/dev/null

offline-base: engine ## Build the offline Debian base image if it is missing (debootstrap + docker import)
	@if [ "$(BASE_IMAGE)" = "$(OFFLINE_BASE)" ]; then bash containers/offline-base.sh $(OFFLINE_BASE); fi

venv: $(VENV)/.installed ## Create .venv with the pinned launcher, test and lint dependencies

# Made afresh when the pins change: pip installs and upgrades but never removes, and a package the lock dropped
# (SDK 2.x's sagemaker, say) would stay and make lint and tests differ from a fresh clone's.
$(VENV)/.installed: pyproject.toml requirements.lock
	rm -rf $(VENV) && $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c requirements.lock -e '.[dev,sagemaker,serve]'
	@touch $@

build: $(addprefix build/,$(IMAGES)) ## Build every image

# One recipe for an image, `byoc build` (launcher/build.py), here and in an installed byoc: BuildKit, the CA
# bundle as the secret `ca_bundle`, the offline base made first when it is missing.
build/%: offline-base wheel ## Build one image, e.g. make build/sklearn
	DOCKER_BUILD=$(DOCKER_BUILD) $(VENV)/bin/byoc build $* --image-prefix $(IMAGE_PREFIX) --tag $(TAG) \
	  --base-image $(BASE_IMAGE) $(if $(wildcard $(CA_BUNDLE)),--ca-bundle $(CA_BUNDLE))

# The runtime as its own wheel (entrypoints/pyproject.toml), built where the images' Dockerfiles install it
# from. SOURCE_DATE_EPOCH makes it byte-identical for identical sources, so the images' layers stay cached.
RUNTIME_WHEEL_DIR := build/wheels
RUNTIME_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' entrypoints/pyproject.toml)
RUNTIME_WHEEL := $(RUNTIME_WHEEL_DIR)/byoc_runtime-$(RUNTIME_VERSION)-py3-none-any.whl

wheel: $(RUNTIME_WHEEL) ## Build the byoc-runtime wheel into build/wheels/ (make build does)

$(RUNTIME_WHEEL): entrypoints/pyproject.toml $(wildcard entrypoints/byoc_runtime/*.py entrypoints/byoc_runtime/py.typed) \
  $(VENV)/.installed
	rm -f $(RUNTIME_WHEEL_DIR)/byoc_runtime-*.whl
	SOURCE_DATE_EPOCH=315532800 $(PY) -m flit_core.wheel --outdir $(RUNTIME_WHEEL_DIR) entrypoints

# Debian's Pythons the runtime's wheel is tested on besides bookworm's 3.11: bullseye's 3.9 (the oldest it
# supports) and trixie's 3.13 (the newest). Built once per machine (skipped while the tag exists).
offline-base/%: engine ## Build byoc/offline-base:SUITE from that Debian release, e.g. make offline-base/bullseye
	@bash containers/offline-base.sh byoc/offline-base:$* $*

# The launcher as a tool: the byoc-processing wheel (pyproject.toml), which carries the images' build contexts
# and the runtime's wheel (launcher/hatch_build.py), so `pipx install` of it builds and runs with no clone.
DIST_DIR := build/dist

dist: $(VENV)/.installed ## Build the byoc-processing wheel into build/dist/ (pipx install it: no clone needed)
	rm -f $(DIST_DIR)/byoc_processing-*.whl
	$(PY) -m pip wheel -q --no-deps --no-build-isolation -w $(DIST_DIR) .
	@ls -l $(DIST_DIR)/byoc_processing-*.whl

# tests/tool installs that wheel with no index, as a user with no clone would, from these: the launcher's pinned
# dependencies as wheels (and the pip pipx puts in its shared venv), and pipx (pinned, in a venv of its own:
# it needs packaging>=26.3, the dev venv's sagemaker packaging<25).
WHEELHOUSE := build/wheelhouse
PIPX_VENV := build/pipx
PIPX_PINS := pipx==1.18.4 argcomplete==3.7.2 click==8.5.1 packaging==26.4 platformdirs==4.14.8 userpath==1.9.2
PIPX_SHARED_PIP := pip==26.3

wheelhouse: $(WHEELHOUSE)/.complete

$(WHEELHOUSE)/.complete: pyproject.toml requirements.lock Makefile $(VENV)/.installed
	mkdir -p $(WHEELHOUSE)
	$(PY) -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
	  > $(WHEELHOUSE)/requirements.txt
	$(PY) -m pip download -q -c requirements.lock --only-binary :all: -d $(WHEELHOUSE) -r $(WHEELHOUSE)/requirements.txt
	$(PY) -m pip download -q --no-deps -d $(WHEELHOUSE) $(PIPX_SHARED_PIP)
	@touch $@

pipx: $(PIPX_VENV)/bin/pipx ## pipx, pinned, in build/pipx (tests/tool installs byoc with it)

$(PIPX_VENV)/bin/pipx:
	$(PYTHON) -m venv $(PIPX_VENV)
	$(PIPX_VENV)/bin/pip install -q $(PIPX_PINS)

.PHONY: wheel dist wheelhouse pipx

# A second Docker engine for the tests of engines without a shared filesystem: Debian's dockerd in a container
# (tests/launcher/remote_engine). Built once per machine: the tag hashes the Dockerfile, as the tests do.
TEST_ENGINE_DOCKERFILE := tests/launcher/remote_engine/Dockerfile
TEST_ENGINE_IMAGE = byoc/test-engine:$(shell sha256sum $(TEST_ENGINE_DOCKERFILE) | cut -c1-12)

test-engine: offline-base ## Build the tests' second Docker engine image (dockerd in a container), if missing
	@$(DOCKER_BUILD) image inspect $(TEST_ENGINE_IMAGE) >/dev/null 2>&1 || \
	  DOCKER_BUILDKIT=1 $(DOCKER_BUILD) build -q --build-arg BASE_IMAGE=$(OFFLINE_BASE) -t $(TEST_ENGINE_IMAGE) \
	    - <$(TEST_ENGINE_DOCKERFILE)

.PHONY: test-engine

# ECR: `byoc push` reads AWS_REGION, AWS_ACCOUNT_ID (else STS) and AWS_ENDPOINT_URL[_ECR] from the
# environment; these variables also work on the make command line. REGISTRY replaces ECR's registry host.
AWS_REGION ?=
AWS_ACCOUNT_ID ?=
REGISTRY ?=
ECR_ENDPOINT_URL ?=

push: ## Push IMAGE to ECR, e.g. make push IMAGE=sklearn [TAG= AWS_REGION= AWS_ACCOUNT_ID=]; prints URI, digest
	@[ -n "$(IMAGE)" ] || { echo "usage: make push IMAGE=<name> (one of: $(IMAGES))" >&2; exit 2; }
	@$(MAKE) --no-print-directory push/$(IMAGE)

push-all: $(addprefix push/,$(IMAGES)) ## Push every image to ECR

push/%: venv ## Push one image, e.g. make push/sklearn (byoc/sklearn:TAG to ECR repository byoc/sklearn)
	$(VENV)/bin/byoc push $(IMAGE_PREFIX)/$*:$(TAG) --repository $(IMAGE_PREFIX)/$* --tag $(TAG) \
	  $(if $(AWS_REGION),--region $(AWS_REGION)) $(if $(AWS_ACCOUNT_ID),--account $(AWS_ACCOUNT_ID)) \
	  $(if $(REGISTRY),--registry $(REGISTRY)) $(if $(ECR_ENDPOINT_URL),--ecr-endpoint-url $(ECR_ENDPOINT_URL))

.PHONY: push push-all

serve: venv build ## byoc serve in the foreground: the SageMaker API on 127.0.0.1:8580 (client exports: byoc serve --print-env)
	$(VENV)/bin/byoc serve

demo: venv build/sklearn ## Quickstart: PCA of 8 ECG recordings sharded over 4 local instances (no AWS account)
	@[ -f examples/data/ecg/ecg-7.csv ] || $(PY) examples/data/generate.py
	$(VENV)/bin/byoc run examples/pca-ecg.yaml --timeline
	@echo "outputs: examples/output/pca-ecg/ (pca_ecg-*.csv; the plot of ecg-0.csv: pca_ecg-0.png)"

bench: venv build bench-tools ## Every benchmark in one run, then a table of ratios against same-run baselines
	$(PY) -m bench.run_all

lint: venv ## ruff and mypy (strict)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# The clients `byoc serve` is tested with, each in its own venv (SDK v2 and v3 cannot share one), pinned by
# tests/serve/clients/<name>.lock (a pip freeze); made once per checkout.
CLIENTS := .clients

clients: $(CLIENTS)/sdk-v2/.installed $(CLIENTS)/sdk-v3/.installed $(CLIENTS)/awscli/.installed ## Client venvs for the serve tests (SDK v2, SDK v3, AWS CLI)

$(CLIENTS)/%/.installed: tests/serve/clients/%.lock
	@rm -rf $(CLIENTS)/$* && $(PYTHON) -m venv $(CLIENTS)/$*
	$(CLIENTS)/$*/bin/pip install -q -r $<
	@touch $@

# A second Python: the tests that need no engine, on Debian trixie's 3.13 (containers/test-python.sh).
test-py313: offline-base/trixie ## The Docker-free tests on Debian trixie's Python 3.13, in a container (image built once)
	@DOCKER=$(DOCKER_BUILD) CA_BUNDLE=$(CA_BUNDLE) JUNIT_DIR=$(JUNIT_DIR) bash containers/test-python.sh trixie
.PHONY: test-py313

# `make test` on a fresh machine (.ci/run): everything the suite drives for real is installed and built first,
# in one place here; a test whose dependency is missing fails, it never skips.
#   1. one at a time: the engine, the Debian packages, Podman and rootless Docker (apt-get runs one install
#      at a time)
#   2. TEST_JOBS at a time: the dev venv and lint, the images, the offline bases and test images, the client
#      venvs, wheelhouse and pipx (each writes its own files and tags), and the Docker-free tests on the second
#      Python (a container with no network: it runs no job and names no container)
#   3. the suite, one pytest session (job names are unique within a session, not across two)
# JUNIT_DIR (.ci/run sets it): each pytest run writes its JUnit XML there (main.xml, test-python-trixie.xml).
TEST_JOBS ?= 4
JUNIT_DIR ?=
TEST_NEEDS := lint build clients wheelhouse pipx test-engine offline-base/bullseye offline-base/trixie test-py313

test: ## Install and build everything the tests need (engine, packages, venvs, images), then the whole suite
	@started=$$(date +%s); \
	$(MAKE) --no-print-directory engine test-tools podman rootless; \
	$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target $(TEST_NEEDS); \
	echo "make test: everything ready in $$(( $$(date +%s) - started )) s; now the suite"
	$(VENV)/bin/pytest $(if $(JUNIT_DIR),--junitxml=$(JUNIT_DIR)/main.xml) $(PYTEST_ARGS)

test-tools: ## Install the Debian packages the tests run (docker-registry, debootstrap); idempotent, root once
	@bash containers/test-tools.sh tests
bench-tools: ## Install the Debian package the benches run (docker-compose, for SDK local mode); idempotent
	@docker compose version >/dev/null 2>&1 || bash containers/test-tools.sh bench
.PHONY: test-tools bench-tools

.PHONY: help engine podman rootless offline-base venv build demo serve bench lint test clients
