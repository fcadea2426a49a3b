"""The public HTTP entry point (the original ``modules/api_gateway``).

A regional REST API defined by one OpenAPI 3.0 document (constructs_lib/openapi.py): every route
is a Lambda proxy integration whose answer streams through, guarded at the edge by
authentication, a request model, throttling, logging and tracing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from constructs import Construct

from constructs_lib import openapi
from constructs_lib.aws import (
    ApiGatewayApiKey,
    ApiGatewayDeployment,
    ApiGatewayMethodSettings,
    ApiGatewayMethodSettingsSettings,
    ApiGatewayRestApi,
    ApiGatewayRestApiEndpointConfiguration,
    ApiGatewayStage,
    ApiGatewayStageAccessLogSettings,
    ApiGatewayUsagePlan,
    ApiGatewayUsagePlanApiStages,
    ApiGatewayUsagePlanKey,
    ApiGatewayUsagePlanQuotaSettings,
    ApiGatewayUsagePlanThrottleSettings,
    CloudwatchLogGroup,
    LambdaPermission,
)
from constructs_lib.request_schema import MODEL_NAME
from constructs_lib.settings import DEFAULT_API_KEY_NAME

# One JSON object per request in the access log: who, what, how it ended, how long it took.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "extendedRequestId": "$context.extendedRequestId",
        "ip": "$context.identity.sourceIp",
        "apiKeyId": "$context.identity.apiKeyId",
        "caller": "$context.identity.caller",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "responseLatency": "$context.responseLatency",
        "integrationStatus": "$context.integration.status",
        "integrationLatency": "$context.integration.latency",
        "wafStatus": "$context.waf.status",
        "errorType": "$context.error.responseType",
        "errorMessage": "$context.error.message",
    },
    separators=(",", ":"),
)

# Stand-ins for what only Terraform knows, in the document synth writes for client generators.
UNKNOWN_PARTITION = "<partition>"
UNKNOWN_FUNCTION_ARN = "<lambda_function_arn>"
UNKNOWN_AUTHORIZER_ARN = "<authorizer_function_arn>"


def access_log_group_name(api_name: str) -> str:
    return f"/aws/apigateway/{api_name}/access"


def execution_log_group_name(rest_api_id: str, stage_name: str) -> str:
    """API Gateway's fixed name for a stage's execution logs."""
    return f"API-Gateway-Execution-Logs_{rest_api_id}/{stage_name}"


def _digest(value: object) -> str:
    """A short fingerprint of a Python value, for the deployment trigger."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class AccessControl:
    """Who may call and how often."""

    auth: str  # api_key | iam | none
    rate_limit: int  # steady requests per second (stage and usage plan)
    burst_limit: int
    daily_quota: int  # requests per day per API key
    key_names: tuple[str, ...] = (DEFAULT_API_KEY_NAME,)  # one API key each, all on the one usage plan


@dataclass(frozen=True)
class ApiLogging:
    """Where the API's logs go and for how long."""

    retention_days: int
    kms_key_arn: str | None
    # The account's CloudWatch role setting (api_gateway_account.py) when this stack manages it:
    # the stage is created after it, since stage logging needs the role in place.
    account_setting: ITerraformDependable | None = None


@dataclass(frozen=True)
class LambdaBackend:
    """The function behind every route, and where API Gateway reaches it."""

    function_name: str
    function_arn: str
    timeout_seconds: int  # the function's timeout: the integration waits at least this long
    partition: str
    region: str

    @property
    def invocation_uri(self) -> str:
        return openapi.streaming_invocation_uri(self.partition, self.region, self.function_arn)


@dataclass(frozen=True)
class KeyAuthorizerFunction:
    """The key authorizer API Gateway calls before every request when AUTH=api_key (authorizer.py)."""

    function_name: str
    function_arn: str


def api_document(
    backend: LambdaBackend,
    *,
    title: str,
    auth: str,
    cors_allow_origin: str,
    request_schema: dict[str, Any],
    routes: tuple[openapi.Route, ...] = openapi.ROUTES,
    authorizer_arn: str | None = None,
) -> dict[str, Any]:
    """The API's OpenAPI document, every route integrated with ``backend`` (and, with
    AUTH=api_key, guarded by the key authorizer whose function is ``authorizer_arn``)."""
    return openapi.document(
        title=title,
        auth=auth,
        cors_allow_origin=cors_allow_origin,
        request_schemas={MODEL_NAME: request_schema},
        integration=openapi.lambda_integration(
            backend.invocation_uri,
            openapi.integration_timeout_ms(backend.timeout_seconds),
        ),
        routes=routes,
        authorizer_uri=(
            openapi.authorizer_invocation_uri(backend.partition, backend.region, authorizer_arn)
            if authorizer_arn
            else None
        ),
    )


