"""Property: whatever arrives over HTTP, the app answers well-formed and never crashes.

Arbitrary methods, paths (mostly /invoke), headers in any case (the Web Adapter's included,
forged or garbled), bodies (bytes, text, JSON, near-valid requests, with and without
``stream``) and settings, against a stand-in that answers, refuses or fails mid-stream: the
app never raises; every answer is JSON with a request id, or a well-formed SSE stream ending
in ``done`` or ``error``, or the CORS preflight's empty 204; never a 5xx unless the stand-in
was scripted to fail; and the stand-in is called only for requests answered 200 (or with the
scripted failure's status).

One TestClient per settings serves every example (an app per example would cost more than
the examples); the stand-in is reset per example. Every client makes one attempt, so a
scripted refusal is one call and no example waits for a retry's back-off.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import event as note
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from config import Budget, Settings
from errors import ERRORS
from local.fake_bedrock import LABEL
from tests.support.app import PROPERTY_SETTINGS, FakeBedrock, Script, make_test_client, sse_events

ONE_ATTEMPT = Budget(connect=2, read=10, attempts=1)
SETTINGS = [
    Settings(budget=ONE_ATTEMPT),
    Settings(
        cors_allow_origin="*",
        prompt_max_chars=40,
        body_max_bytes=400,
        max_tokens_cap=50,
        max_tokens_default=10,
        log_content=True,
        budget=ONE_ATTEMPT,
    ),
]
# Codes only the request itself can earn: what an answer without a Bedrock call may carry.
REQUEST_ERRORS = {code for code, spec in ERRORS.items() if spec.status < 500} - {
    "input_rejected",
    "throttled",
    "quota_exceeded",
}
REASONING = "secret chain of thought"
# (what the stand-in does, the status and code it must become; None: it answers)
OUTCOMES = [
    (None, None),
    (None, None),
    (None, None),
    (Script(reasoning=[REASONING], text=["Thought ", "through."]), None),
    (Script(fail_before=(429, "ThrottlingException", "slow down")), (429, "throttled")),
    (Script(fail_before=(429, "ModelNotReadyException", "warming up")), (503, "model_not_ready")),
    (
        Script(fail_before=(400, "ValidationException", "Input is too long for requested model.")),
        (400, "input_rejected"),
    ),
    (Script(fail_before=(400, "ValidationException", "Malformed input request")), (502, "bedrock_error")),
    (Script(fail_before=(403, "AccessDeniedException", "not authorized")), (500, "model_misconfigured")),
    (Script(fail_before=(500, "InternalServerException", "oops")), (502, "bedrock_error")),
    (Script(fail_before=(400, "UnheardOfException", "new")), (500, "internal_error")),
    (
        Script(text=["Half ", "an answer"], fail_after=1, exception=("modelStreamErrorException", "broke")),
        (502, "model_error"),
    ),
]


def weighted(*choices: tuple[st.SearchStrategy, int]) -> st.SearchStrategy:
    """Draw from one of the strategies, each picked in proportion to its weight."""
    return st.sampled_from([strategy for strategy, weight in choices for _ in range(weight)]).flatmap(lambda s: s)


# --- bodies ---
text = st.text(st.characters(codec="utf-8") | st.sampled_from("\x00\x1b\t\n\r\ud800\udfff\u2028\ufeff"), max_size=60)
scalars = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True, allow_infinity=True) | text
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=12
)
message = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system", "User"]) | json_values, "content": text | json_values}
)
request_fields = st.fixed_dictionaries(
    {},
    optional={
        "prompt": text | json_values,
        "messages": st.lists(message, max_size=4) | json_values,
        "system": text | json_values,
        "max_tokens": st.integers(-5, 5000) | json_values,
        "temperature": st.floats(-0.5, 1.5) | json_values,
        "top_p": st.floats(-0.5, 1.5) | json_values,
        "stop_sequences": st.lists(text, max_size=6) | json_values,
        "stream": st.booleans() | json_values,
        "extra": json_values,
    },
)
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=30)
valid_request = st.fixed_dictionaries(
    {"prompt": words},
    optional={
        "system": words,
        "max_tokens": st.integers(1, 50),
        "temperature": st.floats(0, 1),
        "top_p": st.floats(0, 1),
        "stop_sequences": st.lists(words, max_size=4),
        "stream": st.booleans(),
    },
)
# Weights steer the search past the envelope checks into the JSON, field and Bedrock handling.
json_text = weighted((valid_request, 4), (request_fields, 2), (json_values, 1)).map(
    lambda v: json.dumps(v, ensure_ascii=False)
)
body_text = weighted((json_text, 8), (json_text.map(lambda s: s[: len(s) // 2]), 1), (text, 1), (st.just("x" * 500), 1))
bodies = weighted(
    (
        body_text.map(lambda s: s.encode("utf-8", "surrogatepass")),
        10,
    ),  # lone surrogates: bytes no UTF-8 decoder accepts
    (st.binary(max_size=60), 1),
    (st.none(), 1),
)

# --- headers: names in any case; values any printable ASCII (what HTTP carries) ---
visible = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
token = st.text(string.ascii_letters + string.digits + "-!#$%&'*+.^_`|~", min_size=1, max_size=20).filter(
    lambda name: (
        name.lower() not in {"content-length", "transfer-encoding", "host", "connection", "expect", "te", "upgrade"}
    )
)
content_type_names = st.sampled_from(["Content-Type", "content-type", "CONTENT-TYPE", "Content-type"])
json_types = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/json;charset=UTF8"]
)
other_types = st.sampled_from(
    ["text/plain", "application/json; charset=latin-1", "", "application/jsonx", "multipart/form-data"]
)
ascii_json = json_values.map(lambda v: json.dumps(v))
api_context = weighted(
    (
        st.fixed_dictionaries(
            {"requestId": st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=200)},
            optional={"stage": visible},
        ).map(json.dumps),
        3,
    ),
    (st.fixed_dictionaries({"requestId": json_values}).map(json.dumps), 1),
    (ascii_json | visible | st.just("[" * 3000), 1),
)
lambda_context = (
    st.fixed_dictionaries(
        {},
        optional={
            "request_id": json_values,
            # Absent, unreadable, or far enough ahead: a deadline that has passed ends an answer with a 504 by design.
            "deadline": st.just(4_102_444_800_000) | st.integers(2**63, 10**400) | st.integers(max_value=0) | text,
        },
    ).map(json.dumps)
    | visible
)
adapter = st.fixed_dictionaries(
    {}, optional={"x-amzn-request-context": api_context, "x-amzn-lambda-context": lambda_context}
)
any_headers = st.dictionaries(content_type_names | token, visible | json_types | other_types, max_size=3)
good_headers = st.builds(lambda name, value, rest: {**rest, name: value}, content_type_names, json_types, any_headers)
headers = st.builds(
    lambda base, extra: {**base, **extra}, weighted((good_headers, 6), (any_headers, 1), (st.just({}), 1)), adapter
)

# --- methods and paths ---
methods = weighted(
    (st.just("POST"), 8),
    (st.sampled_from(["GET", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"]), 1),
    (st.text(string.ascii_uppercase, min_size=1, max_size=10), 1),
)
# /v1/... is OpenAI's ground (test_openai_*.py): its errors come in OpenAI's shape, not this one.
paths = weighted(
    (st.just("/invoke"), 12),
    (st.sampled_from(["/", "/invoke/", "/v2/invoke", "/INVOKE", "/invoke?x=1"]), 1),
    (
        text.map(lambda t: "/" + quote(t.encode("utf-8", "surrogatepass").lstrip(b"/"), safe="/")).filter(
            lambda path: not path.startswith("/v1")
        ),
        1,
    ),
)


@pytest.fixture(scope="module")
def clients(shared_stand_in: FakeBedrock) -> Iterator[dict[Settings, TestClient]]:
    """One app per settings, all answering through the stand-in, for every example."""
    opened = {settings: make_test_client(shared_stand_in, settings).__enter__() for settings in SETTINGS}
    yield opened
    for test_client in opened.values():
        test_client.__exit__(None, None, None)


def expected_request_id(headers: dict[str, str]) -> str | None:
    """API Gateway's request id when the forged adapter header carries a readable one, else None."""
    try:
        context = json.loads(headers.get("x-amzn-request-context", ""))
    except (ValueError, RecursionError):
        return None
    request_id = context.get("requestId") if isinstance(context, dict) else None
    return request_id[:128] if isinstance(request_id, str) and request_id else None


