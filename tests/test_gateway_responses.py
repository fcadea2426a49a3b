"""API Gateway's own refusals read the same to /invoke clients and to OpenAI clients.

Each gateway response template is rendered the way API Gateway fills it in, then handed, with
its status and headers, to the official openai SDK through an in-memory transport: the SDK must
raise the exception its status means, with our ``type`` and ``code``, and retry only what may be
retried. /invoke clients read ``error.code``, ``error.message`` and ``request_id`` from the same
body.
"""

from __future__ import annotations

import json

import httpx2
import openai
import pytest
from openapi_spec_validator import validate

from tests.test_openapi import build

REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
# API Gateway's default status of each type we customise (developer guide, "Gateway response
# types for API Gateway"); DEFAULT_4XX/5XX stand for whichever type fell through to them.
DEFAULT_STATUS = {
    "BAD_REQUEST_BODY": 400,
    "REQUEST_TOO_LARGE": 413,
    "UNAUTHORIZED": 401,
    "INVALID_API_KEY": 403,
    "WAF_FILTERED": 403,
    "THROTTLED": 429,
    "QUOTA_EXCEEDED": 429,
    "DEFAULT_4XX": 403,
    "DEFAULT_5XX": 504,
    "ACCESS_DENIED": 403,
    "AUTHORIZER_FAILURE": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "INTEGRATION_TIMEOUT": 504,
}


def responses(auth: str, cors: str = "") -> dict[str, dict]:
    return build(auth, cors)["x-amazon-apigateway-gateway-responses"]


def rendered(kind: str, response: dict) -> tuple[int, dict[str, str], str]:
    """Status, headers and body as API Gateway sends them for one response type."""
    body = response["responseTemplates"]["application/json"]
    for variable, value in {
        "$context.error.messageString": json.dumps(f"API Gateway's message for {kind}"),
        "$context.error.responseType": kind,
        "$context.requestId": REQUEST_ID,
    }.items():
        body = body.replace(variable, value)
    headers = {
        name.removeprefix("gatewayresponse.header."): value.strip("'")
        for name, value in response.get("responseParameters", {}).items()
    }
    return int(response.get("statusCode", DEFAULT_STATUS[kind])), headers, body


def sdk_error(
    status: int, headers: dict[str, str], body: str, *, max_retries: int = 0
) -> tuple[openai.APIStatusError, int]:
    """What the openai SDK raises for this answer, and how many requests it made."""
    sent = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        return httpx2.Response(status, headers={**headers, "content-type": "application/json"}, content=body)

    client = openai.OpenAI(
        api_key="k" * 32,
        base_url="https://api.example.test/v1/v1",
        max_retries=max_retries,
        http_client=httpx2.Client(transport=httpx2.MockTransport(answer)),
    )
    with pytest.raises(openai.APIStatusError) as raised:
        client.models.list()
    return raised.value, len(sent)


SDK_EXCEPTION = {
    400: openai.BadRequestError,
    401: openai.AuthenticationError,
    403: openai.PermissionDeniedError,
    404: openai.NotFoundError,
    413: openai.APIStatusError,
    429: openai.RateLimitError,
    500: openai.InternalServerError,
    504: openai.InternalServerError,
}


@pytest.mark.parametrize("auth", ["api_key", "iam", "none"])
def test_every_refusal_has_the_one_error_shape_and_the_sdk_raises_what_its_status_means(auth):
    for kind, response in responses(auth).items():
        status, headers, body = rendered(kind, response)
        parsed = json.loads(body)
        # /invoke's shape plus OpenAI's type and param
        assert set(parsed) == {"error", "request_id"} and parsed["request_id"] == REQUEST_ID, kind
        assert set(parsed["error"]) == {"message", "type", "param", "code"}, kind
        assert parsed["error"]["param"] is None and parsed["error"]["message"], kind
        error, _ = sdk_error(status, headers, body)
        assert isinstance(error, SDK_EXCEPTION[status]), (kind, status, type(error))
        assert (error.type, error.code) == (parsed["error"]["type"], parsed["error"]["code"]), kind


