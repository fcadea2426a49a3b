"""The REST API: one OpenAPI document as its body, every Lambda route streamed, redeployed when
the document changes, and each route narrowly permitted.

moto drops most of an imported document (validators, models, gateway responses, the transfer
mode), so what API Gateway is told is asserted here, on the synthesized document.
"""

from __future__ import annotations

import json

import pytest
from cdktf import Testing

from constructs_lib import openapi
from constructs_lib.api_gateway import AccessControl, ApiLogging, InferenceApi, KeyAuthorizerFunction, LambdaBackend
from constructs_lib.aws import (
    ApiGatewayApiKey,
    ApiGatewayDeployment,
    ApiGatewayRestApi,
    ApiGatewayStage,
    ApiGatewayUsagePlan,
    ApiGatewayUsagePlanKey,
    LambdaPermission,
)
from constructs_lib.request_schema import request_schema
from tests.support.stack import resources_of, synth_construct

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:demo"
AUTHORIZER = KeyAuthorizerFunction("demo-authorizer", "arn:aws:lambda:us-east-1:123456789012:function:demo-authorizer")
STREAMING_URI = (
    f"arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/{FUNCTION_ARN}/response-streaming-invocations"
)


def synth_api(
    auth: str = "api_key",
    cors: str = "",
    timeout_seconds: int = 28,
    prompt_max_chars: int = 100,
    rate_limit: int = 5,
    playground: bool = False,
    key_names: tuple[str, ...] = ("key",),
) -> str:
    return synth_construct(
        lambda stack: InferenceApi(
            stack,
            "api",
            api_name="demo",
            stage_name="v1",
            backend=LambdaBackend(
                function_name="demo",
                function_arn=FUNCTION_ARN,
                timeout_seconds=timeout_seconds,
                partition="aws",
                region="us-east-1",
            ),
            request_schema=request_schema(prompt_max_chars=prompt_max_chars, max_tokens_cap=10),
            access=AccessControl(auth=auth, rate_limit=rate_limit, burst_limit=7, daily_quota=100, key_names=key_names),
            logging=ApiLogging(retention_days=30, kms_key_arn=None),
            cors_allow_origin=cors,
            playground=playground,
            authorizer=AUTHORIZER if auth == "api_key" else None,
        )
    )


def api_id(synthesized: str) -> str:
    [found] = json.loads(synthesized)["resource"][ApiGatewayRestApi.TF_RESOURCE_TYPE]
    return found


def permitted(synthesized: str, function_name: str = "demo") -> set[str]:
    """The source ARNs (after the API's execution ARN) that may invoke ``function_name``."""
    return {
        p["source_arn"].rsplit("}", 1)[1]
        for p in resources_of(synthesized, LambdaPermission.TF_RESOURCE_TYPE)
        if p["function_name"] == function_name
    }


def body_of(synthesized: str) -> dict:
    [api] = resources_of(synthesized, ApiGatewayRestApi.TF_RESOURCE_TYPE)
    return json.loads(api["body"])


def operations(document: dict) -> list[tuple[str, str, dict]]:
    return [(path, method, op) for path, item in document["paths"].items() for method, op in item.items()]


def trigger_of(synthesized: str) -> dict:
    [deployment] = resources_of(synthesized, ApiGatewayDeployment.TF_RESOURCE_TYPE)
    return deployment["triggers"]


def test_a_regional_rest_api_whose_body_is_the_openapi_document_with_invoke_and_the_openai_routes():
    synthesized = synth_api()
    assert Testing.to_have_resource_with_properties(
        synthesized,
        ApiGatewayRestApi.TF_RESOURCE_TYPE,
        {
            "name": "demo",
            "endpoint_configuration": {"types": ["REGIONAL"]},
        },
    )
    document = body_of(synthesized)
    assert document["openapi"].startswith("3.0") and document["info"]["title"] == "demo"
    assert [(path, method) for path, method, _ in operations(document)] == [
        ("/invoke", "post"),
        ("/v1/chat/completions", "post"),
        ("/v1/models", "get"),
    ]
    # The document replaces the separate resources; none of them is declared any more.
    declared = set(json.loads(synthesized)["resource"])
    assert not declared & {
        "aws_api_gateway_resource",
        "aws_api_gateway_method",
        "aws_api_gateway_integration",
        "aws_api_gateway_model",
        "aws_api_gateway_request_validator",
        "aws_api_gateway_gateway_response",
    }


