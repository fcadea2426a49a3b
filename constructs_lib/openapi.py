"""The REST API as one OpenAPI 3.0 document, built from the settings by one function per concern.

API Gateway imports the document (``aws_api_gateway_rest_api.body``) and builds the resources,
methods, Lambda integrations, request validator, request model, the key authorizer / SigV4
requirements and gateway responses from it. Synth also writes it to a file for client generators
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
from typing import Any

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


@dataclass(frozen=True)
class GatewayError:
    """How one of API Gateway's own refusals reads (API Gateway developer guide, "Gateway response
    types for API Gateway"), in the error shape of the function and of OpenAI's API."""

    code: str  # stable, like the function's codes (function/errors.py)
    type: str  # OpenAI's error type
    message: str | None = None  # None: API Gateway's own text ($context.error.messageString)
    status: str | None = None  # None: API Gateway's default status for the type
    headers: tuple[tuple[str, str], ...] = ()


# OpenAI's error object is {"message", "type", "param", "code"} (the openai SDK reads the three
# last from the body's "error", openai/_exceptions.py APIError; the SDK's realtime_error.py gives
# "invalid_request_error" and "server_error" as types). The SDK picks its exception by status
# alone (_client.py _make_status_error: 401 AuthenticationError, 403 PermissionDeniedError, 404
# NotFoundError, 429 RateLimitError, >= 500 InternalServerError), so the types only inform.
# A spent quota is OpenAI's "insufficient_quota" type, and x-should-retry: false, which the SDK
# obeys before any status rule (_base_client.py _should_retry): retrying cannot help until the
# quota resets. Throttling asks for a retry after 1 s: usage plan and stage rates are per second.
GATEWAY_ERRORS: dict[str, GatewayError] = {
    "BAD_REQUEST_BODY": GatewayError("invalid_body", "invalid_request_error"),
    "REQUEST_TOO_LARGE": GatewayError("body_too_large", "invalid_request_error"),
    "UNAUTHORIZED": GatewayError("unauthorized", "authentication_error"),
    "INVALID_API_KEY": GatewayError(
        "invalid_api_key", "authentication_error", "the API key is not one of this API's keys"
    ),
    "WAF_FILTERED": GatewayError("waf_blocked", "permission_error"),
    "THROTTLED": GatewayError("rate_limit_exceeded", "rate_limit_error", headers=(("Retry-After", "1"),)),
    "QUOTA_EXCEEDED": GatewayError(
        "api_key_quota_exceeded",
        "insufficient_quota",
        "this API key's daily request quota is used up",
        headers=(("x-should-retry", "false"),),
    ),
    "DEFAULT_4XX": GatewayError("$context.error.responseType", "invalid_request_error"),
    "DEFAULT_5XX": GatewayError("$context.error.responseType", "server_error"),
}
# With the key authorizer (AUTH=api_key), its Deny is ACCESS_DENIED: no key was presented, a
# 401 (authorizer/api_keys.py). Without SigV4 in play, MISSING_AUTHENTICATION_TOKEN means only
# "no such route or method" (its description in the guide), which is a 404 to any client.
KEY_AUTHORIZER_ERRORS: dict[str, GatewayError] = {
    "ACCESS_DENIED": GatewayError(
        "missing_api_key",
        "authentication_error",
        "send the API key as 'Authorization: Bearer <key>' or in the x-api-key header",
        status="401",
    ),
    "AUTHORIZER_FAILURE": GatewayError("authorizer_failed", "server_error"),
    "AUTHORIZER_CONFIGURATION_ERROR": GatewayError("authorizer_failed", "server_error"),
}
NO_SUCH_ROUTE = GatewayError("not_found", "invalid_request_error", "no such route or method", status="404")