def test_api_gateways_own_message_is_passed_through_where_we_have_no_better_one():
    _status, _headers, body = rendered("BAD_REQUEST_BODY", responses("api_key")["BAD_REQUEST_BODY"])
    assert json.loads(body)["error"] == {
        "message": "API Gateway's message for BAD_REQUEST_BODY",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_body",
    }
    _, _, body = rendered("INTEGRATION_TIMEOUT", responses("api_key")["DEFAULT_5XX"])
    assert json.loads(body)["error"]["code"] == "INTEGRATION_TIMEOUT"


def test_no_key_is_a_401_a_wrong_key_a_403_each_an_authentication_error():
    missing = rendered("ACCESS_DENIED", responses("api_key")["ACCESS_DENIED"])
    wrong = rendered("INVALID_API_KEY", responses("api_key")["INVALID_API_KEY"])
    assert (missing[0], json.loads(missing[2])["error"]["code"]) == (401, "missing_api_key")
    assert "Authorization: Bearer <key>" in json.loads(missing[2])["error"]["message"]
    assert (wrong[0], json.loads(wrong[2])["error"]["code"]) == (403, "invalid_api_key")
    assert isinstance(sdk_error(*missing)[0], openai.AuthenticationError)
    assert isinstance(sdk_error(*wrong)[0], openai.PermissionDeniedError)


def test_access_denied_stays_api_gateways_own_under_iam_where_it_is_not_a_missing_key():
    assert "ACCESS_DENIED" not in responses("iam") and "AUTHORIZER_FAILURE" not in responses("iam")
    assert "ACCESS_DENIED" not in responses("none")


def test_an_unknown_route_is_a_404_except_under_iam_where_it_also_means_an_unsigned_request():
    for auth in ("api_key", "none"):
        status, _, body = rendered("MISSING_AUTHENTICATION_TOKEN", responses(auth)["MISSING_AUTHENTICATION_TOKEN"])
        assert (status, json.loads(body)["error"]["code"]) == (404, "not_found")
    assert "MISSING_AUTHENTICATION_TOKEN" not in responses("iam")  # DEFAULT_4XX: a 403


def test_a_spent_quota_tells_the_sdk_not_to_retry_and_throttling_asks_for_a_retry_after_a_second():
    quota = rendered("QUOTA_EXCEEDED", responses("api_key")["QUOTA_EXCEEDED"])
    assert quota[0] == 429 and quota[1] == {"x-should-retry": "false"}
    error, requests = sdk_error(*quota, max_retries=2)
    assert isinstance(error, openai.RateLimitError) and error.type == "insufficient_quota"
    assert requests == 1  # the SDK obeyed x-should-retry: false

    throttled = rendered("THROTTLED", responses("api_key")["THROTTLED"])
    assert throttled[0] == 429 and throttled[1] == {"Retry-After": "1"}
    error, requests = sdk_error(*throttled, max_retries=1)
    assert isinstance(error, openai.RateLimitError) and error.code == "rate_limit_exceeded"
    assert requests == 2  # retried once, after the second Retry-After asked for


def test_with_cors_every_refusal_carries_the_origin_beside_its_own_headers():
    for kind, response in responses("api_key", "https://app.example.com").items():
        _, headers, _ = rendered(kind, response)
        assert headers["Access-Control-Allow-Origin"] == "https://app.example.com", kind
    _, headers, _ = rendered("QUOTA_EXCEEDED", responses("api_key", "*")["QUOTA_EXCEEDED"])
    assert headers == {"x-should-retry": "false", "Access-Control-Allow-Origin": "*"}


def test_the_document_with_its_gateway_responses_is_valid_openapi():
    for auth in ("api_key", "iam", "none"):
        validate(build(auth, "*"))
