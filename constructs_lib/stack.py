"""The whole architecture as one stack: client → API Gateway → Lambda → Bedrock.

Wires the constructs together through their attributes and declares the stack outputs.
"""

from __future__ import annotations

import sys

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from constructs_lib.api_gateway import InferenceApi
from constructs_lib.aws import AwsProvider, AwsProviderDefaultTags, DataAwsCallerIdentity, DataAwsPartition
from constructs_lib.iam import LambdaExecutionRole
from constructs_lib.lambda_function import BedrockFunction, powertools_layer_arn
from constructs_lib.retired_models import retirement_notice
from constructs_lib.settings import Settings


class BedrockInferenceStack(TerraformStack):
    """Everything the endpoint needs, named ``<name_prefix>-<environment>-*``."""

    def __init__(self, scope: Construct, id_: str, *, settings: Settings) -> None:
        super().__init__(scope, id_)
        notice = retirement_notice(settings.model_id)
        if notice:
            print(f"warning: {notice}", file=sys.stderr)

        AwsProvider(
            self, "aws",
            region=settings.region,
            default_tags=[AwsProviderDefaultTags(tags={
                "project": settings.name_prefix,
                "environment": settings.environment,
                "managed-by": "cdktf",
            })],
        )
        account_id = DataAwsCallerIdentity(self, "account").account_id
        partition = DataAwsPartition(self, "partition").partition
        name = f"{settings.name_prefix}-{settings.environment}"
        log_group_name = f"/aws/lambda/{name}"

        iam = LambdaExecutionRole(
            self, "iam",
            role_name=f"{name}-lambda",
            log_group_arn=f"arn:{partition}:logs:{settings.region}:{account_id}:log-group:{log_group_name}",
            model_id=settings.model_id,
            partition=partition,
            region=settings.region,
            account_id=account_id,
        )
        function = BedrockFunction(
            self, "lambda",
            function_name=name,
            role_arn=iam.role.arn,
            memory_mb=settings.lambda_memory_mb,
            timeout_seconds=settings.lambda_timeout_seconds,
            log_retention_days=settings.log_retention_days,
            environment=handler_environment(settings),
            layers=[settings.powertools_layer_arn or powertools_layer_arn(partition, settings.region)],
        )
        api = InferenceApi(
            self, "api_gateway",
            api_name=name,
            stage_name=settings.stage_name,
            function_name=function.function.function_name,
            function_invoke_arn=function.function.invoke_arn,
        )

        TerraformOutput(self, "api_endpoint", value=api.endpoint_url,
                        description="URL to POST {\"prompt\": \"...\"} to")
        TerraformOutput(self, "lambda_function_name", value=function.function.function_name)
        TerraformOutput(self, "lambda_function_arn", value=function.function.arn)
        TerraformOutput(self, "lambda_role_arn", value=iam.role.arn)
        TerraformOutput(self, "log_group_name", value=function.log_group.name)


def handler_environment(settings: Settings) -> dict[str, str]:
    """The handler's configuration, as the environment variables function/ reads."""
    return {
        "MODEL_ID": settings.model_id,
        "MAX_TOKENS_DEFAULT": str(settings.max_tokens_default),
        "MAX_TOKENS_CAP": str(settings.max_tokens_cap),
        "PROMPT_MAX_CHARS": str(settings.prompt_max_chars),
        "BODY_MAX_BYTES": str(settings.body_max_bytes),
        "CORS_ALLOW_ORIGIN": settings.cors_allow_origin,
        "LOG_CONTENT": "true" if settings.log_content else "false",
        "BEDROCK_CONNECT_TIMEOUT_SECONDS": str(settings.bedrock_connect_timeout_seconds),
        "BEDROCK_READ_TIMEOUT_SECONDS": str(settings.bedrock_read_timeout_seconds),
        "BEDROCK_MAX_ATTEMPTS": str(settings.bedrock_max_attempts),
        "POWERTOOLS_SERVICE_NAME": settings.name_prefix,
        "POWERTOOLS_METRICS_NAMESPACE": "BedrockInferenceApi",
    }
