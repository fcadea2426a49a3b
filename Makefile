# Every target brings up what it needs first (Python env, Node tools, Terraform CLI config),
# so `make synth` and `make test` work on a fresh clone. See README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BOOTSTRAP ?= python3
PIPENV_VERSION := 2026.10.3
# One stack, bedrock-inference; with ENVIRONMENTS=dev,prod one per environment
# (bedrock-inference-dev, -prod), and deploy/destroy/endpoint need STACK=<that stack>.
STACK ?= $(if $(ENVIRONMENTS),,bedrock-inference)
comma := ,
NEED_STACK = @test -n "$(STACK)" || { echo "ENVIRONMENTS is set: name the stack, e.g. STACK=bedrock-inference-$(firstword $(subst $(comma), ,$(ENVIRONMENTS)))" >&2; exit 2; }

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
# Scripts and benchmarks run as modules from here (`-m scripts.doctor`), so the project root is
# on the import path without any set-up of their own.
PY := $(VENV)/bin/python
# Stamps live inside what they stand for, so deleting .venv or node_modules re-installs it.
PY_READY := $(VENV)/.synced
CHECKOV_READY := .venv-checkov/.installed
BANDIT_READY := .venv-bandit/.installed
MUTMUT_READY := .venv-mutmut/.installed
NODE_READY := node_modules/.installed
# The function's package layer; its stamp records what it was built from (scripts/build_layer.py).
LAYER_READY := .build/layer.json

.PHONY: help setup browser layer synth lint test scan mutate bench doctor deploy destroy endpoint api-key serve local local-down export clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

# The environment is built on PYTHON_BOOTSTRAP itself (3.11, 3.12 or 3.13: Pipfile's [requires]),
# passed to pipenv by path, so pipenv never goes looking for another version.
$(PY_READY): Pipfile.lock
	@$(PYTHON_BOOTSTRAP) -m scripts.check_python
	@$(PYTHON_BOOTSTRAP) -m pipenv --version >/dev/null 2>&1 || $(PYTHON_BOOTSTRAP) -m pip install --quiet "pipenv==$(PIPENV_VERSION)"
	$(PYTHON_BOOTSTRAP) -m pipenv sync --python "$$($(PYTHON_BOOTSTRAP) -c 'import sys; print(sys.executable)')" \
		--categories "packages dev-packages layer"
	@touch $@

$(NODE_READY): package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# Rewritten every run: cheap, and it follows TF_PROVIDER_MIRROR without a stale file.
.terraformrc.generated: FORCE
	@$(PYTHON_BOOTSTRAP) -m scripts.terraform_cli_config $@ >/dev/null
FORCE:

setup: $(PY_READY) $(NODE_READY) .terraformrc.generated  ## install the Python env, Node tools, Terraform CLI config

# The browser tests (tests/app/test_playground_browser.py) drive Debian's Chromium through its
# chromedriver (Selenium, from Pipfile). apt-get installs both when either is missing, as root
# (CI runs as root); anyone else is told the one command to run.
BROWSER_PACKAGES := chromium chromium-driver

browser:  ## install Chromium and chromedriver for the browser tests (apt-get, only when missing)
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
		echo "the browser tests need Chromium and chromedriver, and apt-get is not here: install them with this system's package manager" >&2; exit 1; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "the browser tests need Chromium and chromedriver: run  sudo apt-get install -y $(BROWSER_PACKAGES)" >&2; exit 1; fi; \
	echo "installing $(BROWSER_PACKAGES) for the browser tests"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES)

# Rebuilt only when Pipfile.lock changes, and then only if its `layer` packages did (the script
# compares digests). pip reads PIP_INDEX_URL, exported above.
$(LAYER_READY): Pipfile.lock | $(PY_READY)
	$(PY) -m scripts.build_layer

layer: $(LAYER_READY)  ## build the function's package layer (.build/layer.zip) from Pipfile.lock's [layer] packages

