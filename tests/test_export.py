"""`make export`: plain Terraform that runs with Terraform alone, no cdktf, Python or Node."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from constructs_lib.settings import Settings
from main import build_app
from scripts.export import export_stack, export_synth_output, portable_backend, with_module_relative_assets

ZIP = "assets/lambda_code_0/ABC/archive.zip"


def fake_stack(directory: Path, backend: dict) -> Path:
    (directory / "assets/lambda_code_0/ABC").mkdir(parents=True)
    (directory / ZIP).write_bytes(b"PK")
    (directory / "cdk.tf.json").write_text(
        json.dumps(
            {
                "terraform": {"backend": backend},
                "resource": {"aws_lambda_function": {"f": {"filename": ZIP, "handler": "run.sh"}}},
            }
        )
    )
    return directory


def test_asset_paths_become_relative_to_the_module_and_nothing_else_changes():
    config = {"resource": {"aws_lambda_function": {"f": {"filename": ZIP, "layers": ["assets-free"], "handler": "h"}}}}
    assert with_module_relative_assets(config) == {
        "resource": {
            "aws_lambda_function": {
                "f": {
                    "filename": "${path.module}/" + ZIP,
                    "layers": ["assets-free"],
                    "handler": "h",
                }
            }
        }
    }


def test_local_state_moves_beside_the_config_and_s3_stays():
    assert portable_backend({"local": {"path": "/work/main/terraform.bedrock-inference.tfstate"}}) == {
        "local": {"path": "terraform.tfstate"}
    }
    assert portable_backend(None) == {"local": {"path": "terraform.tfstate"}}
    s3 = {"s3": {"bucket": "b", "key": "bedrock-inference/terraform.tfstate", "region": "us-east-1", "encrypt": True}}
    assert portable_backend(s3) == s3


def test_re_export_replaces_config_and_assets_but_keeps_the_state(tmp_path: Path):
    stack = fake_stack(tmp_path / "synth", {"local": {"path": "/elsewhere/terraform.x.tfstate"}})
    out = tmp_path / "dist"
    export_stack(stack, out)
    (out / "terraform.tfstate").write_text("{}")
    (out / "assets" / "stale.zip").write_bytes(b"old")

    export_stack(stack, out)

    assert (out / "terraform.tfstate").read_text() == "{}"
    assert not (out / "assets" / "stale.zip").exists()
    assert (out / ZIP).read_bytes() == b"PK"
    config = json.loads((out / "main.tf.json").read_text())
    assert config["terraform"]["backend"] == {"local": {"path": "terraform.tfstate"}}


@pytest.mark.slow
def test_export_of_the_real_app_validates_with_terraform_alone(tmp_path: Path):
    # GIVEN the app synthesized and exported, and the synth output deleted
    build_app(Settings(), outdir=str(tmp_path / "synth")).synth()
    [exported] = export_synth_output(tmp_path / "synth", tmp_path / "dist")
    shutil.rmtree(tmp_path / "synth")
    # WHEN Terraform runs there with nothing else on PATH (no cdktf, python or node)
    only_terraform = tmp_path / "bin"
    only_terraform.mkdir()
    (only_terraform / "terraform").symlink_to(shutil.which("terraform"))
    env = {
        "PATH": str(only_terraform),
        "HOME": str(tmp_path),
        "CHECKPOINT_DISABLE": "1",
        "TF_CLI_CONFIG_FILE": os.environ["TF_CLI_CONFIG_FILE"],
        "TF_IN_AUTOMATION": "1",
    }

    def terraform(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["terraform", *args, "-no-color"], cwd=exported, env=env, capture_output=True, text=True, timeout=300
        )

    init = terraform("init", "-input=false")
    # THEN init uses the exported local backend, and validate accepts the configuration
    assert init.returncode == 0, init.stdout + init.stderr
    validate = terraform("validate")
    assert validate.returncode == 0, validate.stdout + validate.stderr
    config = json.loads((exported / "main.tf.json").read_text())
    # the function's zip, the key authorizer's and the package layer's travel with the configuration
    functions = config["resource"]["aws_lambda_function"].values()
    [layer] = config["resource"]["aws_lambda_layer_version"].values()
    assert len(functions) == 2
    for zipped in [function["filename"] for function in functions] + [layer["filename"]]:
        assert zipped.startswith("${path.module}/assets/")
        assert (exported / zipped.removeprefix("${path.module}/")).is_file()
