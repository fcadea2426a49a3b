"""The public HTTP entry point (the original ``modules/api_gateway``).

A regional REST API with one resource and one POST method proxied to the function, guarded
at the edge: authentication, a request model, throttling, logging and tracing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from cdktf import Fn, ITerraformDependable, TerraformResourceLifecycle
from constructs import Construct

from constructs_lib.aws import (
    ApiGatewayApiKey,
    ApiGatewayDeployment,
    ApiGatewayGatewayResponse,
    ApiGatewayIntegration,
    ApiGatewayMethod,
    ApiGatewayMethodSettings,
    ApiGatewayMethodSettingsSettings,
    ApiGatewayModel,
    ApiGatewayRequestValidator,
    ApiGatewayResource,
    ApiGatewayRestApi,
    ApiGatewayRestApiEndpointConfiguration,
    ApiGatewayStage,
    ApiGatewayStageAccessLogSettings,
    ApiGatewayUsagePlan,
    ApiGatewayUsagePlanApiStages,
    ApiGatewayUsagePlanQuotaSettings,
    ApiGatewayUsagePlanThrottleSettings,
    ApiGatewayUsagePlanKey,
    CloudwatchLogGroup,
    LambdaPermission,
)

RESOURCE_PATH = "invoke"
AUTHORIZATION = {"api_key": "NONE", "iam": "AWS_IAM", "none": "NONE"}

# One JSON object per request in the access log: who, what, how it ended, how long it took.
ACCESS_LOG_FORMAT = json.dumps({
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
}, separators=(",", ":"))

# Errors API Gateway answers itself (bad body, missing key, throttled, ...) in the handler's
# error shape, so callers parse one format whoever refused them.
GATEWAY_ERROR_TEMPLATES = {
    # messageString is already a quoted JSON string; validationErrorString is not escaped (it
    # quotes field names), so it would break the JSON and is left out.
    "BAD_REQUEST_BODY": '{"error": {"code": "invalid_body", "message": $context.error.messageString}, "request_id": "$context.requestId"}',
    "DEFAULT_4XX": '{"error": {"code": "$context.error.responseType", "message": $context.error.messageString}, "request_id": "$context.requestId"}',
    "DEFAULT_5XX": '{"error": {"code": "$context.error.responseType", "message": $context.error.messageString}, "request_id": "$context.requestId"}',
}


def access_log_group_name(api_name: str) -> str:
    return f"/aws/apigateway/{api_name}/access"


def execution_log_group_name(rest_api_id: str, stage_name: str) -> str:
    """API Gateway's fixed name for a stage's execution logs."""
    return f"API-Gateway-Execution-Logs_{rest_api_id}/{stage_name}"


def _digest(value: object) -> str:
    """A short fingerprint of a Python value, for deployment triggers.

    Templates full of ``$context`` and quotes are hashed here rather than embedded in the
    trigger's Terraform expression, where their escaping would not survive.
    """
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class AccessControl:
    """Who may call and how often."""

    auth: str  # api_key | iam | none
    rate_limit: int  # steady requests per second (stage and usage plan)
    burst_limit: int
    daily_quota: int  # requests per day per API key


@dataclass(frozen=True)
class ApiLogging:
    """Where the API's logs go and for how long."""

    retention_days: int
    kms_key_arn: str | None
    # The account's CloudWatch role setting (api_gateway_account.py) when this stack manages it:
    # the stage is created after it, since stage logging needs the role in place.
    account_setting: ITerraformDependable | None = None