@pytest.mark.parametrize("cors", ["", "https://app.example.com"])
def test_every_lambda_integration_streams_through_invoke_with_response_stream(cors):
    document = body_of(synth_api(cors=cors))
    for path, method, op in operations(document):
        integration = op["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy" and integration["httpMethod"] == "POST", (path, method)
        assert integration["responseTransferMode"] == "STREAM", (path, method)
        assert integration["uri"] == STREAMING_URI, (path, method)


def test_the_streaming_uri_follows_the_partition():
    assert LambdaBackend(
        "f", "arn:aws-cn:lambda:cn-north-1:1:function:f", 60, "aws-cn", "cn-north-1"
    ).invocation_uri == (
        "arn:aws-cn:apigateway:cn-north-1:lambda:path/2021-11-15/functions/"
        "arn:aws-cn:lambda:cn-north-1:1:function:f/response-streaming-invocations"
    )


@pytest.mark.parametrize("timeout_seconds", [28, 300, 890, 900])
def test_the_integration_timeout_covers_the_function_timeout_within_the_15_minute_cap(timeout_seconds):
    waits = {
        op["x-amazon-apigateway-integration"]["timeoutInMillis"]
        for _, _, op in operations(body_of(synth_api(timeout_seconds=timeout_seconds)))
    }
    [waited] = waits
    assert timeout_seconds * 1000 <= waited <= 15 * 60 * 1000
    # A cold start's Init phase (up to 10 s) comes before the function timeout starts.
    assert waited == min((timeout_seconds + 10) * 1000, 900_000)


def test_the_rest_api_sets_no_compression_which_streaming_does_not_support():
    [api] = resources_of(synth_api(), ApiGatewayRestApi.TF_RESOURCE_TYPE)
    assert "minimum_compression_size" not in api


def test_the_deployment_is_replaced_when_the_document_changes_and_only_then():
    default = synth_api()
    triggers = trigger_of(default)
    assert triggers["integration_uri"] == STREAMING_URI
    [deployment] = resources_of(default, ApiGatewayDeployment.TF_RESOURCE_TYPE)
    assert deployment["lifecycle"] == {"create_before_destroy": True}
    assert Testing.to_have_resource_with_properties(default, ApiGatewayStage.TF_RESOURCE_TYPE, {"stage_name": "v1"})

    # GIVEN a setting that changes the document (the model's maxLength) and one that does not
    # (stage throttling lives outside the document)
    longer_prompts = synth_api(prompt_max_chars=500)
    other_throttle = synth_api(rate_limit=9)
    # THEN only the first replaces the deployment
    assert body_of(longer_prompts) != body_of(default)
    assert trigger_of(longer_prompts)["document"] != triggers["document"]
    assert body_of(other_throttle) == body_of(default)
    assert trigger_of(other_throttle) == triggers
    assert trigger_of(synth_api(cors="*"))["document"] != triggers["document"]


def test_only_this_apis_stage_and_its_routes_may_invoke_the_function():
    synthesized = synth_api()
    permissions = [
        p for p in resources_of(synthesized, LambdaPermission.TF_RESOURCE_TYPE) if p["function_name"] == "demo"
    ]
    assert {(p["principal"], p["action"]) for p in permissions} == {
        ("apigateway.amazonaws.com", "lambda:InvokeFunction")
    }
    assert {p["source_arn"] for p in permissions} == {
        f"${{aws_api_gateway_rest_api.{api_id(synthesized)}.execution_arn}}/v1/{method}{path}"
        for method, path in [("POST", "/invoke"), ("POST", "/v1/chat/completions"), ("GET", "/v1/models")]
    }


def test_only_this_apis_authorizers_may_invoke_the_key_authorizer():
    synthesized = synth_api()
    [permission] = [
        p
        for p in resources_of(synthesized, LambdaPermission.TF_RESOURCE_TYPE)
        if p["function_name"] == "demo-authorizer"
    ]
    assert (permission["principal"], permission["action"]) == ("apigateway.amazonaws.com", "lambda:InvokeFunction")
    assert (
        permission["source_arn"] == f"${{aws_api_gateway_rest_api.{api_id(synthesized)}.execution_arn}}/authorizers/*"
    )


@pytest.mark.parametrize("auth", ["iam", "none"])
def test_without_api_keys_there_is_no_authorizer_permission_and_no_key(auth):
    synthesized = synth_api(auth=auth)
    assert permitted(synthesized, "demo-authorizer") == set()
    assert resources_of(synthesized, ApiGatewayApiKey.TF_RESOURCE_TYPE) == []


def test_the_key_authorizer_comes_with_api_key_auth_and_only_with_it():
    def build(auth: str, authorizer: KeyAuthorizerFunction | None):
        return lambda stack: InferenceApi(
            stack,
            "api",
            api_name="demo",
            stage_name="v1",
            backend=LambdaBackend("demo", FUNCTION_ARN, 28, "aws", "us-east-1"),
            request_schema=request_schema(prompt_max_chars=100, max_tokens_cap=10),
            access=AccessControl(auth=auth, rate_limit=5, burst_limit=7, daily_quota=100),
            logging=ApiLogging(retention_days=30, kms_key_arn=None),
            authorizer=authorizer,
        )

    with pytest.raises(ValueError, match="the key authorizer is needed with auth 'api_key', and only then"):
        synth_construct(build("api_key", None))
    with pytest.raises(ValueError, match="the key authorizer is needed with auth 'api_key', and only then"):
        synth_construct(build("iam", AUTHORIZER))


def test_the_document_calls_the_key_authorizer_by_its_function_and_the_api_takes_keys_from_it():
    synthesized = synth_api()
    document = body_of(synthesized)
    authorizer = document["components"]["securitySchemes"]["key_authorizer"]["x-amazon-apigateway-authorizer"]
    assert authorizer["authorizerUri"] == (
        f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{AUTHORIZER.function_arn}/invocations"
    )
    assert document["x-amazon-apigateway-api-key-source"] == "AUTHORIZER"
    assert trigger_of(synthesized)["authorizer_arn"] == AUTHORIZER.function_arn


def test_several_keys_share_the_one_usage_plan_and_the_default_key_keeps_its_name_and_id():
    synthesized = synth_api(key_names=("key", "web", "batch"))
    keys = json.loads(synthesized)["resource"][ApiGatewayApiKey.TF_RESOURCE_TYPE]
    assert sorted(key["name"] for key in keys.values()) == ["demo-batch", "demo-key", "demo-web"]
    assert all(key["enabled"] for key in keys.values())
    [plan_id] = json.loads(synthesized)["resource"][ApiGatewayUsagePlan.TF_RESOURCE_TYPE]
    bindings = resources_of(synthesized, ApiGatewayUsagePlanKey.TF_RESOURCE_TYPE)
    assert {b["usage_plan_id"] for b in bindings} == {f"${{aws_api_gateway_usage_plan.{plan_id}.id}}"}
    assert sorted(b["key_id"] for b in bindings) == sorted(f"${{aws_api_gateway_api_key.{key}.id}}" for key in keys)
    # the default key's Terraform id is the one it had as the only key: adding names replaces nothing
    default_only = json.loads(synth_api())["resource"][ApiGatewayApiKey.TF_RESOURCE_TYPE]
    assert set(default_only) < set(keys)


def test_the_playground_adds_a_get_permission_for_each_of_its_files_only():
    synthesized = synth_api(cors="*", playground=True)
    permissions = {
        p["source_arn"].rsplit("}", 1)[1] for p in resources_of(synthesized, LambdaPermission.TF_RESOURCE_TYPE)
    }
    without = {
        p["source_arn"].rsplit("}", 1)[1] for p in resources_of(synth_api(cors="*"), LambdaPermission.TF_RESOURCE_TYPE)
    }
    assert permissions - without == {"/v1/GET/playground", "/v1/GET/playground/script", "/v1/GET/playground/style"}
    assert without >= {"/v1/POST/invoke", "/v1/OPTIONS/invoke"}
    assert "security" not in body_of(synthesized)["paths"]["/playground"]["get"]


@pytest.mark.parametrize("auth", ["api_key", "iam", "none"])
def test_cors_adds_a_credential_free_preflight_to_the_function_and_cors_headers_on_gateway_errors(auth):
    synthesized = synth_api(auth=auth, cors="https://app.example.com")
    document = body_of(synthesized)
    for path in ("/invoke", "/v1/chat/completions", "/v1/models"):
        item = document["paths"][path]
        [method] = set(item) - {"options"}
        assert "security" not in item["options"]
        assert item["options"]["x-amazon-apigateway-integration"] == item[method]["x-amazon-apigateway-integration"]
    assert permitted(synthesized) == {
        "/v1/POST/invoke",
        "/v1/OPTIONS/invoke",
        "/v1/POST/v1/chat/completions",
        "/v1/OPTIONS/v1/chat/completions",
        "/v1/GET/v1/models",
        "/v1/OPTIONS/v1/models",
    }
    responses = document["x-amazon-apigateway-gateway-responses"]
    assert set(responses) == set(openapi.gateway_errors(auth))
    for response in responses.values():
        assert (
            response["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
            == "'https://app.example.com'"
        )


def test_without_cors_there_is_no_preflight_and_gateway_errors_carry_no_cors_header():
    document = body_of(synth_api())
    assert list(document["paths"]["/invoke"]) == ["post"]
    responses = document["x-amazon-apigateway-gateway-responses"]
    assert {kind: r["responseTemplates"]["application/json"] for kind, r in responses.items()} == {
        kind: openapi.error_template(error) for kind, error in openapi.gateway_errors("api_key").items()
    }
    assert not [r for r in responses.values() if "Access-Control-Allow-Origin" in json.dumps(r)]


def test_post_validates_its_body_against_the_request_model():
    document = body_of(synth_api())
    post = document["paths"]["/invoke"]["post"]
    validator = post["x-amazon-apigateway-request-validator"]
    assert document["x-amazon-apigateway-request-validators"][validator]["validateRequestBody"] is True
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/InferenceRequest"
    }
    assert document["components"]["schemas"]["InferenceRequest"] == request_schema(
        prompt_max_chars=100, max_tokens_cap=10
    )


def test_the_published_document_is_the_body_with_placeholders_for_what_only_terraform_knows():
    published = {}
    synth_construct(
        lambda stack: published.update(
            InferenceApi(
                stack,
                "api",
                api_name="demo",
                stage_name="v1",
                backend=LambdaBackend("demo", FUNCTION_ARN, 28, "aws", "us-east-1"),
                request_schema=request_schema(prompt_max_chars=100, max_tokens_cap=10),
                access=AccessControl(auth="api_key", rate_limit=5, burst_limit=7, daily_quota=100),
                logging=ApiLogging(retention_days=30, kms_key_arn=None),
                authorizer=AUTHORIZER,
            ).openapi_document
        )
    )
    text = json.dumps(published)
    assert "<lambda_function_arn>" in text and "<partition>" in text and "<authorizer_function_arn>" in text
    filled = (
        text.replace("<lambda_function_arn>", FUNCTION_ARN)
        .replace("<partition>", "aws")
        .replace("<authorizer_function_arn>", AUTHORIZER.function_arn)
    )
    assert json.loads(filled) == body_of(synth_api())
