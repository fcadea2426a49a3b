# Every target brings up what it needs first (Python env, Node tools, Terraform CLI config),
# so `make synth` and `make test` work on a fresh clone. See README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BOOTSTRAP ?= python3
PIPENV_VERSION := 2026.10.3
STACK ?= bedrock-inference

# Pipfile's source URL is "${PIP_INDEX_URL}": take pip's own default when it is unset, so no
# file here names a package registry.
export PIP_INDEX_URL ?= $(shell $(PYTHON_BOOTSTRAP) -c "from pip._internal.models.index import PyPI; print(PyPI.simple_url)")
export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_VERBOSITY := -1
# Node 22 from node_modules first, so cdktf-cli and jsii run on it rather than the system Node.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
export TF_CLI_CONFIG_FILE := $(CURDIR)/.terraformrc.generated
export CHECKPOINT_DISABLE := 1

VENV := .venv
PY := $(VENV)/bin/python
# Stamps live inside what they stand for, so deleting .venv or node_modules re-installs it.
PY_READY := $(VENV)/.synced
NODE_READY := node_modules/.installed

.PHONY: help setup synth test bench deploy destroy endpoint serve clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(PY_READY): Pipfile.lock
	@$(PYTHON_BOOTSTRAP) -m pipenv --version >/dev/null 2>&1 || $(PYTHON_BOOTSTRAP) -m pip install --quiet "pipenv==$(PIPENV_VERSION)"
	$(PYTHON_BOOTSTRAP) -m pipenv sync --dev
	@touch $@

$(NODE_READY): package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# Rewritten every run: cheap, and it follows TF_PROVIDER_MIRROR without a stale file.
.terraformrc.generated: FORCE
	@$(PYTHON_BOOTSTRAP) scripts/terraform_cli_config.py $@ >/dev/null
FORCE:

setup: $(PY_READY) $(NODE_READY) .terraformrc.generated  ## install the Python env, Node tools, Terraform CLI config

synth: setup  ## synthesize Terraform JSON into cdktf.out/stacks/
	cdktf synth

test: setup  ## run the whole test suite (unit, synth, terraform validate)
	$(PY) -m pytest

bench: setup  ## print the benchmark figures (synth speed and memory)
	$(PY) bench/synth_speed.py

# --skip-provider-lock: otherwise cdktf runs `terraform providers lock` for several platforms,
# which needs the registry even when a local mirror serves this one. `terraform init` still
# writes the lock file for this platform. The stack directory is generated, never committed.
CDKTF_FLAGS = --skip-provider-lock $(if $(filter 1,$(AUTO_APPROVE)),--auto-approve)
OUTPUTS_FILE := $(CURDIR)/outputs.json

deploy: setup  ## deploy the stack (asks first unless AUTO_APPROVE=1)
	cdktf deploy $(STACK) $(CDKTF_FLAGS) --outputs-file $(OUTPUTS_FILE)

endpoint:  ## print the deployed api_endpoint (from outputs.json, written by deploy)
	@$(PYTHON_BOOTSTRAP) -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]["api_endpoint"])' $(OUTPUTS_FILE) $(STACK)

destroy: setup  ## destroy the stack (asks first unless AUTO_APPROVE=1)
	cdktf destroy $(STACK) $(CDKTF_FLAGS)

serve: setup  ## run the handler on http://127.0.0.1 (OFFLINE=1: local stand-in model, no AWS)
	$(PY) scripts/serve.py $(if $(filter 1,$(OFFLINE)),--offline) $(if $(PORT),--port $(PORT))

clean:  ## remove generated output (keeps the environments)
	rm -rf cdktf.out .build dist .pytest_cache
