"""The REST API as one OpenAPI 3.0 document, built from the settings by one function per concern.

API Gateway imports the document (``aws_api_gateway_rest_api.body``) and builds the resources,
methods, Lambda integrations, request validator, request model, API key / SigV4 requirements and
gateway responses from it. Synth also writes it to a file for client generators
(``write_document``). The document is data, never a template string.

Why one document: AWS provider 5.x has no ``response_transfer_mode`` on
``aws_api_gateway_integration``, but the ``x-amazon-apigateway-integration`` extension carries
``responseTransferMode: STREAM``. AWS's own Terraform sample does exactly this with provider
``~> 5.0`` (aws-samples/serverless-samples,
``apigw-response-streaming/node-lambda-sse/terraform/main.tf``), and its Python sample
(``apigw-response-streaming/python-strands-lambda/api-gateway-config.yaml``) is the same
integration in OpenAPI form.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from constructs_lib.request_schema import MODEL_NAME as REQUEST_MODEL

OPENAPI_VERSION = "3.0.1"  # the version API Gateway's own OpenAPI 3 examples use
DOCUMENT_FILE = "openapi.json"
DESCRIPTION = "Amazon Bedrock inference endpoint"

# API Gateway "Stream the integration response for your proxy integrations": a streamed response
# may last up to 15 minutes (idle timeout 5 minutes on Regional endpoints), and the integration
# timeout of a STREAM integration may be set up to 15 minutes. Streaming rules out caching, VTL
# response mapping and content encoding, so this API sets none of them (no
# minimum_compression_size on the REST API).
STREAMING_TIMEOUT_MAX_MS = 15 * 60 * 1000
# A cold start runs the Init phase (up to 10 s, AWS Lambda "Understanding the Lambda execution
# environment lifecycle") before the function timeout starts counting: the integration waits
# that much longer than the function may run, so the function always ends first.
INIT_PHASE_SECONDS = 10

VALIDATOR = "body-and-parameters"

# Errors API Gateway answers itself (bad body, missing key, throttled, ...) in the function's
# error shape, so callers parse one format whoever refused them.
GATEWAY_ERROR_TEMPLATES = {
    # messageString is already a quoted JSON string; validationErrorString is not escaped (it
    # quotes field names), so it would break the JSON and is left out.
    "BAD_REQUEST_BODY": '{"error": {"code": "invalid_body", "message": $context.error.messageString}, "request_id": "$context.requestId"}',
    "DEFAULT_4XX": '{"error": {"code": "$context.error.responseType", "message": $context.error.messageString}, "request_id": "$context.requestId"}',
    "DEFAULT_5XX": '{"error": {"code": "$context.error.responseType", "message": $context.error.messageString}, "request_id": "$context.requestId"}',
}

# The statuses a caller can get, all with the error body (README "Errors").
ERROR_STATUSES = {
    "400": "Invalid request (the `code` names the problem)",
    "403": "Missing or invalid API key or signature, or refused by WAF",
    "413": "Body or text too large",
    "415": "Content-Type is not application/json",
    "429": "Throttled, or the usage plan's quota is used up",
    "500": "The function cannot use its configured model",
    "502": "The model or Bedrock failed",
    "503": "Bedrock is unavailable or the model is not ready",
    "504": "The model did not answer in time",
}


@dataclass(frozen=True)
class Route:
    """One operation the function serves. A new route is one more ``Route(...)`` in ``ROUTES``."""

    path: str
    method: str  # lower case, as OpenAPI writes it
    summary: str
    request_model: str | None = None  # a name in the document's components/schemas
    response_model: str | None = None
    streams: bool = False  # may answer text/event-stream
    media_type: str = "application/json"  # of the success answer
    public: bool = False  # no authentication, whatever AUTH says: the playground page only

    @property
    def http_method(self) -> str:
        return self.method.upper()


INVOKE = Route(
    "/invoke", "post",
    "Ask the model. JSON answer, or server-sent events (delta, done, error) when `stream` is true.",
    request_model=REQUEST_MODEL,
    response_model="InferenceResponse",
    streams=True,
)
ROUTES: tuple[Route, ...] = (INVOKE,)
# With PLAYGROUND on: the page and its two files (function/playground.py serves them at these
# paths). Public, so a browser can load the page before it has the key; the page then calls
# /invoke on the same stage with the key the person types in.
PLAYGROUND_ROUTES: tuple[Route, ...] = (
    Route("/playground", "get", "The playground: a page to try /invoke in a browser", media_type="text/html",
          public=True),
    Route("/playground/script", "get", "The playground's script", media_type="text/javascript", public=True),
    Route("/playground/style", "get", "The playground's style sheet", media_type="text/css", public=True),
)


def api_routes(*, playground: bool) -> tuple[Route, ...]:
    """The API's routes: ``ROUTES``, and the playground's when PLAYGROUND is on."""
    return ROUTES + (PLAYGROUND_ROUTES if playground else ())


# --- the Lambda integration -----------------------------------------------------------------

def streaming_invocation_uri(partition: str, region: str, function_arn: str) -> str:
    """API Gateway's URI for Lambda's InvokeWithResponseStream (API version 2021-11-15).

    API Gateway "Set up a Lambda proxy integration with payload response streaming": a STREAM
    integration must call this action, not the ``2015-03-31/.../invocations`` of a buffered one.
    """
    return (
        f"arn:{partition}:apigateway:{region}:lambda:path/2021-11-15/functions/"
        f"{function_arn}/response-streaming-invocations"
    )


def integration_timeout_ms(function_timeout_seconds: int) -> int:
    """Long enough for a cold start plus the whole function timeout, within the 15-minute cap."""
    return min((function_timeout_seconds + INIT_PHASE_SECONDS) * 1000, STREAMING_TIMEOUT_MAX_MS)


def lambda_integration(uri: str, timeout_ms: int) -> dict:
    """``x-amazon-apigateway-integration`` for a Lambda proxy whose answer streams through.

    Lambda is always invoked with POST, whatever the caller's method (API Gateway's
    ``x-amazon-apigateway-integration`` object: httpMethod "must be POST" for Lambda).
    """
    return {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": uri,
        "responseTransferMode": "STREAM",
        "timeoutInMillis": timeout_ms,
    }


# --- who may call ---------------------------------------------------------------------------

# AUTH → its security scheme, in API Gateway's OpenAPI forms: "Configure a method to use API keys
# with an OpenAPI definition" (an ``apiKey`` scheme named x-api-key) and the
# ``x-amazon-apigateway-authtype`` property (``awsSigv4`` on an ``apiKey`` scheme over the
# Authorization header means AWS_IAM).
SECURITY_SCHEMES: dict[str, dict] = {
    "api_key": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}},
    "iam": {"sigv4": {
        "type": "apiKey", "name": "Authorization", "in": "header",
        "x-amazon-apigateway-authtype": "awsSigv4",
    }},
    "none": {},
}


def security_schemes(auth: str) -> dict:
    """The scheme AUTH names; an unknown AUTH is an error, never an open API."""
    if auth not in SECURITY_SCHEMES:
        raise ValueError(f"unknown auth {auth!r}: expected one of {', '.join(SECURITY_SCHEMES)}")
    return SECURITY_SCHEMES[auth]


def security_requirement(auth: str) -> list[dict]:
    """The operation-level requirement (API Gateway ignores a document-level ``security``)."""
    return [{name: []} for name in security_schemes(auth)]


def api_key_source(auth: str) -> dict:
    """Usage plans meter the key in the ``X-API-Key`` header (x-amazon-apigateway-api-key-source)."""
    return {"x-amazon-apigateway-api-key-source": "HEADER"} if auth == "api_key" else {}


# --- what reaches the function --------------------------------------------------------------

def request_validators() -> dict:
    """One validator that checks the body against its model (and any required parameters)."""
    return {"x-amazon-apigateway-request-validators": {
        VALIDATOR: {"validateRequestBody": True, "validateRequestParameters": True},
    }}


def request_body(model: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(model)}}}


def gateway_responses(cors_allow_origin: str) -> dict:
    """API Gateway's own refusals in the function's error shape; with CORS on, a browser may
    read them too (``x-amazon-apigateway-gateway-responses``)."""
    responses = {}
    for kind, template in GATEWAY_ERROR_TEMPLATES.items():
        response: dict = {"responseTemplates": {"application/json": template}}
        if cors_allow_origin:
            response["responseParameters"] = {
                "gatewayresponse.header.Access-Control-Allow-Origin": f"'{cors_allow_origin}'",
            }
        responses[kind] = response
    return {"x-amazon-apigateway-gateway-responses": responses}


# --- paths ----------------------------------------------------------------------------------

def operation(route: Route, auth: str, integration: dict) -> dict:
    """One Lambda route: its security, its validated body, its answers, its integration."""
    found: dict = {"summary": route.summary, "operationId": _operation_id(route)}
    requirement = [] if route.public else security_requirement(auth)
    if requirement:
        found["security"] = requirement
    if route.request_model:
        found["requestBody"] = request_body(route.request_model)
        found["x-amazon-apigateway-request-validator"] = VALIDATOR
    found["responses"] = responses(route)
    found["x-amazon-apigateway-integration"] = integration
    return found


def preflight(integration: dict) -> dict:
    """``OPTIONS`` for browsers' CORS preflight, answered by the function (204 and the CORS
    headers). A preflight carries no credentials, so it requires none."""
    return {
        "summary": "CORS preflight",
        "responses": {"204": {"description": "The CORS headers; no body"}},
        "x-amazon-apigateway-integration": integration,
    }


def responses(route: Route) -> dict:
    """The success answer (JSON, or an event stream) and every error status, in the error shape.

    The event stream has no schema: API Gateway takes response schemas as models, which must be
    objects (API Gateway "important notes for REST APIs").
    """
    success: dict = {route.media_type: {"schema": _ref(route.response_model)} if route.response_model else {}}
    if route.streams:
        success["text/event-stream"] = {}
    found = {"200": {"description": "The answer", "content": success}}
    for status, meaning in ERROR_STATUSES.items():
        found[status] = {"description": meaning, "content": {"application/json": {"schema": _ref("Error")}}}
    return found


def paths(routes: Iterable[Route], auth: str, cors_allow_origin: str, integration: dict) -> dict:
    """Every route, and an ``OPTIONS`` preflight on each of their paths when CORS is on (not on
    a public page's: a browser loads it without asking)."""
    found: dict[str, dict] = {}
    for route in routes:
        found.setdefault(route.path, {})[route.method] = operation(route, auth, integration)
        if cors_allow_origin and not route.public:
            found[route.path]["options"] = preflight(integration)
    return found


def preflight_paths(routes: Iterable[Route], cors_allow_origin: str) -> list[str]:
    """The paths that answer ``OPTIONS`` (for their Lambda permissions)."""
    return sorted({route.path for route in routes if not route.public}) if cors_allow_origin else []


# --- the document ---------------------------------------------------------------------------

def response_schemas() -> dict:
    """The function's answers (function/replies.py, errors.py): described, not enforced."""
    usage = {"type": "object", "properties": {"input_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"}}}
    return {
        "InferenceResponse": {"type": "object", "properties": {
            "completion": {"type": "string"},
            "model": {"type": "string"},
            "stop_reason": {"type": "string"},
            "usage": usage,
            "request_id": {"type": "string"},
        }},
        "Error": {"type": "object", "properties": {
            "error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}},
            "request_id": {"type": "string"},
        }},
    }