# The statuses a caller can get, all with the error body (README "Errors").
ERROR_STATUSES = {
    "400": "Invalid request (the `code` names the problem)",
    "401": "No API key presented (AUTH=api_key)",
    "403": "Invalid API key or signature, or refused by WAF",
    "404": "No such route, or a model this deployment does not serve",
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
    "/invoke",
    "post",
    "Ask the model. JSON answer, or server-sent events (delta, done, error) when `stream` is true.",
    request_model=REQUEST_MODEL,
    response_model="InferenceResponse",
    streams=True,
)
# OpenAI's API: clients take the URL up to here as their base_url and append the rest. The app
# validates these bodies itself (OpenAI clients send many fields),
# so API Gateway gets no request model for them.
OPENAI_BASE_PATH = "/v1"
CHAT_COMPLETIONS = Route(
    f"{OPENAI_BASE_PATH}/chat/completions",
    "post",
    "OpenAI-compatible chat completion: a `chat.completion`, or `chat.completion.chunk` events when `stream` is true.",
    streams=True,
)
MODELS = Route(f"{OPENAI_BASE_PATH}/models", "get", "OpenAI-compatible list of the models this deployment serves.")
ROUTES: tuple[Route, ...] = (INVOKE, CHAT_COMPLETIONS, MODELS)
# With PLAYGROUND on: the page and its two files (function/playground.py serves them at these
# paths). Public, so a browser can load the page before it has the key; the page then calls
# /invoke on the same stage with the key the person types in.
PLAYGROUND_ROUTES: tuple[Route, ...] = (
    Route(
        "/playground", "get", "The playground: a page to try /invoke in a browser", media_type="text/html", public=True
    ),
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


def lambda_integration(uri: str, timeout_ms: int) -> dict[str, Any]:
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


def authorizer_invocation_uri(partition: str, region: str, function_arn: str) -> str:
    """API Gateway's URI for a Lambda authorizer: Lambda's (buffered) Invoke, API version
    2015-03-31 (the ``authorizerUri`` of ``x-amazon-apigateway-authorizer``)."""
    return f"arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def key_authorizer(authorizer_uri: str) -> dict[str, Any]:
    """The Lambda REQUEST authorizer that finds the key in ``x-api-key`` or ``Authorization: Bearer``.

    ``x-amazon-apigateway-authtype: custom`` with ``x-amazon-apigateway-authorizer`` of type
    ``request`` (API Gateway's OpenAPI extensions). Caching is off and there is no identity
    source, on purpose. The API reference (Authorizer ``identitySource``) says the identity
    sources "will be used to derive the authorization caching key and to perform runtime
    validation of the REQUEST authorizer by verifying all of the identity-related request
    parameters are present, not null and non-empty ... otherwise, it returns a 401 Unauthorized
    response without calling the Lambda function", and that for a REQUEST authorizer "when the
    authorization caching is not enabled, this property is optional". A caller sends one header
    or the other, never necessarily both: any identity source would refuse half of them, and a
    cache keyed on anything less than the key would serve one caller's key to another. With TTL
    0 the authorizer runs on every request (milliseconds, on a 128 MB function) and API Gateway
    meters exactly the key of that request.
    """
    return {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "description": (
            "The API key as 'Authorization: Bearer <key>' (what OpenAI clients send) or in the x-api-key header."
        ),
        "x-amazon-apigateway-authtype": "custom",
        "x-amazon-apigateway-authorizer": {
            "type": "request",
            "authorizerUri": authorizer_uri,
            "authorizerResultTtlInSeconds": 0,
        },
    }


# API Gateway's OpenAPI forms: "Configure a method to use API keys with an OpenAPI definition" (an
# ``apiKey`` scheme named x-api-key marks the method as requiring a key, so the usage plan meters
# it) and the ``x-amazon-apigateway-authtype`` property (``awsSigv4`` on an ``apiKey`` scheme over
# the Authorization header means AWS_IAM). With AUTH=api_key an operation requires both the key
# and the key authorizer (one requirement object: AND); the key itself comes from the authorizer.
API_KEY_SCHEME = {"type": "apiKey", "name": "x-api-key", "in": "header"}
SIGV4_SCHEME = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": "awsSigv4",
}
AUTHS = ("api_key", "iam", "none")


