"""The REST API: one POST resource proxied to Lambda, redeployed on change, narrowly permitted."""

from __future__ import annotations

import json

from cdktf import Testing

from constructs_lib.api_gateway import AccessControl, ApiLogging, InferenceApi
from constructs_lib.aws import (
    ApiGatewayDeployment,
    ApiGatewayIntegration,
    ApiGatewayMethod,
    ApiGatewayResource,
    ApiGatewayRestApi,
    ApiGatewayStage,
    LambdaPermission,
)
from constructs_lib.request_schema import request_schema
from tests.conftest import resources_of, synth_construct

INVOKE_ARN = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:demo/invocations"


SCHEMA = request_schema(prompt_max_chars=100, max_tokens_cap=10)


def synth_api(auth: str = "api_key") -> str:
    return synth_construct(lambda stack: InferenceApi(
        stack, "api", api_name="demo", stage_name="v1", function_name="demo", function_invoke_arn=INVOKE_ARN,
        request_schema=SCHEMA,
        access=AccessControl(auth=auth, rate_limit=5, burst_limit=7, daily_quota=100),
        logging=ApiLogging(retention_days=30, kms_key_arn=None),
    ))


def test_regional_rest_api_with_a_post_method_on_invoke():
    synthesized = synth_api()
    assert Testing.to_have_resource_with_properties(synthesized, ApiGatewayRestApi.TF_RESOURCE_TYPE, {
        "name": "demo", "endpoint_configuration": {"types": ["REGIONAL"]},
    })
    assert Testing.to_have_resource_with_properties(synthesized, ApiGatewayResource.TF_RESOURCE_TYPE, {"path_part": "invoke"})
    assert Testing.to_have_resource_with_properties(synthesized, ApiGatewayMethod.TF_RESOURCE_TYPE, {"http_method": "POST"})


def test_post_is_proxied_to_the_function():
    assert Testing.to_have_resource_with_properties(synth_api(), ApiGatewayIntegration.TF_RESOURCE_TYPE, {
        "type": "AWS_PROXY", "integration_http_method": "POST", "uri": INVOKE_ARN,
    })


def test_deployment_is_replaced_when_method_or_integration_changes():
    synthesized = synth_api()
    [deployment] = resources_of(synthesized, ApiGatewayDeployment.TF_RESOURCE_TYPE)
    trigger = deployment["triggers"]["redeployment"]
    assert "aws_api_gateway_method." in trigger and "aws_api_gateway_integration." in trigger
    assert deployment["lifecycle"] == {"create_before_destroy": True}
    assert Testing.to_have_resource_with_properties(synthesized, ApiGatewayStage.TF_RESOURCE_TYPE, {"stage_name": "v1"})


def test_only_this_apis_stage_and_post_method_may_invoke_the_function():
    synthesized = synth_api()
    [permission] = resources_of(synthesized, LambdaPermission.TF_RESOURCE_TYPE)
    [api_id] = json.loads(synthesized)["resource"][ApiGatewayRestApi.TF_RESOURCE_TYPE]
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["source_arn"] == f"${{aws_api_gateway_rest_api.{api_id}.execution_arn}}/v1/POST/invoke"


def test_cors_adds_a_preflight_route_to_the_handler_and_cors_headers_on_gateway_errors():
    synthesized = synth_construct(lambda stack: InferenceApi(
        stack, "api", api_name="demo", stage_name="v1", function_name="demo", function_invoke_arn=INVOKE_ARN,
        request_schema=SCHEMA, access=AccessControl(auth="api_key", rate_limit=5, burst_limit=7, daily_quota=100),
        logging=ApiLogging(retention_days=30, kms_key_arn=None),
        cors_allow_origin="https://app.example.com",
    ))
    assert Testing.to_have_resource_with_properties(synthesized, ApiGatewayMethod.TF_RESOURCE_TYPE, {
        "http_method": "OPTIONS", "authorization": "NONE", "api_key_required": False,
    })
    permissions = {p["source_arn"].rsplit("}", 1)[1] for p in resources_of(synthesized, LambdaPermission.TF_RESOURCE_TYPE)}
    assert permissions == {"/v1/POST/invoke", "/v1/OPTIONS/invoke"}
    for response in resources_of(synthesized, "aws_api_gateway_gateway_response"):
        assert response["response_parameters"] == {
            "gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example.com'"
        }


def test_without_cors_only_post_is_routed():
    synthesized = synth_api()
    assert [m["http_method"] for m in resources_of(synthesized, ApiGatewayMethod.TF_RESOURCE_TYPE)] == ["POST"]
    assert all("response_parameters" not in r for r in resources_of(synthesized, "aws_api_gateway_gateway_response"))


def test_gateway_error_templates_render_the_handlers_error_shape():
    from constructs_lib.api_gateway import GATEWAY_ERROR_TEMPLATES

    # What API Gateway substitutes: messageString arrives already quoted, as a JSON string.
    context = {
        "$context.error.messageString": '"Invalid request body"',
        "$context.error.responseType": "BAD_REQUEST_BODY",
        "$context.requestId": "abc-123",
    }
    for kind, template in GATEWAY_ERROR_TEMPLATES.items():
        rendered = template
        for variable, value in context.items():
            rendered = rendered.replace(variable, value)
        body = json.loads(rendered)
        assert set(body) == {"error", "request_id"} and set(body["error"]) == {"code", "message"}, kind
        assert body["error"]["message"] == "Invalid request body" and body["request_id"] == "abc-123"
