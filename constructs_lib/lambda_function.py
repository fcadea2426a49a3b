"""The Bedrock function, its code asset and its log group (the original ``modules/lambda``).

Named ``lambda_function`` because ``lambda`` is a Python keyword.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from cdktf import AssetType, TerraformAsset
from constructs import Construct

from constructs_lib.aws import (
    CloudwatchLogGroup,
    LambdaFunction,
    LambdaFunctionEnvironment,
    LambdaFunctionLoggingConfig,
    LambdaFunctionTracingConfig,
)

HANDLER_SOURCE = Path(__file__).resolve().parents[1] / "function"
# A clean copy of the handler's *.py files is zipped, never the folder itself: running the
# tests leaves __pycache__ in function/, and the asset must hold handler source only.
STAGING_DIR = Path(__file__).resolve().parents[1] / ".build" / "function"

RUNTIME = "python3.13"
ARCHITECTURE = "arm64"
HANDLER = "handler.lambda_handler"

# Powertools for AWS Lambda (Python) v3, AWS-managed layer; the version is pinned so a deploy
# is repeatable (version 27 as listed in the Powertools docs, read 2026-11-25).
POWERTOOLS_LAYER_ACCOUNT = "017000801446"
POWERTOOLS_LAYER_VERSION = 27


def log_group_name(function_name: str) -> str:
    """The group Lambda writes to; created by the stack so it has a retention."""
    return f"/aws/lambda/{function_name}"


def powertools_layer_arn(partition: str, region: str) -> str:
    """The AWS-managed Powertools layer for this runtime and architecture in ``region``."""
    name = f"AWSLambdaPowertoolsPythonV3-{RUNTIME.replace('.', '')}-{ARCHITECTURE}"
    return f"arn:{partition}:lambda:{region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:{name}:{POWERTOOLS_LAYER_VERSION}"


def stage_handler_source(source: Path = HANDLER_SOURCE, staging: Path = STAGING_DIR) -> Path:
    """Copy the handler's Python files (nothing else) into ``staging`` and return it."""
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for path in sorted(source.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        target = staging / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return staging


class BedrockFunction(Construct):
    """Python 3.13 arm64 function with an explicit, retained log group created first.

    The log group is declared and the function ``depends_on`` it, so Lambda never creates an
    unmanaged group with infinite retention on its first invocation. Logs use Lambda's JSON
    format so Powertools' structured lines are queryable fields in CloudWatch. Active X-Ray
    tracing needs no SDK in the code. Reserved concurrency caps parallel Bedrock calls, and so
    the spend; the KMS key, when given, encrypts the log group and the environment variables.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        function_name: str,
        role_arn: str,
        memory_mb: int,
        timeout_seconds: int,
        log_retention_days: int,
        environment: Mapping[str, str],
        layers: list[str],
        reserved_concurrency: int | None = None,
        kms_key_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self.log_group = CloudwatchLogGroup(
            self, "log_group",
            name=log_group_name(function_name),
            retention_in_days=log_retention_days,
            kms_key_id=kms_key_arn,
        )
        asset = TerraformAsset(self, "code", path=str(stage_handler_source()), type=AssetType.ARCHIVE)
        self.function = LambdaFunction(
            self, "function",
            function_name=function_name,
            description="Answers POSTed prompts with Amazon Bedrock (Converse API)",
            filename=asset.path,
            source_code_hash=asset.asset_hash,
            role=role_arn,
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=HANDLER,
            memory_size=memory_mb,
            timeout=timeout_seconds,
            layers=layers,
            environment=LambdaFunctionEnvironment(variables=dict(environment)),
            kms_key_arn=kms_key_arn,
            # -1 is the provider's "no reservation" (the function shares the account pool).
            reserved_concurrent_executions=-1 if reserved_concurrency is None else reserved_concurrency,
            tracing_config=LambdaFunctionTracingConfig(mode="Active"),
            logging_config=LambdaFunctionLoggingConfig(
                log_format="JSON",
                log_group=self.log_group.name,
            ),
            depends_on=[self.log_group],
        )
