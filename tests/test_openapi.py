"""The OpenAPI document: valid OpenAPI 3.0 for every AUTH and CORS setting, within API Gateway's
rules for imported documents, with the security each AUTH asks for."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from constructs_lib import openapi
from constructs_lib.request_schema import MODEL_NAME, request_schema
from function.models import MODELS, ModelFacts
from function.playground import ASSETS

URI = openapi.streaming_invocation_uri("aws", "us-east-1", "arn:aws:lambda:us-east-1:123456789012:function:demo")
AUTHORIZER_URI = openapi.authorizer_invocation_uri(
    "aws", "us-east-1", "arn:aws:lambda:us-east-1:123456789012:function:demo-authorizer"
)


def build(
    auth: str = "api_key",
    cors: str = "",
    routes: tuple[openapi.Route, ...] = openapi.ROUTES,
    model: ModelFacts | None = None,
) -> dict:
    return openapi.document(
        title="demo",
        auth=auth,
        cors_allow_origin=cors,
        request_schemas={MODEL_NAME: request_schema(prompt_max_chars=100, max_tokens_cap=10, models=[model])},
        integration=openapi.lambda_integration(URI, openapi.integration_timeout_ms(60)),
        routes=routes,
        authorizer_uri=AUTHORIZER_URI if auth == "api_key" else None,
    )


def schemas_in(node: object) -> Iterator[dict]:
    """Every dict nested in ``node`` (schemas and everything else), for rule checks."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from schemas_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from schemas_in(value)


@pytest.mark.parametrize("cors", ["", "*", "https://app.example.com"])
@pytest.mark.parametrize("auth", ["api_key", "iam", "none"])
def test_the_document_is_valid_openapi_3_0(auth, cors):
    validate(build(auth, cors))  # raises with the offending path on any violation


@pytest.mark.parametrize("model", MODELS, ids=lambda row: row.name)
def test_the_document_is_valid_openapi_3_0_for_every_models_request_schema(model):
    document = build(model=model)
    validate(document)
    unsupported = {"nullable", "oneOf", "discriminator", "example", "exclusiveMinimum", "readOnly", "$schema"}
    assert not [node for node in schemas_in(document["components"]) if unsupported & set(node)]


def test_the_validator_refuses_what_openapi_3_0_forbids():
    # The check above can fail: a JSON Schema type list is not OpenAPI 3.0.
    broken = build()
    broken["components"]["schemas"][MODEL_NAME]["properties"]["prompt"] = {"type": ["string", "null"]}
    with pytest.raises(Exception, match="is not valid"):
        validate(broken)


@pytest.mark.parametrize("auth", ["api_key", "iam", "none"])
def test_the_document_keeps_to_api_gateways_openapi_rules(auth):
    document = build(auth, "https://app.example.com")
    # API Gateway "important notes for REST APIs": security only at operation level, model names
    # alphanumeric, response schemas objects, and no keywords its draft-4 models lack.
    assert "security" not in document
    assert all(name.isalnum() for name in document["components"]["schemas"])
    for name, schema in openapi.response_schemas().items():
        assert schema["type"] == "object", name
    unsupported = {"nullable", "oneOf", "discriminator", "example", "exclusiveMinimum", "readOnly", "$schema"}
    assert not [
        sorted(unsupported & set(node)) for node in schemas_in(document["components"]) if unsupported & set(node)
    ]