class InferenceApi(Construct):
    """``POST /<stage>/invoke``, ``POST /<stage>/v1/chat/completions`` and ``GET /<stage>/v1/models``
    → Lambda, answers streamed, guarded at the edge.

    - One OpenAPI 3.0 document is the API's ``body`` (constructs_lib/openapi.py): routes, the
      request validator and JSON Schema model (``/invoke``), key authorizer / SigV4 security, the
      CORS preflight, gateway responses in one error shape for /invoke and OpenAI clients, and a
      STREAM Lambda integration whose timeout covers the function's.
    - Auth: API keys (``x-api-key`` or ``Authorization: Bearer``, found by the key authorizer),
      one per ``key_names`` entry, all bound to the stage by one usage plan (throttle + daily
      quota per key); SigV4 (AWS_IAM); or nothing (only when asked for). With ``playground``,
      the playground page's three ``GET`` routes are public; the page calls ``/invoke`` with the
      key typed into it.
    - Stage throttling, JSON access logs, execution logs at ERROR with metrics, X-Ray.
    - The deployment is replaced whenever the document changes (its fingerprint and the
      integration URI in ``triggers``), created before the old one is destroyed so the stage
      always points at a live deployment.
    - Each Lambda permission names this API, this stage and one method on one path; the key
      authorizer's names this API's authorizers.

    ``openapi_document`` is the document with placeholders where only Terraform knows the value
    (the function ARN, the partition): what synth writes for client generators.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        api_name: str,
        stage_name: str,
        backend: LambdaBackend,
        request_schema: dict[str, Any],
        access: AccessControl,
        logging: ApiLogging,
        cors_allow_origin: str = "",
        playground: bool = False,
        authorizer: KeyAuthorizerFunction | None = None,
    ) -> None:
        super().__init__(scope, id_)
        if (access.auth == "api_key") != (authorizer is not None):
            raise ValueError("the key authorizer is needed with auth 'api_key', and only then")
        routes = openapi.api_routes(playground=playground)
        # The document twice, from one contract: with placeholders (written for clients) and
        # with Terraform's references (the API's body).
        contract = partial(
            api_document,
            title=api_name,
            auth=access.auth,
            cors_allow_origin=cors_allow_origin,
            request_schema=request_schema,
            routes=routes,
        )
        self.openapi_document = contract(
            replace(backend, function_arn=UNKNOWN_FUNCTION_ARN, partition=UNKNOWN_PARTITION),
            authorizer_arn=UNKNOWN_AUTHORIZER_ARN if authorizer else None,
        )
        self.rest_api = ApiGatewayRestApi(
            self,
            "rest_api",
            name=api_name,
            description=openapi.DESCRIPTION,
            # The function ARN and partition inside are Terraform references, resolved at apply.
            body=json.dumps(
                contract(backend, authorizer_arn=authorizer.function_arn if authorizer else None),
                separators=(",", ":"),
            ),
            endpoint_configuration=ApiGatewayRestApiEndpointConfiguration(types=["REGIONAL"]),
            # A replacement API comes up before the old one goes, as the deployment does.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        self.deployment = ApiGatewayDeployment(
            self,
            "deployment",
            rest_api_id=self.rest_api.id,
            # The body is the document with the placeholders filled in: a new fingerprint or a
            # new integration URI is a new document.
            triggers={
                "document": _digest(self.openapi_document),
                "integration_uri": backend.invocation_uri,
                **({"authorizer_arn": authorizer.function_arn} if authorizer else {}),
            },
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        self.stage = self._stage(stage_name, api_name, logging)
        self.method_settings = ApiGatewayMethodSettings(
            self,
            "method_settings",
            rest_api_id=self.rest_api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings=ApiGatewayMethodSettingsSettings(
                metrics_enabled=True,
                logging_level="ERROR",
                data_trace_enabled=False,  # full request/response logging would record prompts
                throttling_rate_limit=access.rate_limit,
                throttling_burst_limit=access.burst_limit,
            ),
        )
        self.api_keys = self._api_keys(api_name, access) if access.auth == "api_key" else {}
        self.api_key = next(iter(self.api_keys.values()), None)  # the first: what `make api-key` prints
        self.authorizer_permission = self._permit_authorizer(authorizer.function_name) if authorizer else None
        self.permissions = [
            self._permit(route.http_method, route.path, backend.function_name, stage_name) for route in routes
        ] + [
            self._permit("OPTIONS", path, backend.function_name, stage_name)
            for path in openapi.preflight_paths(routes, cors_allow_origin)
        ]
        self.endpoint_url = f"{self.stage.invoke_url}{openapi.INVOKE.path}"
        page = openapi.PLAYGROUND_ROUTES[0].path
        self.playground_url = f"{self.stage.invoke_url}{page}" if playground else None
        # What OpenAI clients take as base_url: they append /chat/completions and /models.
        self.openai_base_url = f"{self.stage.invoke_url}{openapi.OPENAI_BASE_PATH}"

    def _permit_authorizer(self, function_name: str) -> LambdaPermission:
        """Let this API's authorizers, and nothing else, invoke the key authorizer. The authorizer's
        id is made when API Gateway imports the document, so the ARN names all of this API's
        authorizers (``<execution arn>/authorizers/<id>``); the document declares only this one."""
        return LambdaPermission(
            self,
            "permission_authorizer",
            statement_id="AllowApiGatewayKeyAuthorizer",
            action="lambda:InvokeFunction",
            function_name=function_name,
            principal="apigateway.amazonaws.com",
            source_arn=f"{self.rest_api.execution_arn}/authorizers/*",
        )

    def _permit(self, http_method: str, path: str, function_name: str, stage_name: str) -> LambdaPermission:
        """Let this API invoke the function for one stage, one method and one path, nothing else."""
        name = http_method.title() + "".join(part.title() for part in path.replace("-", "/").split("/") if part)
        return LambdaPermission(
            self,
            f"permission_{http_method.lower()}{path.replace('/', '_').replace('-', '_')}",
            statement_id=f"AllowApiGateway{name}",
            action="lambda:InvokeFunction",
            function_name=function_name,
            principal="apigateway.amazonaws.com",
            source_arn=f"{self.rest_api.execution_arn}/{stage_name}/{http_method}{path}",
        )

    def _stage(self, stage_name: str, api_name: str, logging: ApiLogging) -> ApiGatewayStage:
        """The stage with its two log groups, created first with retention (and KMS), and after
        the account's CloudWatch role setting when this stack manages it."""
        self.access_log_group = CloudwatchLogGroup(
            self,
            "access_log_group",
            name=access_log_group_name(api_name),
            retention_in_days=logging.retention_days,
            kms_key_id=logging.kms_key_arn,
        )
        # API Gateway writes execution logs to this fixed name; creating it ourselves gives it a
        # retention instead of "never expire".
        self.execution_log_group = CloudwatchLogGroup(
            self,
            "execution_log_group",
            name=execution_log_group_name(self.rest_api.id, stage_name),
            retention_in_days=logging.retention_days,
            kms_key_id=logging.kms_key_arn,
        )
        ordered_after: list[ITerraformDependable] = [self.access_log_group, self.execution_log_group]
        if logging.account_setting is not None:
            ordered_after.append(logging.account_setting)
        return ApiGatewayStage(
            self,
            "stage",
            rest_api_id=self.rest_api.id,
            deployment_id=self.deployment.id,
            stage_name=stage_name,
            xray_tracing_enabled=True,
            access_log_settings=ApiGatewayStageAccessLogSettings(
                destination_arn=self.access_log_group.arn,
                format=ACCESS_LOG_FORMAT,
            ),
            depends_on=ordered_after,
        )

    def _api_keys(self, api_name: str, access: AccessControl) -> dict[str, ApiGatewayApiKey]:
        """One API key per name, all bound to this stage by one usage plan with throttling and a
        daily quota, which API Gateway applies to each key on its own.

        The key named ``key`` (the default) keeps the construct id it had when it was the only
        one, so adding names never replaces it (a replaced key has a new value).
        """
        self.usage_plan = ApiGatewayUsagePlan(
            self,
            "usage_plan",
            name=f"{api_name}-plan",
            api_stages=[ApiGatewayUsagePlanApiStages(api_id=self.rest_api.id, stage=self.stage.stage_name)],
            throttle_settings=ApiGatewayUsagePlanThrottleSettings(
                rate_limit=access.rate_limit,
                burst_limit=access.burst_limit,
            ),
            quota_settings=ApiGatewayUsagePlanQuotaSettings(limit=access.daily_quota, period="DAY"),
        )
        keys = {}
        for name in access.key_names:
            suffix = "" if name == DEFAULT_API_KEY_NAME else f"_{name}"
            keys[name] = ApiGatewayApiKey(self, f"api_key{suffix}", name=f"{api_name}-{name}", enabled=True)
            ApiGatewayUsagePlanKey(
                self,
                f"usage_plan_key{suffix}",
                key_id=keys[name].id,
                key_type="API_KEY",
                usage_plan_id=self.usage_plan.id,
            )
        return keys
