"""The zip contract (issue 9): the synthesized zips serve the app with only what Lambda adds.

As Lambda does it: the function zip unpacked into a task root (file modes from the zip), each
of the stack's own layer zips next to it (their ``python/``, what Lambda puts in /opt/python),
and ``run.sh`` executed there with ``LAMBDA_TASK_ROOT``, ``PYTHONPATH`` = the layers and
``LAMBDA_RUNTIME_DIR`` = a folder holding only what Lambda's runtime and the Powertools layer
provide: boto3, botocore and their dependencies, aws_lambda_powertools and its. ``python3`` is
this interpreter started with ``-S`` (no ``site``), so .venv's other packages are invisible;
the test checks that before it relies on it. Then ``GET /`` on 127.0.0.1:$PORT, the Web
Adapter's readiness check, must answer 200 with JSON.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from constructs_lib.aws import LambdaFunction, LambdaLayerVersion
from constructs_lib.lambda_zips import FUNCTION_DIR
from constructs_lib.settings import Settings
from function import playground
from main import build_app

# What Lambda's python3.13 runtime (boto3) and the Powertools layer put on the import path.
PROVIDED_BY_LAMBDA = ("boto3", "aws-lambda-powertools")
READY_TIMEOUT_SECONDS = 30


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory) -> tuple[Path, dict]:
    """The app's default stack as `cdktf synth` writes it: its directory and its Terraform JSON."""
    out = tmp_path_factory.mktemp("synth")
    build_app(Settings(), outdir=str(out)).synth()
    stack_dir = out / "stacks" / "bedrock-inference"
    return stack_dir, json.loads((stack_dir / "cdk.tf.json").read_text())


def asset(synthesized: tuple[Path, dict], resource_type: str) -> list[tuple[dict, Path]]:
    stack_dir, config = synthesized
    resources = config["resource"].get(resource_type, {}).values()
    return [(resource, stack_dir / resource["filename"]) for resource in resources]


def unpack(archive: Path, destination: Path) -> None:
    """Extract as Lambda does: every file with the Unix mode the zip records."""
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            path = Path(zipped.extract(info, destination))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                path.chmod(mode)


def provided_folder(destination: Path) -> Path:
    """Links to exactly the distributions Lambda provides (and their dependencies) in this venv."""
    destination.mkdir()
    wanted, seen = list(PROVIDED_BY_LAMBDA), set()
    while wanted:
        name = canonicalize_name(wanted.pop())
        if name in seen:
            continue
        seen.add(name)
        distribution = importlib.metadata.distribution(name)
        for line in distribution.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                wanted.append(requirement.name)
        site_packages = Path(distribution.locate_file(""))
        for top in {Path(file).parts[0] for file in distribution.files or [] if not str(file).startswith("..")}:
            if top != "__pycache__" and not (destination / top).exists():
                (destination / top).symlink_to(site_packages / top)
    return destination


def isolated_python(bin_dir: Path) -> Path:
    """A ``python3`` for run.sh: this interpreter without ``site``, so no venv packages."""
    bin_dir.mkdir()
    wrapper = bin_dir / "python3"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -S "$@"\n')
    wrapper.chmod(0o755)
    return bin_dir


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def lambda_like_environment(
    function: dict, task_root: Path, layers: list[Path], runtime: Path, bin_dir: Path, home: Path, port: int
) -> dict[str, str]:
    """The function's own variables from the synthesized stack, plus what Lambda sets."""
    return {
        **function["environment"]["variables"],
        "PORT": str(port),
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(runtime),
        "PYTHONPATH": os.pathsep.join(str(layer) for layer in layers),
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(home),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        # Nothing may reach AWS: Bedrock calls go to a port where nothing listens.
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": f"http://127.0.0.1:{free_port()}",
    }