@PROPERTY_SETTINGS
@given(
    method=methods,
    path=paths,
    body=bodies,
    headers=headers,
    settings=st.sampled_from(SETTINGS),
    outcome=st.sampled_from(OUTCOMES),
)
def test_any_request_gets_a_well_formed_answer_and_a_5xx_only_from_bedrock(
    clients, shared_stand_in, method, path, body, headers, settings, outcome
):
    script, failure = outcome
    shared_stand_in.reset()
    if script is not None:
        shared_stand_in.script(script)

    response = clients[settings].request(method, path, content=body, headers=headers)

    calls = shared_stand_in.calls
    status = response.status_code
    note(f"{status} {'after a Bedrock call' if calls else 'without Bedrock'}")  # --hypothesis-show-statistics
    assert len(calls) <= 1
    assert response.headers.get("access-control-allow-origin") == (settings.cors_allow_origin or None)
    if status == 204:  # the CORS preflight
        assert (
            (method, path, response.content) == ("OPTIONS", "/invoke", b"") and settings.cors_allow_origin and not calls
        )
        return
    if response.headers["content-type"].startswith("text/event-stream"):
        assert_a_well_formed_stream(response, calls, failure, headers)
        return
    assert response.headers["content-type"] == "application/json"
    if method == "HEAD":  # the headers of the answer a GET would get, without its body
        assert response.content == b"" and status in (200, 404, 405)
        return
    answer = response.json()
    if (method, path.split("?")[0]) == ("GET", "/"):  # the adapter's readiness check, not the API
        assert (status, answer, calls) == (200, {"status": "ready"}, [])
        return
    assert_the_request_id(answer["request_id"], headers)
    if not calls:
        assert 400 <= status < 500 and answer["error"]["code"] in REQUEST_ERRORS, answer
    elif failure is not None:
        assert (status, answer["error"]["code"]) == failure, answer
    else:
        assert status == 200, answer
        completion = answer["completion"]
        if script is None:  # the stand-in's summary, cut at max_tokens words or a stop sequence
            assert completion.startswith(LABEL) or LABEL.startswith(completion), completion
        else:
            assert completion == "Thought through."  # the reasoning is never part of it


def assert_the_request_id(request_id: str, headers: dict[str, str]) -> None:
    """API Gateway's (from the adapter's header) when readable, else one generated here."""
    expected = expected_request_id(headers)
    assert request_id == expected if expected else len(request_id) == 36


def assert_a_well_formed_stream(
    response: Any, calls: list[Any], failure: tuple[int, str] | None, headers: dict[str, str]
) -> None:
    """200, deltas only, then one ``done`` (the stand-in answered) or ``error`` (it failed mid-stream)."""
    assert response.status_code == 200 and len(calls) == 1
    events = sse_events(response.text)
    assert {name for name, _ in events[:-1]} <= {"delta"}
    name, data = events[-1]
    assert_the_request_id(data["request_id"], headers)
    if failure is None:
        assert name == "done" and data["stop_reason"] in ("end_turn", "max_tokens", "stop_sequence")
        assert REASONING not in response.text
    else:
        assert (name, data["error"]["code"]) == ("error", failure[1])
