"""The key authorizer's handler: which header carries the key, and what API Gateway is told.

Pure tests: a REQUEST event (tests/events/authorizer_request.json, the shape API Gateway sends)
with the headers under test, and the answer compared with what API Gateway expects of a Lambda
authorizer whose API takes its key from the authorizer.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from authorizer import api_keys

EVENT = json.loads((Path(__file__).parent / "events" / "authorizer_request.json").read_text())
METHOD_ARN = EVENT["methodArn"]
KEY = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"  # 32 letters and digits, as API Gateway generates them
OTHER_KEY = "Zz9yXx8wVv7uTt6sRr5qQq4pPp3oOo2n"


def event_with(**headers: str) -> dict:
    return {**EVENT, "headers": {**EVENT["headers"], **headers}}


def allowed_key(answer: dict) -> str:
    [statement] = answer["policyDocument"]["Statement"]
    assert (statement["Effect"], statement["Action"], statement["Resource"]) == (
        "Allow",
        "execute-api:Invoke",
        METHOD_ARN,
    )
    return answer["usageIdentifierKey"]


def assert_denied(answer: dict) -> None:
    [statement] = answer["policyDocument"]["Statement"]
    assert (statement["Effect"], statement["Resource"]) == ("Deny", METHOD_ARN)
    assert "usageIdentifierKey" not in answer


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {KEY}"},  # what the openai SDK sends
        {"authorization": f"bearer {KEY}"},  # header names and the scheme are case-insensitive
        {"Authorization": f"BEARER   {KEY}  "},
        {"x-api-key": KEY},
        {"X-API-Key": f" {KEY} "},
    ],
    ids=["bearer", "lowercase-bearer", "upper-scheme-and-spaces", "x-api-key", "x-api-key-any-case"],
)
def test_the_key_in_either_header_goes_back_to_api_gateway_as_the_usage_identifier_key(headers):
    answer = api_keys.handler(event_with(**headers), None)
    assert allowed_key(answer) == KEY
    assert answer["principalId"] == "api-key" and KEY not in json.dumps(answer["principalId"])


def test_with_both_headers_x_api_key_wins_since_authorization_may_carry_a_proxys_credentials():
    answer = api_keys.handler(event_with(**{"x-api-key": KEY, "Authorization": f"Bearer {OTHER_KEY}"}), None)
    assert allowed_key(answer) == KEY
    answer = api_keys.handler(event_with(**{"x-api-key": KEY, "Authorization": "Basic dXNlcjpwYXNz"}), None)
    assert allowed_key(answer) == KEY


@pytest.mark.parametrize(
    "headers, reason",
    [
        ({}, "neither an x-api-key header nor Authorization: Bearer"),
        ({"Authorization": "Bearer"}, "the Authorization header is not 'Bearer <key>'"),
        ({"Authorization": "Bearer "}, "the Authorization header is not 'Bearer <key>'"),
        ({"Authorization": f"Basic {KEY}"}, "the Authorization header is not 'Bearer <key>'"),
        ({"Authorization": f"Bearer {KEY} extra"}, "the Authorization header is not 'Bearer <key>'"),
        (
            {"Authorization": f"Bearer {'a' * 100_000}"},
            "the Authorization: Bearer value is not an API key (20-128 letters and digits)",
        ),
        (
            {"Authorization": "Bearer sk-short"},
            "the Authorization: Bearer value is not an API key (20-128 letters and digits)",
        ),
        ({"x-api-key": ""}, "the x-api-key value is not an API key (20-128 letters and digits)"),
        ({"x-api-key": f"{KEY};drop"}, "the x-api-key value is not an API key (20-128 letters and digits)"),
    ],
    ids=[
        "neither",
        "bearer-without-key",
        "bearer-blank",
        "basic",
        "two-words",
        "very-long",
        "too-short",
        "empty-x-api-key",
        "not-alphanumeric",
    ],
)
def test_a_request_without_a_usable_key_is_denied_and_the_log_says_why_without_the_value(headers, reason, caplog):
    with caplog.at_level(logging.INFO):
        answer = api_keys.handler(event_with(**headers), None)
    assert_denied(answer)
    assert caplog.messages == [f"refused: {reason}"]


def test_no_headers_at_all_is_denied():
    # API Gateway sends "headers": null when a request has none
    assert_denied(api_keys.handler({**EVENT, "headers": None}, None))


def test_the_longest_and_shortest_keys_api_gateway_accepts_pass():
    for key in ("a" * 20, "Z9" * 64):
        assert api_keys.presented_key({"x-api-key": key}) == (key, "x-api-key")
    for key in ("a" * 19, "a" * 129):
        assert api_keys.presented_key({"x-api-key": key})[0] is None
