"""The key authorizer (AUTH=api_key): a small function of its own, with its own role and log group.

API Gateway calls it before every request (constructs_lib/openapi.py, ``key_authorizer``); it
finds the caller's API key in ``x-api-key`` or ``Authorization: Bearer`` and hands it back for
the usage plan to check (authorizer/api_keys.py). It needs no AWS API: its role may write its
own log group and send traces, nothing else. Everything about it lives here rather than beside
the Bedrock function's role (iam.py) and function (lambda_function.py), so the one
``AUTH=api_key`` feature reads in one file.
"""

from __future__ import annotations

from cdktf import AssetType, TerraformAsset
from constructs import Construct

from constructs_lib.aws import (
    CloudwatchLogGroup,
    LambdaFunction,
    LambdaFunctionLoggingConfig,
    LambdaFunctionTracingConfig,
)
from constructs_lib.iam import function_role, own_log_group_statement, send_traces_statement
from constructs_lib.lambda_function import log_group_name
from constructs_lib.lambda_zips import Archive, build_authorizer_zip
from constructs_lib.layer_arns import ARCHITECTURE, RUNTIME

HANDLER = "api_keys.handler"  # authorizer/api_keys.py
# It reads headers and answers: the smallest memory, and a timeout far below API Gateway's
# 29 s default integration timeout (an authorizer that hangs is a 500 for the caller).
MEMORY_MB = 128
TIMEOUT_SECONDS = 3


def function_name(name: str) -> str:
    return f"{name}-authorizer"


class KeyAuthorizer(Construct):
    """Python 3.13 arm64 function ``<name>-authorizer`` with an explicit, retained (and, with a
    key, encrypted) log group created first, JSON logs, active tracing, and reserved concurrency.

    Reserved concurrency: the same cap as the Bedrock function's (RESERVED_CONCURRENCY), or none
    when that is ``off`` (an account at the minimum concurrency quota can reserve nothing). Every
    request that reaches the Bedrock function passed the authorizer first, and the authorizer
    answers in milliseconds where the function takes seconds to minutes, so the same number is
    ample. The role: ``logs:CreateLogStream``/``PutLogEvents`` on this log group only, and the
    X-Ray trace actions (which take no resource). It has no environment, so no KMS grant.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        log_group_arn: str,
        log_retention_days: int,
        reserved_concurrency: int | None = None,
        kms_key_arn: str | None = None,
        code: Archive | None = None,
    ) -> None:
        super().__init__(scope, id_)
        code = code or build_authorizer_zip()
        self.function_name = function_name(name)
        self.log_group = CloudwatchLogGroup(
            self,
            "log_group",
            name=log_group_name(self.function_name),
            retention_in_days=log_retention_days,
            kms_key_id=kms_key_arn,
        )
        self.role, self.policy_document = function_role(
            self,
            name=self.function_name,
            description="Execution role of the API key authorizer",
            statements=[own_log_group_statement(log_group_arn), send_traces_statement()],
        )
        code_asset = TerraformAsset(self, "code", path=str(code.path), type=AssetType.FILE)
        self.function = LambdaFunction(
            self,
            "function",
            function_name=self.function_name,
            description="Finds the caller's API key in x-api-key or Authorization: Bearer for API Gateway's usage plan",
            filename=code_asset.path,
            source_code_hash=code.sha256,
            role=self.role.arn,
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=HANDLER,
            memory_size=MEMORY_MB,
            timeout=TIMEOUT_SECONDS,
            reserved_concurrent_executions=-1 if reserved_concurrency is None else reserved_concurrency,
            tracing_config=LambdaFunctionTracingConfig(mode="Active"),
            logging_config=LambdaFunctionLoggingConfig(log_format="JSON", log_group=self.log_group.name),
            depends_on=[self.log_group],
        )
