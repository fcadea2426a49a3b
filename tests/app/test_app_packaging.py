"""What goes into the function's zip, what it may import, and that it starts.

The stack zips function/ as it is: our code, nothing else. In Lambda, the runtime provides
boto3 (with botocore and its urllib3), the AWS-managed layer Powertools, and the stack's own
layer the packages of Pipfile.lock's ``layer`` category (Starlette, uvicorn and their
dependencies). An import of anything else would fail only in AWS; these tests catch it here.
Tests run on the Python `make` set up (3.11, 3.12 or 3.13), Lambda runs 3.13: the app is imported
on every Python from 3.11 found on this machine (pyenv's included), not only compiled.
"""

from __future__ import annotations

import ast
import dataclasses
import glob
import importlib.metadata
import json
import os
import re
import site
import subprocess
import sys
from pathlib import Path

import pytest

import playground
from config import Settings, load_settings
from constructs_lib.settings import Settings as StackSettings
from constructs_lib.stack import handler_environment
from tests.support import FUNCTION_DIR, PROJECT_DIR

# The runtime's boto3, its botocore and botocore's own urllib3; the Powertools layer.
PROVIDED_BY_LAMBDA = {"boto3", "botocore", "urllib3", "aws_lambda_powertools"}
# Only what Lambda always sets (the Region, twice; credentials) and none of the stack's variables.
LAMBDA_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "x",
    "AWS_SECRET_ACCESS_KEY": "x",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def sources() -> list[Path]:
    return sorted(FUNCTION_DIR.glob("*.py"))