def security_schemes(auth: str, authorizer_uri: str | None = None) -> dict[str, Any]:
    """The schemes AUTH needs; an unknown AUTH is an error, never an open API."""
    if auth not in AUTHS:
        raise ValueError(f"unknown auth {auth!r}: expected one of {', '.join(AUTHS)}")
    if auth == "api_key":
        if not authorizer_uri:
            raise ValueError("auth 'api_key' needs the key authorizer's URI")
        return {"api_key": API_KEY_SCHEME, "key_authorizer": key_authorizer(authorizer_uri)}
    return {"sigv4": SIGV4_SCHEME} if auth == "iam" else {}


def security_requirement(auth: str) -> list[dict[str, list[str]]]:
    """The operation-level requirement (API Gateway ignores a document-level ``security``)."""
    names = {"api_key": ["api_key", "key_authorizer"], "iam": ["sigv4"], "none": []}[auth]
    return [{name: [] for name in names}] if names else []


def api_key_source(auth: str) -> dict[str, Any]:
    """Usage plans meter the key the authorizer returns (x-amazon-apigateway-api-key-source:
    AUTHORIZER, its ``usageIdentifierKey``), not only the X-API-Key header."""
    return {"x-amazon-apigateway-api-key-source": "AUTHORIZER"} if auth == "api_key" else {}


# --- what reaches the function --------------------------------------------------------------


def request_validators() -> dict[str, Any]:
    """One validator that checks the body against its model (and any required parameters)."""
    return {
        "x-amazon-apigateway-request-validators": {
            VALIDATOR: {"validateRequestBody": True, "validateRequestParameters": True},
        }
    }


def request_body(model: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(model)}}}


def gateway_errors(auth: str) -> dict[str, GatewayError]:
    """The refusals this AUTH can meet, each with its code, type, status and headers."""
    errors = dict(GATEWAY_ERRORS)
    if auth == "api_key":
        errors.update(KEY_AUTHORIZER_ERRORS)
    if auth != "iam":
        errors["MISSING_AUTHENTICATION_TOKEN"] = NO_SUCH_ROUTE
    return errors


def error_template(error: GatewayError) -> str:
    """``{"error": {"message", "type", "param", "code"}, "request_id"}`` as a gateway response
    template. ``messageString`` arrives already quoted (a JSON string); ``validationErrorString``
    does not (it quotes field names), so it would break the JSON and is left out."""
    placeholder = "MESSAGE_FROM_API_GATEWAY"
    body = {
        "error": {"message": error.message or placeholder, "type": error.type, "param": None, "code": error.code},
        "request_id": "$context.requestId",
    }
    return json.dumps(body).replace(f'"{placeholder}"', "$context.error.messageString")


def gateway_responses(cors_allow_origin: str, auth: str) -> dict[str, Any]:
    """API Gateway's own refusals in the one error shape (``x-amazon-apigateway-gateway-responses``);
    with CORS on, a browser may read them too."""
    responses = {}
    for kind, error in gateway_errors(auth).items():
        response: dict[str, Any] = {"responseTemplates": {"application/json": error_template(error)}}
        if error.status:
            response["statusCode"] = error.status
        headers = dict(error.headers)
        if cors_allow_origin:
            headers["Access-Control-Allow-Origin"] = cors_allow_origin
        if headers:
            response["responseParameters"] = {
                f"gatewayresponse.header.{name}": f"'{value}'" for name, value in headers.items()
            }
        responses[kind] = response
    return {"x-amazon-apigateway-gateway-responses": responses}


# --- paths ----------------------------------------------------------------------------------


def operation(route: Route, auth: str, integration: dict[str, Any]) -> dict[str, Any]:
    """One Lambda route: its security, its validated body, its answers, its integration."""
    found: dict[str, Any] = {"summary": route.summary, "operationId": _operation_id(route)}
    requirement = [] if route.public else security_requirement(auth)
    if requirement:
        found["security"] = requirement
    if route.request_model:
        found["requestBody"] = request_body(route.request_model)
        found["x-amazon-apigateway-request-validator"] = VALIDATOR
    found["responses"] = responses(route)
    found["x-amazon-apigateway-integration"] = integration
    return found