# The settings and the layer stamp are checked before the cdktf CLI starts: it would show a bad
# setting's one line twice behind `[ERROR] default -`, and a warning as if it were an error.
# The app it then runs (here or through local/emulator/) skips the warnings already
# printed (SETTINGS_CHECKED, main.py).
CHECK_SETTINGS = $(PY) main.py --check
CDKTF = SETTINGS_CHECKED=1 cdktf

synth: setup $(LAYER_READY)  ## synthesize Terraform JSON into cdktf.out/stacks/
	@$(CHECK_SETTINGS)
	$(CDKTF) synth

# checkov pins old boto3/packaging versions, so it gets a virtual environment of its own.
$(CHECKOV_READY): tools/checkov-requirements.txt
	$(PYTHON_BOOTSTRAP) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet -r tools/checkov-requirements.txt
	@touch $@

# bandit too, for the same reason: a scanner's pins stay out of the app's environment.
$(BANDIT_READY): tools/bandit-requirements.txt
	$(PYTHON_BOOTSTRAP) -m venv .venv-bandit
	.venv-bandit/bin/pip install --quiet -r tools/bandit-requirements.txt
	@touch $@

# mutmut runs the tests in its own process, so it needs the app's packages as well as its own:
# .venv-mutmut is made by .venv's Python and sees .venv's packages through a .pth file (no second
# copy of the ~1 GB of provider bindings), and holds only what mutmut adds; `pip check` proves
# the two sets fit together.
$(MUTMUT_READY): tools/mutmut-requirements.txt $(PY_READY)
	$(PY) -m venv .venv-mutmut
	$(PY) -c "import site; print('import site; site.addsitedir(%r)' % site.getsitepackages()[0])" \
		> "$$(.venv-mutmut/bin/python -c 'import site; print(site.getsitepackages()[0])')/project-venv.pth"
	.venv-mutmut/bin/pip install --quiet --no-deps -r tools/mutmut-requirements.txt
	.venv-mutmut/bin/pip check
	@touch $@

# The gates every change passes before the tests run: ruff (lint and format, ruff.toml) and mypy
# --strict (mypy.ini), once per import root: function/ is Lambda's, where modules import each
# other by top-level name; the stack imports the same files as `function.config`.
lint: setup  ## ruff (lint + format check) and mypy --strict on function/, constructs_lib/, authorizer/
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	cd function && ../$(PY) -m mypy --config-file ../mypy.ini --cache-dir ../.build/mypy-function .
	$(PY) -m mypy

test: setup lint browser $(CHECKOV_READY) $(BANDIT_READY) $(LAYER_READY)  ## the lint and type gates, then the whole test suite (unit, synth, terraform validate, checkov and bandit gates, the playground in headless Chromium)
	$(PY) -m pytest

# checkov on the synthesized stack, bandit on the Python code (function/, authorizer/ and constructs_lib/ with
# every test, scripts/ and local/ with the skips their config justifies): 0 findings each.
scan: synth $(CHECKOV_READY) $(BANDIT_READY)  ## security gates: checkov on the synthesized stack, bandit on the Python code (0 findings)
	.venv-checkov/bin/checkov --config-file .checkov.yaml -f cdktf.out/stacks/$(STACK)/cdk.tf.json
	.venv-bandit/bin/bandit --quiet -c .bandit.yaml -r function authorizer constructs_lib && echo "bandit: no findings in function/ authorizer/ constructs_lib/"
	.venv-bandit/bin/bandit --quiet -c .bandit-scripts.yaml -r scripts local && echo "bandit: no findings in scripts/ local/"

# Minutes, not seconds: not part of `make test`. Stages each group under .build/mutation/ and
# runs mutmut there (scripts/mutate.py); exit 1 below a target or with a survivor not explained.
mutate: setup $(MUTMUT_READY) $(LAYER_READY)  ## mutation score of function/ and constructs_lib's IAM/ARN/settings helpers (mutmut; minutes; survivors to mutation/survivors.txt)
	.venv-mutmut/bin/python -m scripts.mutate

bench: setup $(LAYER_READY)  ## print the benchmark figures (synth; the app: ready to serve, first byte, relay, concurrency; zip size)
	@status=0; for bench in synth_speed ready_to_serve first_byte relay concurrency zip_size; do \
		$(PY) -m bench.$$bench || status=1; echo; done; exit $$status

