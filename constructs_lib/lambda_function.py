"""The Bedrock function, its code asset, its package layer and its log group (the original ``modules/lambda``).

Named ``lambda_function`` because ``lambda`` is a Python keyword.

The function is an ASGI web app (function/app.py) started by ``run.sh`` behind the AWS Lambda
Web Adapter, which turns each invocation into an HTTP request to 127.0.0.1:$PORT and streams
the answer back. Three layers, in this order (a later layer wins where files overlap, so the
locked packages come last): the adapter, Powertools, and the stack's own layer with the
function's third-party packages (Starlette, uvicorn), built by ``make layer``.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdktf import AssetType, TerraformAsset
from constructs import Construct

from constructs_lib.aws import (
    CloudwatchLogGroup,
    LambdaFunction,
    LambdaFunctionEnvironment,
    LambdaFunctionLoggingConfig,
    LambdaFunctionTracingConfig,
    LambdaLayerVersion,
)
from constructs_lib.lambda_zips import ENTRY_SCRIPT, Archive, build_function_zip, built_layer
from constructs_lib.layer_arns import ARCHITECTURE, RUNTIME

HANDLER = ENTRY_SCRIPT

APP_PORT = 8080  # the adapter's default port (AWS_LWA_PORT falls back to PORT)
# What the adapter needs (its README, "Zip Packages" and "Configurations"): its bootstrap as
# the runtime's exec wrapper, response streaming, and the port run.sh serves on. Its
# readiness check is `GET /` (the default path), which the app answers without Bedrock.
WEB_ADAPTER_ENVIRONMENT = {
    "AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap",
    "AWS_LWA_INVOKE_MODE": "response_stream",
    "PORT": str(APP_PORT),
}


def log_group_name(function_name: str) -> str:
    """The group Lambda writes to; created by the stack so it has a retention."""
    return f"/aws/lambda/{function_name}"


class BedrockFunction(Construct):
    """Python 3.13 arm64 function running ``run.sh`` behind the Web Adapter, with its package
    layer and an explicit, retained log group created first.

    ``layers`` are the public layers (the adapter, then Powertools); the function's own package
    layer (``aws_lambda_layer_version`` from the zip ``make layer`` built) is added last.
    Synth stops with ``LayerNotBuiltError`` when that zip is missing or does not match
    Pipfile.lock. The code zip, written here, holds ``function/``'s Python files and ``run.sh``
    (mode 0755). Both zips are deterministic ``FILE`` assets (constructs_lib/lambda_zips.py) whose
    SHA-256 is the ``source_code_hash``, so a deploy replaces code only when it changed.

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
        code: Archive | None = None,
        packages: Archive | None = None,
    ) -> None:
        super().__init__(scope, id_)
        code = code or build_function_zip()
        packages = packages or built_layer()
        self.log_group = CloudwatchLogGroup(
            self,
            "log_group",
            name=log_group_name(function_name),
            retention_in_days=log_retention_days,
            kms_key_id=kms_key_arn,
        )
        packages_asset = TerraformAsset(self, "packages_zip", path=str(packages.path), type=AssetType.FILE)
        self.packages = LambdaLayerVersion(
            self,
            "packages",
            layer_name=f"{function_name}-packages",
            description="The function's third-party packages (Pipfile.lock [layer]), built by `make layer`",
            filename=packages_asset.path,
            source_code_hash=packages.sha256,
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )
        code_asset = TerraformAsset(self, "code", path=str(code.path), type=AssetType.FILE)
        self.function = LambdaFunction(
            self,
            "function",
            function_name=function_name,
            description="Answers POSTed prompts with Amazon Bedrock (ConverseStream), streamed through the Web Adapter",
            filename=code_asset.path,
            source_code_hash=code.sha256,
            role=role_arn,
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=HANDLER,
            memory_size=memory_mb,
            timeout=timeout_seconds,
            layers=[*layers, self.packages.arn],
            environment=LambdaFunctionEnvironment(variables={**environment, **WEB_ADAPTER_ENVIRONMENT}),
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
