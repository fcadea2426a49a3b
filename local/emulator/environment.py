"""What cdktf, Terraform and boto3 see when aimed at moto: fake credentials, the stack's Region,
the endpoint, and stand-ins for the public layers moto cannot attach.

Fake credentials are set in the child processes' environment only, never in this process's.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from local.emulator import PROJECT_DIR
from local.emulator.process import MotoServer

FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "moto-testing", "AWS_SECRET_ACCESS_KEY": "moto-testing"}
# Never let a real profile, session or configured endpoint leak into an emulator run.
_SCRUBBED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)
# The public layers moto cannot attach: setting → (stand-in layer name, what it stands for).
STAND_IN_LAYERS = {
    "WEB_ADAPTER_LAYER_ARN": ("web-adapter-stand-in", "the AWS Lambda Web Adapter"),
    "POWERTOOLS_LAYER_ARN": ("powertools-stand-in", "Powertools for AWS Lambda"),
}


def stack_region(environ: dict[str, str] | os._Environ = os.environ) -> str:
    """The stack's Region as the app will read it (settings: environment, cdktf.json, default)."""
    from main import read_settings

    return read_settings(environ).region


def child_environment(
    server: MotoServer, stand_in_layers: dict[str, str], base: dict[str, str] | None = None
) -> dict[str, str]:
    """Environment for cdktf, Terraform and boto3 aimed at ``server``, with fake credentials and
    the stand-in layers (setting → ARN, from ``publish_stand_in_layers``)."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in _SCRUBBED}
    region = stack_region(env)
    env.update(FAKE_CREDENTIALS)
    env.update(
        {
            "AWS_ENDPOINT_URL": server.url,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_EC2_METADATA_DISABLED": "true",
            **stand_in_layers,
            # The one default stack, with its state in the run's workspace: never S3, never several.
            "STATE_BUCKET": "",
            "ENVIRONMENTS": "",
            "PATH": f"{PROJECT_DIR / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}",
            "CHECKPOINT_DISABLE": "1",
            "CI": "1",  # cdktf-cli: no interactive prompts, plain output
            "FORCE_COLOR": "0",
        }
    )
    if not Path(env.get("TF_CLI_CONFIG_FILE", "")).is_file():
        from scripts import terraform_cli_config

        env["TF_CLI_CONFIG_FILE"] = str(terraform_cli_config.write_config())
    return env


def publish_stand_in_layers(server: MotoServer, region: str) -> dict[str, str]:
    """A tiny layer in moto's account for each public layer; returns setting → version ARN."""
    lambda_ = client(server, "lambda", region)
    published = {}
    for setting, (name, stands_for) in STAND_IN_LAYERS.items():
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr(f"python/{name.replace('-', '_')}.py", f'"""Stand-in for {stands_for} in moto."""\n')
        published[setting] = lambda_.publish_layer_version(
            LayerName=name,
            Description=f"stand-in for {stands_for}: emulator runs only",
            Content={"ZipFile": archive.getvalue()},
            CompatibleRuntimes=["python3.13"],
            CompatibleArchitectures=["arm64"],
        )["LayerVersionArn"]
    return published


def _boto_credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    }


def client(server: MotoServer, service: str, region: str):
    """A boto3 client of ``service`` against the emulator, with the fake credentials."""
    import boto3

    return boto3.client(service, endpoint_url=server.url, region_name=region, **_boto_credentials())