def document(
    *,
    title: str,
    auth: str,
    cors_allow_origin: str,
    request_schemas: dict[str, dict],
    integration: dict,
    routes: Iterable[Route] = ROUTES,
) -> dict:
    """The whole REST API; every Lambda route shares ``integration``."""
    routes = tuple(routes)
    components: dict = {"schemas": {**request_schemas, **response_schemas()}}
    schemes = security_schemes(auth)
    if schemes:
        components["securitySchemes"] = schemes
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "description": DESCRIPTION, "version": "1.0"},
        "paths": paths(routes, auth, cors_allow_origin, integration),
        "components": components,
        **api_key_source(auth),
        **request_validators(),
        **gateway_responses(cors_allow_origin),
    }


def write_document(document_: dict, directory: Path) -> Path:
    """``directory/openapi.json``, for client generators (README "Clients from the OpenAPI document")."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DOCUMENT_FILE
    path.write_text(json.dumps(document_, indent=2) + "\n")
    return path


def _ref(model: str) -> dict:
    return {"$ref": f"#/components/schemas/{model}"}


def _operation_id(route: Route) -> str:
    words = [part for part in route.path.replace("-", "/").replace(".", "/").split("/") if part]
    return route.method + "".join(word[:1].upper() + word[1:] for word in words)