def get_when_ready(url: str, process: subprocess.Popen, log: Path) -> tuple[int, bytes]:
    """GET ``url`` until it answers; fail with run.sh's output if it exits or never answers."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"run.sh exited with {process.returncode} before serving:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"run.sh did not answer {url} within {READY_TIMEOUT_SECONDS} s:\n{log.read_text(errors='replace')}")


def bedrock_function(synthesized: tuple[Path, dict]) -> tuple[dict, Path]:
    """The Bedrock function and its zip (the stack's other function is the key authorizer)."""
    [found] = [
        (function, code)
        for function, code in asset(synthesized, LambdaFunction.TF_RESOURCE_TYPE)
        if function["handler"] == "run.sh"
    ]
    return found


def test_function_zip_holds_run_sh_executable_with_lf_endings_and_only_our_code(synthesized):
    function, code = bedrock_function(synthesized)
    assert function["handler"] == "run.sh"
    with zipfile.ZipFile(code) as zipped:
        names = zipped.namelist()
        run_sh = zipped.getinfo("run.sh")
        script = zipped.read("run.sh")
    assert (run_sh.external_attr >> 16) & 0o777 == 0o755
    assert script.startswith(b"#!/bin/sh\n") and b"\r" not in script
    page = {asset.file for asset in playground.ASSETS}
    assert page <= set(names)  # the playground's files, served by the app
    assert all(name == "run.sh" or name.endswith(".py") or name in page for name in names), names
    assert not [name for name in names if "__pycache__" in name or Path(name).name.startswith(("test_", "conftest"))]


def test_own_layer_zip_holds_the_locked_packages_under_python(synthesized):
    [(layer, packages)] = asset(synthesized, LambdaLayerVersion.TF_RESOURCE_TYPE)
    with zipfile.ZipFile(packages) as zipped:
        names = zipped.namelist()
    assert all(name.startswith("python/") for name in names)
    assert {"python/starlette/__init__.py", "python/uvicorn/__init__.py"} <= set(names)
    assert "python/starlette-1.10.0.dist-info/METADATA" in names and "python/uvicorn-0.54.0.dist-info/METADATA" in names
    assert layer["compatible_runtimes"] == ["python3.13"] and layer["compatible_architectures"] == ["arm64"]


def test_run_sh_serves_the_app_from_the_unzipped_assets_and_what_lambda_provides(synthesized, tmp_path: Path):
    # GIVEN the function zip unpacked as the task root, each own layer's python/ beside it
    function, code = bedrock_function(synthesized)
    task_root = tmp_path / "task"
    unpack(code, task_root)
    layers = []
    for index, (_, packages) in enumerate(asset(synthesized, LambdaLayerVersion.TF_RESOURCE_TYPE)):
        unpack(packages, tmp_path / f"layer{index}")
        layers.append(tmp_path / f"layer{index}" / "python")
    port = free_port()
    env = lambda_like_environment(
        function,
        task_root,
        layers,
        provided_folder(tmp_path / "runtime"),
        isolated_python(tmp_path / "bin"),
        tmp_path,
        port,
    )

    # AND an interpreter that sees the layers and Lambda's own packages, and nothing of .venv
    probe = (
        "import importlib.util as u, sys; "
        "sys.path += [sys.argv[1]]; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'boto3', 'aws_lambda_powertools', "
        "'moto', 'pytest', 'cdktf', 'httpx') if u.find_spec(m)))"
    )
    visible = subprocess.run(
        ["python3", "-c", probe, env["LAMBDA_RUNTIME_DIR"]],
        env=env,
        cwd=task_root,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert visible.returncode == 0, visible.stderr
    assert visible.stdout.strip() == str(sorted(["starlette", "uvicorn", "boto3", "aws_lambda_powertools"]))

    # WHEN run.sh runs there, as the Web Adapter runs it
    log = tmp_path / "run.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [str(task_root / "run.sh")],
            cwd=task_root,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        status, body = get_when_ready(f"http://127.0.0.1:{port}/", process, log)
        page_status, page = get_when_ready(f"http://127.0.0.1:{port}/playground", process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    # THEN the readiness check answers 200 with JSON, without Bedrock
    assert status == 200, body
    json.loads(body)
    # AND the playground page is served from the zip's own files
    assert (page_status, page) == (200, (FUNCTION_DIR / "playground.html").read_bytes())


def test_the_key_authorizers_zip_answers_api_gateway_from_its_own_folder_with_no_packages(synthesized, tmp_path: Path):
    # GIVEN the authorizer's zip unpacked alone, as Lambda's task root (no layers: stdlib only)
    [(function, code)] = [
        (f, c) for f, c in asset(synthesized, LambdaFunction.TF_RESOURCE_TYPE) if f["handler"] != "run.sh"
    ]
    unpack(code, tmp_path / "task")
    module, handler = function["handler"].split(".")
    event = {
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:us-east-1:1:api/v1/GET/v1/models",
        "headers": {"Authorization": "Bearer " + "k" * 40},
    }
    # WHEN a bare interpreter imports the handler from there and calls it, as the runtime would
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            (
                f"import json, sys; sys.path.insert(0, '.'); import {module}; "
                f"print(json.dumps({module}.{handler}(json.loads(sys.argv[1]), None)))"
            ),
            json.dumps(event),
        ],
        cwd=tmp_path / "task",
        capture_output=True,
        text=True,
        timeout=60,
    )
    # THEN it hands the key back for the usage plan
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["usageIdentifierKey"] == "k" * 40
