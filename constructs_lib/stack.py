"""The whole architecture as one stack: client → API Gateway → Lambda → Bedrock.

Wires the constructs together through their attributes and declares the stack outputs.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from constructs_lib import authorizer as key_authorizer
from constructs_lib import waf
from constructs_lib.api_gateway import (
    AccessControl,
    ApiLogging,
    InferenceApi,
    KeyAuthorizerFunction,
    LambdaBackend,
    access_log_group_name,
    execution_log_group_name,
)
from constructs_lib.api_gateway_account import ApiGatewayAccountLogging
from constructs_lib.aws import AwsProvider, AwsProviderDefaultTags, DataAwsCallerIdentity, DataAwsPartition
from constructs_lib.capacity import capacity_warning
from constructs_lib.emulator import provider_overrides
from constructs_lib.encryption import LogEncryptionKey
from constructs_lib.iam import LambdaExecutionRole
from constructs_lib.lambda_function import BedrockFunction, log_group_name
from constructs_lib.layer_arns import public_layer_arns
from constructs_lib.model_facts import model_warnings, token_prices
from constructs_lib.monitoring import AlarmThresholds, MonitoredNames, Monitoring
from constructs_lib.request_schema import request_schema
from constructs_lib.settings import SLOW_OUTPUT_TOKENS_PER_SECOND, Settings
from constructs_lib.state import configure_state_backend
from function import config as function_config
from function.config import STREAM_IDLE_TIMEOUT_SECONDS
from function.models import facts_for

# CloudWatch namespace of the handler's EMF metrics, which the alarms and dashboard read.
METRICS_NAMESPACE = "BedrockInferenceApi"


class BedrockInferenceStack(TerraformStack):
    """Everything the endpoint needs, named ``<name_prefix>-<environment>-*``."""

    def __init__(self, scope: Construct, id_: str, *, settings: Settings) -> None:
        super().__init__(scope, id_)
        configure_state_backend(self, id_, settings)  # S3 when STATE_BUCKET is set, else local

        AwsProvider(
            self,
            "aws",
            region=settings.region,
            default_tags=[
                AwsProviderDefaultTags(
                    tags={
                        "project": settings.name_prefix,
                        "environment": settings.environment,
                        "managed-by": "cdktf",
                    }
                )
            ],
            **provider_overrides(),  # AWS_ENDPOINT_URL set: an emulator (constructs_lib/emulator.py)
        )
        account_id = DataAwsCallerIdentity(self, "account").account_id
        partition = DataAwsPartition(self, "partition").partition
        name = settings.resource_name
        kms_key_arn = self._log_kms_key(settings, name, partition, account_id)

        iam = LambdaExecutionRole(
            self,
            "iam",
            role_name=f"{name}-lambda",
            log_group_arn=f"arn:{partition}:logs:{settings.region}:{account_id}:log-group:{log_group_name(name)}",
            model_ids=settings.model_ids,
            guardrail=settings.guardrail_id or None,
            partition=partition,
            region=settings.region,
            account_id=account_id,
            kms_key_arn=kms_key_arn,
        )
        function = BedrockFunction(
            self,
            "lambda",
            function_name=name,
            role_arn=iam.role.arn,
            memory_mb=settings.lambda_memory_mb,
            timeout_seconds=settings.lambda_timeout_seconds,
            log_retention_days=settings.log_retention_days,
            environment=handler_environment(settings),
            layers=list(public_layer_arns(settings, partition).values()),
            reserved_concurrency=settings.reserved_concurrency_limit,
            kms_key_arn=kms_key_arn,
        )
        authorizer = (
            key_authorizer.KeyAuthorizer(
                self,
                "authorizer",
                name=name,
                log_group_arn=f"arn:{partition}:logs:{settings.region}:{account_id}:log-group:"
                f"{log_group_name(key_authorizer.function_name(name))}",
                log_retention_days=settings.log_retention_days,
                reserved_concurrency=settings.reserved_concurrency_limit,
                kms_key_arn=kms_key_arn,
            )
            if settings.auth == "api_key"
            else None
        )
        account_logging = (
            ApiGatewayAccountLogging(self, "api_gateway_account", role_name=f"{name}-apigw-logs", partition=partition)
            if settings.api_gateway_account_role
            else None
        )
        api = InferenceApi(
            self,
            "api_gateway",
            api_name=name,
            stage_name=settings.stage_name,
            backend=LambdaBackend(
                function_name=function.function.function_name,
                function_arn=function.function.arn,
                timeout_seconds=settings.lambda_timeout_seconds,
                partition=partition,
                region=settings.region,
            ),
            request_schema=request_schema(
                prompt_max_chars=settings.prompt_max_chars,
                max_tokens_cap=settings.max_tokens_cap,
                models=[facts_for(model_id) for model_id in settings.model_ids],
            ),
            access=AccessControl(
                auth=settings.auth,
                rate_limit=settings.throttle_rate_limit,
                burst_limit=settings.throttle_burst_limit,
                daily_quota=settings.api_key_daily_quota,
                key_names=settings.key_names,
            ),
            logging=ApiLogging(
                retention_days=settings.log_retention_days,
                kms_key_arn=kms_key_arn,
                account_setting=account_logging.account if account_logging else None,
            ),
            cors_allow_origin=settings.cors_allow_origin,
            playground=settings.playground,
            authorizer=(
                KeyAuthorizerFunction(authorizer.function.function_name, authorizer.function.arn)
                if authorizer
                else None
            ),
        )
        self.api = api  # main.py writes its OpenAPI document beside the synthesized stack
        if settings.waf_enabled:
            waf.ApiFirewall(
                self,
                "waf",
                name=name,
                stage_arn=api.stage.arn,
                rate_limit_per_5_minutes=settings.waf_rate_limit,
                log_retention_days=settings.log_retention_days,
                kms_key_arn=kms_key_arn,
            )

        Monitoring(
            self,
            "monitoring",
            name=name,
            region=settings.region,
            watched=MonitoredNames(
                api_name=api.rest_api.name,
                stage_name=api.stage.stage_name,
                function_name=function.function.function_name,
                metrics_namespace=METRICS_NAMESPACE,
                metrics_service=settings.resource_name,
                authorizer_function_name=authorizer.function.function_name if authorizer else None,
            ),
            thresholds=AlarmThresholds(
                api_5xx_percent=settings.alarm_api_5xx_percent,
                latency_p99_ms=settings.alarm_latency_p99_ms,
                lambda_errors=settings.alarm_lambda_errors,
                lambda_throttles=settings.alarm_lambda_throttles,
                bedrock_throttles=settings.alarm_bedrock_throttles,
                daily_output_tokens=settings.daily_output_tokens_budget,
            ),
            prices=token_prices(settings),
            alarm_email=settings.alarm_email,
            kms_key_arn=kms_key_arn,
        )

        TerraformOutput(self, "api_endpoint", value=api.endpoint_url, description='URL to POST {"prompt": "..."} to')
        TerraformOutput(
            self,
            "openai_base_url",
            value=api.openai_base_url,
            description="base_url for OpenAI clients (/chat/completions, /models)",
        )
        TerraformOutput(self, "lambda_function_name", value=function.function.function_name)
        TerraformOutput(self, "lambda_function_arn", value=function.function.arn)
        TerraformOutput(self, "lambda_role_arn", value=iam.role.arn)
        TerraformOutput(self, "log_group_name", value=function.log_group.name)
        if api.playground_url is not None:
            TerraformOutput(
                self,
                "playground_url",
                value=api.playground_url,
                description="The playground page: open it in a browser",
            )
        if api.api_key is not None:
            TerraformOutput(
                self,
                "api_key",
                value=api.api_key.value,
                sensitive=True,
                description="The first API_KEY_NAMES key: send as Authorization: Bearer <key> or x-api-key",
            )
            TerraformOutput(
                self,
                "api_keys",
                value={name: key.value for name, key in api.api_keys.items()},
                sensitive=True,
                description="Every API key by its API_KEY_NAMES name",
            )
        if authorizer is not None:
            TerraformOutput(self, "authorizer_function_name", value=authorizer.function.function_name)

    def _log_kms_key(self, settings: Settings, name: str, partition: str, account_id: str) -> str | None:
        """The key for log groups and function settings: created, given, or none (LOG_KMS_KEY)."""
        if settings.log_kms_key == "off":
            return None
        if settings.log_kms_key != "create":
            return settings.log_kms_key
        log_groups = f"arn:{partition}:logs:{settings.region}:{account_id}:log-group:"
        return LogEncryptionKey(
            self,
            "kms",
            alias=name,
            log_group_arns=[
                log_groups + log_group_name(name),
                log_groups + log_group_name(key_authorizer.function_name(name)),
                log_groups + access_log_group_name(name),
                log_groups + execution_log_group_name("*", settings.stage_name),  # the API id is not known yet
                log_groups + waf.log_group_name(name),
            ],
            partition=partition,
            region=settings.region,
            account_id=account_id,
            alarm_topic=bool(settings.alarm_email),
        ).arn


def synth_warnings(settings: Settings) -> list[str]:
    """Choices that synth allows but a reader of its output should not miss."""
    warnings = model_warnings(settings, datetime.now(UTC).date())
    if settings.auth == "none":
        warnings.append(
            "AUTH=none: the endpoint is public; anyone who finds the URL can spend Bedrock tokens "
            "on this account (throttling, reserved concurrency and WAF still apply)."
        )
    if settings.lambda_timeout_seconds < settings.long_answer_seconds:
        warnings.append(
            f"LAMBDA_TIMEOUT_SECONDS={settings.lambda_timeout_seconds} is shorter than a MAX_TOKENS_CAP "
            f"answer may take: up to {settings.bedrock_worst_case_seconds:g} s before the first token "
            f"(the Bedrock budget) plus {settings.max_tokens_cap} tokens at a slow "
            f"{SLOW_OUTPUT_TOKENS_PER_SECOND} tokens/s = {settings.long_answer_seconds:.0f} s; "
            "longer answers end early with stop_reason time_limit."
        )
    if settings.default_json_answer_seconds >= STREAM_IDLE_TIMEOUT_SECONDS:
        warnings.append(
            f"MAX_TOKENS_DEFAULT={settings.max_tokens_default}: a JSON answer of that length may take up to "
            f"{settings.bedrock_worst_case_seconds:g} s before the first token plus "
            f"{settings.max_tokens_default} tokens "
            f"at a slow {SLOW_OUTPUT_TOKENS_PER_SECOND} tokens/s = {settings.default_json_answer_seconds:.0f} s, but "
            f"API Gateway drops a response silent for {STREAM_IDLE_TIMEOUT_SECONDS} s and a JSON answer says nothing "
            "until it is complete: such answers end early with stop_reason time_limit (streamed ones do not)."
        )
    if settings.alarm_latency_p99_ms >= settings.lambda_timeout_seconds * 1000:
        warnings.append(
            f"ALARM_LATENCY_P99_MS={settings.alarm_latency_p99_ms} is not below LAMBDA_TIMEOUT_SECONDS="
            f"{settings.lambda_timeout_seconds} (in ms): the function ends first, so the latency alarm never fires."
        )
    overload = capacity_warning(settings)
    if overload:
        warnings.append(overload)
    return warnings


def handler_environment(settings: Settings) -> dict[str, str]:
    """The handler's configuration: every variable function/ declares (``HandlerSettings``), as
    it reads them back, and the Powertools names the stack chooses."""
    return {
        **function_config.environment(settings),
        # <prefix>-<environment>: the metrics' `service` dimension, so environments sharing an
        # account and Region keep their metrics (and alarms) apart.
        "POWERTOOLS_SERVICE_NAME": settings.resource_name,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
    }
