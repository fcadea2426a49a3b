"""The function: runtime, sizing, the Web Adapter, its layers, its log group, and its two zips."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from cdktf import Testing

from constructs_lib import lambda_function
from constructs_lib.aws import CloudwatchLogGroup, LambdaFunction, LambdaLayerVersion
from constructs_lib.lambda_function import BedrockFunction
from constructs_lib.lambda_zips import (
    Archive,
    LayerNotBuiltError,
    build_function_zip,
    built_layer,
    file_sha256,
    write_zip,
)
from constructs_lib.layer_arns import powertools_layer_arn, web_adapter_layer_arn
from tests.support.stack import resources_of, synth_construct

ADAPTER = "arn:aws:lambda:us-east-1:753240598075:layer:LambdaAdapterLayerArm64:30"
POWERTOOLS = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27"


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> Archive:
    """A stand-in package layer zip, so these tests do not depend on `make layer`."""
    return write_zip({"python/stand_in.py": (b"x = 1\n", 0o644)}, tmp_path_factory.mktemp("layer") / "layer.zip")


def synth_function(packages: Archive, **overrides) -> str:
    props = {
        "function_name": "demo",
        "role_arn": "arn:aws:iam::123456789012:role/demo",
        "memory_mb": 512,
        "timeout_seconds": 210,
        "log_retention_days": 30,
        "environment": {"MODEL_ID": "us.anthropic.claude-sonnet-5"},
        "layers": [ADAPTER, POWERTOOLS],
        "packages": packages,
    }
    props.update(overrides)
    return synth_construct(lambda stack: BedrockFunction(stack, "lambda", **props))


def test_function_runs_run_sh_on_python_313_arm64_behind_the_web_adapter(packages):
    synthesized = synth_function(packages, memory_mb=1024, timeout_seconds=300)
    assert Testing.to_have_resource_with_properties(
        synthesized,
        LambdaFunction.TF_RESOURCE_TYPE,
        {
            "function_name": "demo",
            "runtime": "python3.13",
            "architectures": ["arm64"],
            "handler": "run.sh",
            "memory_size": 1024,
            "timeout": 300,
            "role": "arn:aws:iam::123456789012:role/demo",
            "environment": {
                "variables": {
                    "MODEL_ID": "us.anthropic.claude-sonnet-5",
                    # the adapter's bootstrap wraps the runtime, streams answers, forwards to run.sh's port
                    "AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap",
                    "AWS_LWA_INVOKE_MODE": "response_stream",
                    "PORT": "8080",
                }
            },
            "logging_config": {"log_format": "JSON"},
        },
    )


def test_layers_are_the_adapter_powertools_and_then_the_functions_own_packages(packages):
    synthesized = synth_function(packages)
    [function] = resources_of(synthesized, LambdaFunction.TF_RESOURCE_TYPE)
    [layer_id] = json.loads(synthesized)["resource"][LambdaLayerVersion.TF_RESOURCE_TYPE]
    # last, so the locked packages win over any older copy in an earlier layer
    assert function["layers"] == [ADAPTER, POWERTOOLS, f"${{{LambdaLayerVersion.TF_RESOURCE_TYPE}.{layer_id}.arn}}"]


def test_own_layer_is_built_for_python_313_arm64_from_the_built_zip(packages):
    synthesized = synth_function(packages)
    assert Testing.to_have_resource_with_properties(
        synthesized,
        LambdaLayerVersion.TF_RESOURCE_TYPE,
        {
            "layer_name": "demo-packages",
            "compatible_runtimes": ["python3.13"],
            "compatible_architectures": ["arm64"],
            "source_code_hash": packages.sha256,
        },
    )
    [layer] = resources_of(synthesized, LambdaLayerVersion.TF_RESOURCE_TYPE)
    assert layer["filename"].startswith("assets/") and layer["filename"].endswith("/layer.zip")


def test_log_group_is_explicit_retained_and_created_before_the_function(packages):
    synthesized = synth_function(packages, log_retention_days=90)
    assert Testing.to_have_resource_with_properties(
        synthesized,
        CloudwatchLogGroup.TF_RESOURCE_TYPE,
        {
            "name": "/aws/lambda/demo",
            "retention_in_days": 90,
        },
    )
    [function] = resources_of(synthesized, LambdaFunction.TF_RESOURCE_TYPE)
    [log_group_id] = json.loads(synthesized)["resource"][CloudwatchLogGroup.TF_RESOURCE_TYPE]
    assert function["depends_on"] == [f"{CloudwatchLogGroup.TF_RESOURCE_TYPE}.{log_group_id}"]
    assert function["logging_config"]["log_group"] == f"${{{CloudwatchLogGroup.TF_RESOURCE_TYPE}.{log_group_id}.name}}"


def test_code_is_a_file_asset_whose_hash_is_the_zips_sha256(packages, tmp_path: Path):
    # GIVEN a function folder with run.sh and one module
    source = tmp_path / "function"
    source.mkdir()
    (source / "run.sh").write_text("#!/bin/sh\nexec true\n")
    (source / "app.py").write_text("app = None\n")
    code = build_function_zip(source, tmp_path / "function.zip")

    [function] = resources_of(synth_function(packages, code=code), LambdaFunction.TF_RESOURCE_TYPE)

    assert function["filename"].startswith("assets/") and function["filename"].endswith("/function.zip")
    # what Lambda reports as CodeSha256, so a deploy replaces the code only when it changed
    assert function["source_code_hash"] == file_sha256(tmp_path / "function.zip") == code.sha256


def test_default_public_layers_are_the_aws_published_ones_for_the_region():
    assert web_adapter_layer_arn("aws", "us-east-1") == ADAPTER
    assert web_adapter_layer_arn("aws", "eu-west-1") == ADAPTER.replace("us-east-1", "eu-west-1")
    assert powertools_layer_arn("aws", "us-east-1") == POWERTOOLS
    assert powertools_layer_arn("aws", "eu-west-1").startswith("arn:aws:lambda:eu-west-1:017000801446:layer:")


def test_synth_stops_with_one_line_when_the_package_layer_is_not_built(monkeypatch, tmp_path: Path):
    # GIVEN no layer zip where the construct looks for it
    missing = tmp_path / "layer.zip"
    monkeypatch.setattr(
        lambda_function, "built_layer", lambda: built_layer(zip_path=missing, stamp=tmp_path / "layer.json")
    )

    with pytest.raises(LayerNotBuiltError) as raised:
        synth_construct(
            lambda stack: BedrockFunction(
                stack,
                "lambda",
                function_name="demo",
                role_arn="arn:aws:iam::1:role/x",
                memory_mb=512,
                timeout_seconds=210,
                log_retention_days=30,
                environment={},
                layers=[],
            )
        )

    message = str(raised.value)
    assert "\n" not in message and "not built" in message and message.endswith("run `make layer`")


def test_code_zip_holds_run_sh_executable_with_lf_endings_the_python_files_and_the_page(tmp_path: Path):
    # GIVEN function/ as a Windows checkout might leave it, with a cache, a test and a note
    source = tmp_path / "function"
    (source / "__pycache__").mkdir(parents=True)
    (source / "run.sh").write_bytes(b"#!/bin/sh\r\nexec python3 -m uvicorn app:app\r\n")
    (source / "app.py").write_bytes(b"app = 1\r\n")
    (source / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    (source / "test_app.py").write_text("def test(): pass\n")
    (source / "notes.txt").write_text("not code")
    # AND the playground page's files beside the code
    (source / "playground.html").write_bytes(b"<!doctype html>\r\n")
    (source / "playground.js").write_text("send();\n")
    (source / "playground.css").write_text("body {}\n")

    built = build_function_zip(source, tmp_path / "function.zip")

    with zipfile.ZipFile(built.path) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        assert sorted(infos) == ["app.py", "playground.css", "playground.html", "playground.js", "run.sh"]
        assert infos["playground.js"].external_attr >> 16 == 0o100644
        assert archive.read("playground.html") == b"<!doctype html>\n"
        assert infos["run.sh"].external_attr >> 16 == 0o100755
        assert infos["app.py"].external_attr >> 16 == 0o100644
        assert archive.read("run.sh") == b"#!/bin/sh\nexec python3 -m uvicorn app:app\n"
        assert b"\r" not in archive.read("app.py")


def test_code_zip_is_the_same_bytes_whenever_the_code_is_the_same(tmp_path: Path):
    source = tmp_path / "function"
    source.mkdir()
    (source / "run.sh").write_text("#!/bin/sh\n")
    (source / "app.py").write_text("app = 1\n")

    first = build_function_zip(source, tmp_path / "first.zip")
    (source / "app.py").touch()  # a newer timestamp, same content
    second = build_function_zip(source, tmp_path / "second.zip")
    (source / "app.py").write_text("app = 2\n")
    changed = build_function_zip(source, tmp_path / "changed.zip")

    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256 == second.sha256 != changed.sha256


def test_function_without_run_sh_is_refused(tmp_path: Path):
    (tmp_path / "app.py").write_text("app = 1\n")
    with pytest.raises(FileNotFoundError, match=r"run\.sh is missing: Lambda runs it as the function's handler"):
        build_function_zip(tmp_path, tmp_path / "function.zip")
