"""The function: runtime, sizing, configuration, its log group, and what its zip holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from cdktf import TerraformStack, Testing

from constructs_lib.aws import AwsProvider, CloudwatchLogGroup, LambdaFunction
from constructs_lib.lambda_function import BedrockFunction, powertools_layer_arn, stage_handler_source
from tests.conftest import resources_of, synth_construct

LAYER = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:27"


def synth_function(**overrides) -> str:
    props = dict(
        function_name="demo", role_arn="arn:aws:iam::123456789012:role/demo", memory_mb=512,
        timeout_seconds=28, log_retention_days=30, environment={"MODEL_ID": "us.anthropic.claude-sonnet-5"},
        layers=[LAYER],
    )
    props.update(overrides)
    return synth_construct(lambda stack: BedrockFunction(stack, "lambda", **props))


def test_function_runs_python_313_on_arm64_with_configured_size_and_handler():
    synthesized = synth_function(memory_mb=1024, timeout_seconds=20)
    assert Testing.to_have_resource_with_properties(synthesized, LambdaFunction.TF_RESOURCE_TYPE, {
        "function_name": "demo",
        "runtime": "python3.13",
        "architectures": ["arm64"],
        "handler": "handler.lambda_handler",
        "memory_size": 1024,
        "timeout": 20,
        "role": "arn:aws:iam::123456789012:role/demo",
        "layers": [LAYER],
        "environment": {"variables": {"MODEL_ID": "us.anthropic.claude-sonnet-5"}},
        "logging_config": {"log_format": "JSON"},
    })


def test_log_group_is_explicit_retained_and_created_before_the_function():
    synthesized = synth_function(log_retention_days=90)
    assert Testing.to_have_resource_with_properties(synthesized, CloudwatchLogGroup.TF_RESOURCE_TYPE, {
        "name": "/aws/lambda/demo", "retention_in_days": 90,
    })
    [function] = resources_of(synthesized, LambdaFunction.TF_RESOURCE_TYPE)
    [log_group_id] = json.loads(synthesized)["resource"][CloudwatchLogGroup.TF_RESOURCE_TYPE]
    assert function["depends_on"] == [f"{CloudwatchLogGroup.TF_RESOURCE_TYPE}.{log_group_id}"]
    assert function["logging_config"]["log_group"] == f"${{{CloudwatchLogGroup.TF_RESOURCE_TYPE}.{log_group_id}.name}}"


def test_code_comes_from_an_archive_asset_and_redeploys_when_it_changes():
    [function] = resources_of(synth_function(), LambdaFunction.TF_RESOURCE_TYPE)
    assert function["filename"].endswith(".zip") and "assets/" in function["filename"]
    assert function["source_code_hash"]


def test_default_powertools_layer_is_the_aws_managed_one_for_the_region():
    assert powertools_layer_arn("aws", "us-east-1") == LAYER
    assert powertools_layer_arn("aws", "eu-west-1").startswith("arn:aws:lambda:eu-west-1:017000801446:layer:")


def test_staged_asset_holds_only_the_handlers_python_files(tmp_path: Path):
    source = tmp_path / "function"
    (source / "__pycache__").mkdir(parents=True)
    (source / "handler.py").write_text("x = 1\n")
    (source / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\0")
    (source / "notes.txt").write_text("not code")

    staged = stage_handler_source(source, tmp_path / "staged")

    assert sorted(p.name for p in staged.rglob("*")) == ["handler.py"]


def test_synthesized_zip_holds_only_handler_source_and_imports_cleanly(tmp_path: Path):
    app = Testing.app()
    stack = TerraformStack(app, "zip")
    AwsProvider(stack, "aws", region="us-east-1")
    BedrockFunction(stack, "lambda", function_name="demo", role_arn="arn:aws:iam::1:role/x", memory_mb=512,
                    timeout_seconds=28, log_retention_days=30, environment={}, layers=[])
    stack_dir = Path(Testing.full_synth(stack))
    [archive] = stack_dir.rglob("*.zip")

    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        zipped.extractall(tmp_path / "unzipped")
    assert "handler.py" in names
    assert all(name.endswith(".py") for name in names), names

    # As Lambda would: a fresh interpreter, the zip's root on the path, the handler imported.
    imported = subprocess.run(
        [sys.executable, "-c", "import handler; assert callable(handler.lambda_handler)"],
        cwd=tmp_path / "unzipped", capture_output=True, text=True, timeout=60,
        env={"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
             "PYTHONPATH": str(tmp_path / "unzipped"), "PATH": os.environ["PATH"]},
    )
    assert imported.returncode == 0, imported.stderr
