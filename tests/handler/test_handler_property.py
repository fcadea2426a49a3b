"""Property: whatever arrives, the handler answers with a well-formed response and never crashes.

Arbitrary methods, headers (any case), bodies (text, JSON, near-valid requests, base64 or not)
and settings: the handler never raises, always answers JSON with a request id, never a 5xx
unless Bedrock failed, and Bedrock is called only for requests it answers 200 (or, when
Bedrock fails, with that failure's mapped status).
"""

from __future__ import annotations

import base64
import json

from botocore.stub import Stubber
from hypothesis import event as note
from hypothesis import given
from hypothesis import strategies as st
from handler_support import CONVERSE_OK, PROPERTY_SETTINGS, LambdaContext, load_event

import bedrock
import handler
from config import Settings
from errors import ERRORS

REQUEST_ERRORS = {code for code, spec in ERRORS.items() if spec.status < 500} - {"input_rejected", "throttled", "quota_exceeded"}
BEDROCK_FAILURES = ["ThrottlingException", "ModelNotReadyException", "ValidationException", "AccessDeniedException",
                    "InternalServerException", "ModelErrorException", "UnheardOfException"]
SETTINGS = [Settings(), Settings(cors_allow_origin="*", prompt_max_chars=40, body_max_bytes=400, max_tokens_cap=50, max_tokens_default=10)]

def weighted(*choices: tuple[st.SearchStrategy, int]) -> st.SearchStrategy:
    """Draw from one of the strategies, each picked in proportion to its weight."""
    return st.sampled_from([strategy for strategy, weight in choices for _ in range(weight)]).flatmap(lambda s: s)


text = st.text(st.characters(codec="utf-8") | st.sampled_from("\x00\x1b\t\n\r\ud800\udfff\u2028\ufeff"), max_size=60)
scalars = st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True, allow_infinity=True) | text
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4), max_leaves=12)
message = st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "system", "User"]) | json_values,
                                 "content": text | json_values})
request_fields = st.fixed_dictionaries({}, optional={
    "prompt": text | json_values,
    "messages": st.lists(message, max_size=4) | json_values,
    "system": text | json_values,
    "max_tokens": st.integers(-5, 5000) | json_values,
    "temperature": st.floats(-0.5, 1.5) | json_values,
    "top_p": st.floats(-0.5, 1.5) | json_values,
    "stop_sequences": st.lists(text, max_size=6) | json_values,
    "extra": json_values,
})
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=30)
valid_request = st.fixed_dictionaries({"prompt": words}, optional={
    "system": words, "max_tokens": st.integers(1, 50), "temperature": st.floats(0, 1), "top_p": st.floats(0, 1),
    "stop_sequences": st.lists(words, max_size=4),
})
# Weights steer the search past the envelope checks into the JSON, field and Bedrock handling.
json_text = weighted((valid_request, 3), (request_fields, 2), (json_values, 1)).map(
    lambda v: json.dumps(v, ensure_ascii=False))
body_text = weighted((json_text, 8), (json_text.map(lambda s: s[: len(s) // 2]), 1), (text, 1), (st.none(), 1), (st.just("x" * 500), 1))
# (body, isBase64Encoded): plain text, correct base64 of text or arbitrary bytes, or garbage flagged as base64
bodies = weighted(
    (st.tuples(body_text, st.sampled_from([False, None])), 6),
    (st.tuples(body_text.map(lambda s: base64.b64encode((s or "").encode("utf-8", "surrogatepass")).decode()), st.just(True)), 2),
    (st.tuples(st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode()), st.just(True)), 1),
    (st.tuples(text, st.just(True)), 1),
)
content_type_names = st.sampled_from(["Content-Type", "content-type", "CONTENT-TYPE", "Content-type"])
json_types = st.sampled_from(["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/json;charset=UTF8"])
any_headers = st.dictionaries(content_type_names | text, text | st.sampled_from(["text/plain", "application/json; charset=latin-1", ""]), max_size=3)
good_headers = st.builds(lambda name, value, rest: {**rest, name: value}, content_type_names, json_types, any_headers)
headers = weighted((good_headers, 6), (any_headers, 1), (st.none(), 1))
multi_headers = st.none() | st.dictionaries(content_type_names | text, st.lists(json_types | text | json_values, max_size=2), max_size=2)
methods = weighted((st.just("POST"), 8), (st.sampled_from(["GET", "PUT", "DELETE", "OPTIONS", "HEAD", "post"]), 1),
                   (text, 1), (st.none() | st.integers(), 1))

@PROPERTY_SETTINGS
@given(method=methods, body=bodies, headers=headers, multi=multi_headers, settings=st.sampled_from(SETTINGS),
       bedrock_fails=st.sampled_from([None] * 3 + BEDROCK_FAILURES))
def test_any_request_gets_a_well_formed_answer_and_5xx_only_from_bedrock(method, body, headers, multi, settings, bedrock_fails):
    event = load_event("apigw_post_prompt", httpMethod=method, body=body[0], isBase64Encoded=body[1],
                       headers=headers, multiValueHeaders=multi)
    calls: list[object] = []
    client = CLIENTS[settings]
    stubber = Stubber(client)
    if bedrock_fails:
        stubber.add_client_error("converse", service_error_code=bedrock_fails, http_status_code=400)
    else:
        stubber.add_response("converse", CONVERSE_OK)
    hook = lambda **_: calls.append(1)  # noqa: E731
    client.meta.events.register("before-parameter-build.bedrock-runtime.Converse", hook)
    try:
        with stubber:
            response = handler.handle(event, LambdaContext(), client, settings)
    finally:
        client.meta.events.unregister("before-parameter-build.bedrock-runtime.Converse", hook)
        handler.metrics.clear_metrics()  # as lambda_handler's flush does after each invocation

    status = response["statusCode"]
    note(f"{status} {'after a Bedrock call' if calls else 'without Bedrock'}")  # --hypothesis-show-statistics
    assert response["headers"].get("Access-Control-Allow-Origin") == (settings.cors_allow_origin or None)
    if status == 204:  # CORS preflight
        assert method == "OPTIONS" and settings.cors_allow_origin and not calls
        return
    assert response["headers"]["Content-Type"] == "application/json"
    answer = json.loads(response["body"])
    assert answer["request_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    if not calls:
        assert 400 <= status < 500 and answer["error"]["code"] in REQUEST_ERRORS, answer
    elif bedrock_fails:
        assert status != 200 and answer["error"]["code"] not in REQUEST_ERRORS
    else:
        assert status == 200 and answer["completion"] == CONVERSE_OK["output"]["message"]["content"][0]["text"]


CLIENTS = {settings: bedrock.make_client(settings.budget) for settings in SETTINGS}