def layer_modules() -> set[str]:
    """Top-level import names of the packages locked in Pipfile.lock's ``layer`` category."""

    def normal(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    locked = {normal(name) for name in json.loads((PROJECT_DIR / "Pipfile.lock").read_text())["layer"]}
    return {
        module
        for module, distributions in importlib.metadata.packages_distributions().items()
        if locked & {normal(d) for d in distributions}
    }


def imported_modules(path: Path) -> set[str]:
    """The top-level names of every absolute import in one source file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.add((node.module or "").split(".")[0])
    return names


def test_function_dir_holds_only_our_code():
    entries = [p for p in FUNCTION_DIR.iterdir() if p.name != "__pycache__"]  # caches are never staged
    page = {asset.file for asset in playground.ASSETS}  # the playground's HTML, JavaScript and CSS
    assert all(p.is_file() and (p.suffix == ".py" or p.name == "run.sh" or p.name in page) for p in entries), entries
    assert not [p for p in entries if p.name.startswith("test_") or p.name == "conftest.py"]
    assert {"app.py", "run.sh"} <= {p.name for p in entries}


def test_the_layer_is_read_from_the_lock_file():
    assert {"starlette", "uvicorn", "anyio"} <= layer_modules()
    assert not layer_modules() & {"boto3", "botocore", "httpx", "pytest"}  # Lambda's own, or tests'


@pytest.mark.parametrize("path", sources(), ids=lambda p: p.name)
def test_every_import_is_stdlib_lambdas_the_layers_or_a_sibling(path):
    allowed = (
        sys.stdlib_module_names | PROVIDED_BY_LAMBDA | layer_modules() | {p.stem for p in sources()} | {"__future__"}
    )
    assert imported_modules(path) - allowed == set()


def test_run_sh_runs_a_server_the_layer_provides():
    modules = re.findall(r"python3 -m (\w+)", (FUNCTION_DIR / "run.sh").read_text())
    assert modules == ["uvicorn"]
    assert set(modules) <= layer_modules()
    assert "app:app" in (FUNCTION_DIR / "run.sh").read_text()  # the module-level app of app.py


def interpreters() -> list[str]:
    """This Python and every Python 3.12+ installed beside it (pyenv's, the system's)."""
    found = {os.path.realpath(sys.executable): sys.executable}
    patterns = ["~/.pyenv/versions/3.1[2-9]*/bin/python3", "/usr/bin/python3.1[2-9]", "/usr/local/bin/python3.1[2-9]"]
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.expanduser(pattern))):
            found.setdefault(os.path.realpath(path), path)
    return list(found.values())


def run_python(interpreter: str, code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``code`` in a fresh ``interpreter``, with function/ and this environment's packages on its path.

    The packages are this virtualenv's (built for the Python `make` was given), which works on the
    other versions because everything the app imports is pure Python, as the layer built for 3.13 is.
    """
    path = os.pathsep.join([str(FUNCTION_DIR), *site.getsitepackages()])
    return subprocess.run(
        [interpreter, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=FUNCTION_DIR,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": path, **env},
    )


def test_tests_run_on_a_python_the_function_supports():
    # 3.11 is the oldest the function supports, Lambda runs 3.13 (Pipfile's [requires])
    assert (3, 11) <= sys.version_info[:2] <= (3, 13)


def short(interpreter: str) -> str:
    return "this python" if interpreter == sys.executable else interpreter.replace(os.path.expanduser("~"), "~")


@pytest.mark.parametrize("interpreter", interpreters(), ids=short)
def test_every_source_compiles(interpreter):
    check = "import ast, sys; [ast.parse(open(p).read(), p) for p in sys.argv[1:]]"
    done = subprocess.run([interpreter, "-c", check, *map(str, sources())], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{interpreter}: {done.stderr}"


PROBE = """
import dataclasses, json, sys
import app
config = app.BEDROCK.meta.config
print(json.dumps({
    "python": sys.version_info[:2],
    "settings": dataclasses.asdict(app.SETTINGS),
    "service": app.BEDROCK.meta.service_model.service_name,
    "region": app.BEDROCK.meta.region_name,
    "timeouts": [config.connect_timeout, config.read_timeout],
    "retries": config.retries,
    "routes": sorted((route.path, sorted(route.methods)) for route in app.app.routes),
}))
"""


@pytest.mark.parametrize("interpreter", interpreters(), ids=short)
def test_the_app_imports_with_the_default_environment(interpreter):
    done = run_python(interpreter, PROBE, LAMBDA_ENV)
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout.splitlines()[-1])
    defaults = Settings()
    assert facts["settings"] == json.loads(json.dumps(dataclasses.asdict(defaults)))
    assert (facts["service"], facts["region"]) == ("bedrock-runtime", "us-east-1")
    assert facts["timeouts"] == [defaults.budget.connect, defaults.budget.read]
    assert facts["retries"] == {"mode": "standard", "total_max_attempts": defaults.budget.attempts}
    page = [[asset.path, ["GET", "HEAD"]] for asset in playground.ASSETS]
    assert facts["routes"] == sorted(
        [
            ["/", ["GET", "HEAD"]],
            ["/invoke", ["POST"]],
            ["/v1/chat/completions", ["POST"]],
            ["/v1/models", ["GET", "HEAD"]],
            *page,
        ]
    )  # no preflight without CORS
    assert "setting corrected" not in done.stdout


def test_a_corrected_setting_is_logged_at_start_up():
    env = {**LAMBDA_ENV, "LAMBDA_TIMEOUT_SECONDS": "28", "BEDROCK_READ_TIMEOUT_SECONDS": "25", "MAX_TOKENS_CAP": "lots"}
    done = run_python(sys.executable, "import app", env)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines() if "setting corrected" in line]
    assert [r["level"] for r in records] == ["WARNING", "WARNING"]
    assert "MAX_TOKENS_CAP='lots'" in records[0]["message"]
    assert "does not end before 28 s" in records[1]["message"] and "27 s" in records[1]["message"]


def test_the_functions_defaults_are_the_stacks_defaults():
    # GIVEN the environment the stack gives the function when every setting is at its default
    environment = handler_environment(StackSettings())
    # THEN the function ends up with its own defaults: running without the stack (make serve,
    # a container) behaves as the default deployment does
    deployed = dataclasses.asdict(load_settings(environment))
    own = dataclasses.asdict(Settings())
    assert {name: (deployed[name], own[name]) for name in own if deployed[name] != own[name]} == {}