def test_api_key_auth_requires_a_key_found_by_the_key_authorizer_on_every_route():
    document = build("api_key", "*")
    schemes = document["components"]["securitySchemes"]
    # the x-api-key scheme marks each method as needing a key, so the usage plan meters it ...
    assert schemes["api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    # ... and the key comes from the authorizer, which reads x-api-key or Authorization: Bearer
    assert document["x-amazon-apigateway-api-key-source"] == "AUTHORIZER"
    authorizer = schemes["key_authorizer"]
    assert (authorizer["type"], authorizer["in"], authorizer["x-amazon-apigateway-authtype"]) == (
        "apiKey",
        "header",
        "custom",
    )
    assert authorizer["x-amazon-apigateway-authorizer"] == {
        "type": "request",
        "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:demo-authorizer/invocations",
        "authorizerResultTtlInSeconds": 0,
    }
    for route in openapi.ROUTES:
        operation = document["paths"][route.path][route.method]
        assert operation["security"] == [{"api_key": [], "key_authorizer": []}], route.path
        assert "security" not in document["paths"][route.path]["options"]


def test_the_authorizer_is_never_cached_and_needs_no_identity_header():
    # A cache keyed on less than the key would serve one caller's key to another, and an identity
    # source header would be a 401 before the authorizer runs for callers who send the other one.
    authorizer = build("api_key")["components"]["securitySchemes"]["key_authorizer"]["x-amazon-apigateway-authorizer"]
    assert authorizer["authorizerResultTtlInSeconds"] == 0
    assert "identitySource" not in authorizer


def test_api_key_auth_without_the_authorizer_is_refused():
    with pytest.raises(ValueError, match="auth 'api_key' needs the key authorizer's URI"):
        openapi.security_schemes("api_key")


def test_iam_auth_requires_a_sigv4_signature_on_post():
    document = build("iam", "*")
    assert document["components"]["securitySchemes"] == {
        "sigv4": {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "awsSigv4",
        }
    }
    assert document["paths"]["/invoke"]["post"]["security"] == [{"sigv4": []}]
    assert "x-amazon-apigateway-api-key-source" not in document
    assert "key_authorizer" not in document["components"]["securitySchemes"]
    assert "security" not in document["paths"]["/invoke"]["options"]


def test_no_auth_requires_nothing():
    document = build("none")
    assert "securitySchemes" not in document["components"]
    assert "security" not in document["paths"]["/invoke"]["post"]
    assert "x-amazon-apigateway-api-key-source" not in document


def test_an_unknown_auth_is_refused_rather_than_left_open():
    with pytest.raises(ValueError, match="unknown auth 'basic': expected one of api_key, iam, none"):
        build("basic")


def test_the_openai_routes_are_routed_like_invoke_without_its_request_model():
    document = build("api_key", "*")
    validate(document)
    invoke = document["paths"]["/invoke"]["post"]
    chat = document["paths"]["/v1/chat/completions"]
    models = document["paths"]["/v1/models"]
    assert set(chat) == {"post", "options"} and set(models) == {"get", "options"}
    for operation in (chat["post"], models["get"]):
        assert operation["x-amazon-apigateway-integration"] == invoke["x-amazon-apigateway-integration"]
        assert operation["security"] == invoke["security"]
        # the app validates OpenAI bodies itself: API Gateway's /invoke model would refuse them
        assert "requestBody" not in operation and "x-amazon-apigateway-request-validator" not in operation
    assert set(chat["post"]["responses"]["200"]["content"]) == {"application/json", "text/event-stream"}
    assert set(models["get"]["responses"]["200"]["content"]) == {"application/json"}
    assert openapi.preflight_paths(openapi.ROUTES, "*") == ["/invoke", "/v1/chat/completions", "/v1/models"]


def test_another_lambda_route_is_one_more_route_with_the_same_integration_security_and_preflight():
    # GIVEN one more route, as a later API would add
    embeddings = openapi.Route("/v1/embeddings", "post", "Embed texts")
    document = build("iam", "*", (*openapi.ROUTES, embeddings))
    # THEN it is routed like /invoke, and the document stays valid
    validate(document)
    added = document["paths"]["/v1/embeddings"]
    assert set(added) == {"post", "options"}
    assert (
        added["post"]["x-amazon-apigateway-integration"]
        == document["paths"]["/invoke"]["post"]["x-amazon-apigateway-integration"]
    )
    assert added["post"]["security"] == [{"sigv4": []}]


def test_the_answer_is_json_or_an_event_stream_and_every_error_has_the_error_shape():
    responses = build()["paths"]["/invoke"]["post"]["responses"]
    assert set(responses["200"]["content"]) == {"application/json", "text/event-stream"}
    errors = {status: r for status, r in responses.items() if status != "200"}
    assert {"400", "401", "403", "404", "413", "429", "504"} <= set(errors)
    assert all(
        r["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"} for r in errors.values()
    )


def test_the_document_is_written_as_indented_json(tmp_path: Path):
    path = openapi.write_document(build(), tmp_path / "stacks" / "demo")
    assert path == tmp_path / "stacks" / "demo" / "openapi.json"
    assert json.loads(path.read_text()) == build()
    assert path.read_text().startswith('{\n  "openapi": "3.0.1"')


def test_without_the_playground_setting_no_page_is_routed():
    assert openapi.api_routes(playground=False) == openapi.ROUTES
    assert not [path for path in build()["paths"] if "playground" in path]


@pytest.mark.parametrize("cors", ["", "*"])
@pytest.mark.parametrize("auth", ["api_key", "none"])
def test_the_playground_setting_adds_public_get_routes_for_the_page_and_nothing_else(auth, cors):
    # GIVEN the document with PLAYGROUND on
    with_page = build(auth, cors, openapi.api_routes(playground=True))
    validate(with_page)
    without = build(auth, cors)
    # THEN it routes exactly the page's three files, each a GET with no authentication and no preflight ...
    added = {path: with_page["paths"][path] for path in set(with_page["paths"]) - set(without["paths"])}
    assert sorted(added) == ["/playground", "/playground/script", "/playground/style"]
    for path, item in added.items():
        assert list(item) == ["get"], path
        assert "security" not in item["get"] and "requestBody" not in item["get"]
        assert (
            item["get"]["x-amazon-apigateway-integration"]
            == with_page["paths"]["/invoke"]["post"]["x-amazon-apigateway-integration"]
        )
    assert list(added["/playground"]["get"]["responses"]["200"]["content"]) == ["text/html"]
    # ... and /invoke is exactly as it was: the key is still required there
    assert with_page["paths"]["/invoke"] == without["paths"]["/invoke"]
    assert openapi.preflight_paths(openapi.api_routes(playground=True), cors) == openapi.preflight_paths(
        openapi.ROUTES, cors
    )


def test_the_playground_routes_are_the_paths_the_function_serves_the_page_at():
    assert [route.path for route in openapi.PLAYGROUND_ROUTES] == [asset.path for asset in ASSETS]
    assert [route.media_type for route in openapi.PLAYGROUND_ROUTES] == [asset.media_type for asset in ASSETS]