# --skip-provider-lock: otherwise cdktf runs `terraform providers lock` for several platforms,
# which needs the registry even when a local mirror serves this one. `terraform init` still
# writes the lock file for this platform. The stack directory is generated, never committed.
CDKTF_FLAGS = --skip-provider-lock $(if $(filter 1,$(AUTO_APPROVE)),--auto-approve)
OUTPUTS_FILE := $(CURDIR)/outputs.json

# Read-only calls to the account with the caller's credentials (scripts/doctor.py); never run
# by `make test`, whose tests use moto and botocore's Stubber.
DOCTOR_RUN = $(PY) -m scripts.doctor $(if $(filter 1,$(INVOKE)),--invoke) $(if $(STACK),--stack $(STACK))

doctor: setup  ## read-only preflight of the AWS account: one line per check, each problem with the setting that fixes it (INVOKE=1: one real model call)
	@$(DOCTOR_RUN)

deploy: setup $(LAYER_READY)  ## deploy the stack (runs `make doctor` first unless DOCTOR=0; asks first unless AUTO_APPROVE=1)
	$(NEED_STACK)
	@$(CHECK_SETTINGS)
	@$(if $(filter 0,$(DOCTOR)),echo "DOCTOR=0: preflight skipped",$(DOCTOR_RUN) \
		|| { echo "make deploy stopped by the FAIL lines above: fix them, or DOCTOR=0 make deploy to deploy anyway" >&2; exit 1; })
	$(CDKTF) deploy $(STACK) $(CDKTF_FLAGS) --outputs-file $(OUTPUTS_FILE) --outputs-file-include-sensitive-outputs \
		|| { $(PYTHON_BOOTSTRAP) -m scripts.deploy_hints; exit 1; }

STACK_OUTPUT = @$(PYTHON_BOOTSTRAP) -m scripts.stack_output $(OUTPUTS_FILE) $(STACK)

endpoint:  ## print the deployed api_endpoint (from outputs.json, written by deploy)
	$(NEED_STACK)
	$(STACK_OUTPUT) api_endpoint

api-key:  ## print the deployed API key (AUTH=api_key; KEY=<name>: that API_KEY_NAMES key; from outputs.json, which is git-ignored)
	$(NEED_STACK)
	$(STACK_OUTPUT) $(if $(KEY),api_keys $(KEY),api_key)

destroy: setup $(LAYER_READY)  ## destroy the stack (asks first unless AUTO_APPROVE=1)
	$(NEED_STACK)
	@$(CHECK_SETTINGS)
	$(CDKTF) destroy $(STACK) $(CDKTF_FLAGS)

# function/ on the path: the app's import root, as in Lambda (its modules import each other by name).
serve: setup  ## serve the function's web app on http://127.0.0.1:3000, the playground page at /playground (OFFLINE=1: local stand-in model, no AWS; HOST=, PORT=)
	PYTHONPATH=function $(PY) -m scripts.serve $(if $(filter 1,$(OFFLINE)),--offline) $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

# moto's AWS emulator on 127.0.0.1, no AWS account: the real cdktf deploy/destroy of the stack.
# State lives in .local/ (git-ignored); both targets are safe to run twice.
local: setup $(LAYER_READY)  ## deploy the stack to moto, an AWS emulator on 127.0.0.1 (no AWS account; the code does not run)
	@$(CHECK_SETTINGS)
	SETTINGS_CHECKED=1 $(PY) -m local.emulator up

local-down: setup  ## destroy the stack deployed by `make local` and stop moto
	@$(CHECK_SETTINGS)
	SETTINGS_CHECKED=1 $(PY) -m local.emulator down

export: setup $(LAYER_READY)  ## write dist/terraform/<stack>/: plain Terraform JSON + function and layer zips, applied without cdktf
	$(PY) -m scripts.export

clean:  ## remove generated output (keeps the environments)
	rm -rf cdktf.out .build dist .pytest_cache