class InferenceApi(Construct):
    """``POST /<stage>/invoke`` → Lambda proxy integration, guarded at the edge.

    - Auth: an API key bound to the stage by a usage plan (throttle + daily quota), SigV4
      (AWS_IAM), or nothing (only when asked for).
    - A request validator and JSON-schema model refuse malformed bodies before Lambda runs.
    - Stage throttling, JSON access logs, execution logs at ERROR with metrics, X-Ray.
    - The deployment is replaced whenever the method, integration or model changes (a hash
      in ``triggers``), created before the old one is destroyed so the stage always points at
      a live deployment.
    - The Lambda permission names this API, this stage and only ``POST /invoke``.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        api_name: str,
        stage_name: str,
        function_name: str,
        function_invoke_arn: str,
        request_schema: dict,
        access: AccessControl,
        logging: ApiLogging,
        cors_allow_origin: str = "",
    ) -> None:
        super().__init__(scope, id_)
        self.rest_api = ApiGatewayRestApi(
            self, "rest_api",
            name=api_name,
            description="Amazon Bedrock inference endpoint",
            endpoint_configuration=ApiGatewayRestApiEndpointConfiguration(types=["REGIONAL"]),
            # A replacement API comes up before the old one goes, as the deployment does.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        self.resource = ApiGatewayResource(
            self, "resource",
            rest_api_id=self.rest_api.id,
            parent_id=self.rest_api.root_resource_id,
            path_part=RESOURCE_PATH,
        )
        self.validator = ApiGatewayRequestValidator(
            self, "validator",
            rest_api_id=self.rest_api.id,
            name="body-and-parameters",
            validate_request_body=True,
            validate_request_parameters=True,
        )
        self.model = ApiGatewayModel(
            self, "model",
            rest_api_id=self.rest_api.id,
            name="InferenceRequest",
            description="POST /invoke body; mirrors the handler's request contract",
            content_type="application/json",
            # Compact: the provider keeps the schema compacted, so spaces would show as drift.
            schema=json.dumps(request_schema, sort_keys=True, separators=(",", ":")),
        )
        self.method = ApiGatewayMethod(
            self, "post",
            rest_api_id=self.rest_api.id,
            resource_id=self.resource.id,
            http_method="POST",
            authorization=AUTHORIZATION[access.auth],
            api_key_required=access.auth == "api_key",
            request_validator_id=self.validator.id,
            request_models={"application/json": self.model.name},
        )
        self.integration = ApiGatewayIntegration(
            self, "integration",
            rest_api_id=self.rest_api.id,
            resource_id=self.resource.id,
            http_method=self.method.http_method,
            type="AWS_PROXY",
            integration_http_method="POST",  # Lambda is always invoked with POST
            uri=function_invoke_arn,
        )
        routes = [self.method, self.integration]
        if cors_allow_origin:
            routes += self._preflight(function_invoke_arn)
        # With CORS on, a browser must be able to read the gateway's own refusals too.
        cors_header = {"gatewayresponse.header.Access-Control-Allow-Origin": f"'{cors_allow_origin}'"}
        responses = [
            ApiGatewayGatewayResponse(
                self, f"response_{kind.lower()}",
                rest_api_id=self.rest_api.id,
                response_type=kind,
                response_templates={"application/json": template},
                response_parameters=cors_header if cors_allow_origin else None,
            )
            for kind, template in GATEWAY_ERROR_TEMPLATES.items()
        ]
        self.deployment = ApiGatewayDeployment(
            self, "deployment",
            rest_api_id=self.rest_api.id,
            triggers={"redeployment": Fn.sha1(Fn.jsonencode([
                self.resource.id, self.method.id, self.method.authorization, self.method.api_key_required,
                self.integration.id, self.integration.type, self.integration.uri,
                self.validator.id, self.model.schema, *[route.id for route in routes],
                *[response.id for response in responses], _digest([GATEWAY_ERROR_TEMPLATES, cors_allow_origin]),
            ]))},
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
            depends_on=[*routes, *responses],
        )
        self.stage = self._stage(stage_name, api_name, logging)
        self.method_settings = ApiGatewayMethodSettings(
            self, "method_settings",
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
        self.api_key = self._api_key(api_name, access) if access.auth == "api_key" else None
        self.permission = self._permit("invoke_permission", "POST", function_name, stage_name)
        if cors_allow_origin:
            self._permit("preflight_permission", "OPTIONS", function_name, stage_name)
        self.endpoint_url = f"{self.stage.invoke_url}/{RESOURCE_PATH}"

    def _permit(self, id_: str, http_method: str, function_name: str, stage_name: str) -> LambdaPermission:
        """Let this API invoke the function for one stage and method on ``/invoke``, nothing else."""
        return LambdaPermission(
            self, id_,
            statement_id=f"AllowApiGatewayInvoke{http_method.title()}",
            action="lambda:InvokeFunction",
            function_name=function_name,
            principal="apigateway.amazonaws.com",
            source_arn=f"{self.rest_api.execution_arn}/{stage_name}/{http_method}/{RESOURCE_PATH}",
        )

    def _preflight(self, function_invoke_arn: str) -> list:
        """``OPTIONS /invoke`` for browsers' CORS preflight, answered by the handler (204 and the
        CORS headers). Preflights carry no credentials, so this method requires none."""
        method = ApiGatewayMethod(
            self, "options",
            rest_api_id=self.rest_api.id,
            resource_id=self.resource.id,
            http_method="OPTIONS",
            authorization="NONE",
            api_key_required=False,
            request_validator_id=self.validator.id,
        )
        integration = ApiGatewayIntegration(
            self, "options_integration",
            rest_api_id=self.rest_api.id,
            resource_id=self.resource.id,
            http_method=method.http_method,
            type="AWS_PROXY",
            integration_http_method="POST",
            uri=function_invoke_arn,
        )
        return [method, integration]

    def _stage(self, stage_name: str, api_name: str, logging: ApiLogging) -> ApiGatewayStage:
        """The stage with its two log groups, created first with retention (and KMS), and after
        the account's CloudWatch role setting when this stack manages it."""
        self.access_log_group = CloudwatchLogGroup(
            self, "access_log_group",
            name=access_log_group_name(api_name),
            retention_in_days=logging.retention_days,
            kms_key_id=logging.kms_key_arn,
        )
        # API Gateway writes execution logs to this fixed name; creating it ourselves gives it a
        # retention instead of "never expire".
        self.execution_log_group = CloudwatchLogGroup(
            self, "execution_log_group",
            name=execution_log_group_name(self.rest_api.id, stage_name),
            retention_in_days=logging.retention_days,
            kms_key_id=logging.kms_key_arn,
        )
        ordered_after = [self.access_log_group, self.execution_log_group]
        if logging.account_setting is not None:
            ordered_after.append(logging.account_setting)
        return ApiGatewayStage(
            self, "stage",
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

    def _api_key(self, api_name: str, access: AccessControl) -> ApiGatewayApiKey:
        """An API key bound to this stage by a usage plan with throttling and a daily quota."""
        api_key = ApiGatewayApiKey(self, "api_key", name=f"{api_name}-key", enabled=True)
        self.usage_plan = ApiGatewayUsagePlan(
            self, "usage_plan",
            name=f"{api_name}-plan",
            api_stages=[ApiGatewayUsagePlanApiStages(api_id=self.rest_api.id, stage=self.stage.stage_name)],
            throttle_settings=ApiGatewayUsagePlanThrottleSettings(
                rate_limit=access.rate_limit, burst_limit=access.burst_limit,
            ),
            quota_settings=ApiGatewayUsagePlanQuotaSettings(limit=access.daily_quota, period="DAY"),
        )
        ApiGatewayUsagePlanKey(
            self, "usage_plan_key", key_id=api_key.id, key_type="API_KEY", usage_plan_id=self.usage_plan.id,
        )
        return api_key