def preflight(integration: dict[str, Any]) -> dict[str, Any]:
    """``OPTIONS`` for browsers' CORS preflight, answered by the function (204 and the CORS
    headers). A preflight carries no credentials, so it requires none."""
    return {
        "summary": "CORS preflight",
        "responses": {"204": {"description": "The CORS headers; no body"}},
        "x-amazon-apigateway-integration": integration,
    }


def responses(route: Route) -> dict[str, Any]:
    """The success answer (JSON, or an event stream) and every error status, in the error shape.

    The event stream has no schema: API Gateway takes response schemas as models, which must be
    objects (API Gateway "important notes for REST APIs").
    """
    success: dict[str, Any] = {route.media_type: {"schema": _ref(route.response_model)} if route.response_model else {}}
    if route.streams:
        success["text/event-stream"] = {}
    found = {"200": {"description": "The answer", "content": success}}
    for status, meaning in ERROR_STATUSES.items():
        found[status] = {"description": meaning, "content": {"application/json": {"schema": _ref("Error")}}}
    return found


def paths(routes: Iterable[Route], auth: str, cors_allow_origin: str, integration: dict[str, Any]) -> dict[str, Any]:
    """Every route, and an ``OPTIONS`` preflight on each of their paths when CORS is on (not on
    a public page's: a browser loads it without asking)."""
    found: dict[str, dict[str, Any]] = {}
    for route in routes:
        found.setdefault(route.path, {})[route.method] = operation(route, auth, integration)
        if cors_allow_origin and not route.public:
            found[route.path]["options"] = preflight(integration)
    return found


def preflight_paths(routes: Iterable[Route], cors_allow_origin: str) -> list[str]:
    """The paths that answer ``OPTIONS`` (for their Lambda permissions)."""
    return sorted({route.path for route in routes if not route.public}) if cors_allow_origin else []


# --- the document ---------------------------------------------------------------------------


def response_schemas() -> dict[str, Any]:
    """The function's answers (function/replies.py, errors.py): described, not enforced."""
    usage = {
        "type": "object",
        "properties": {"input_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"}},
    }
    return {
        "InferenceResponse": {
            "type": "object",
            "properties": {
                "completion": {"type": "string"},
                "model": {"type": "string"},
                "stop_reason": {"type": "string"},
                "usage": usage,
                "request_id": {"type": "string"},
            },
        },
        "Error": {
            "type": "object",
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {
                        "message": {"type": "string"},
                        "type": {"type": "string"},
                        "param": {"type": "string"},  # null unless a field is at fault
                        "code": {"type": "string"},
                    },
                },
                "request_id": {"type": "string"},
            },
        },
    }


def document(
    *,
    title: str,
    auth: str,
    cors_allow_origin: str,
    request_schemas: dict[str, dict[str, Any]],
    integration: dict[str, Any],
    routes: Iterable[Route] = ROUTES,
    authorizer_uri: str | None = None,
) -> dict[str, Any]:
    """The whole REST API; every Lambda route shares ``integration``, and with AUTH=api_key the
    key authorizer at ``authorizer_uri``."""
    routes = tuple(routes)
    components: dict[str, Any] = {"schemas": {**request_schemas, **response_schemas()}}
    schemes = security_schemes(auth, authorizer_uri)
    if schemes:
        components["securitySchemes"] = schemes
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "description": DESCRIPTION, "version": "1.0"},
        "paths": paths(routes, auth, cors_allow_origin, integration),
        "components": components,
        **api_key_source(auth),
        **request_validators(),
        **gateway_responses(cors_allow_origin, auth),
    }


def write_document(document_: dict[str, Any], directory: Path) -> Path:
    """``directory/openapi.json``, for client generators (README "Clients from the OpenAPI document")."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DOCUMENT_FILE
    path.write_text(json.dumps(document_, indent=2) + "\n")
    return path


def _ref(model: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model}"}


def _operation_id(route: Route) -> str:
    words = [part for part in route.path.replace("-", "/").replace(".", "/").split("/") if part]
    return route.method + "".join(word[:1].upper() + word[1:] for word in words)
