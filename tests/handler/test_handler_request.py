"""The request contract: what a caller may send, and the 4xx every other input gets.

Every bad input is answered with a 4xx naming the field or cause, and never reaches Bedrock:
the stubbed client has no answer queued, and its call counter must stay at zero.
"""

from __future__ import annotations

import base64
import json

import pytest
from handler_support import CONVERSE_OK, load_event, post

from config import Settings

B64 = {"isBase64Encoded": True}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# (test id, event, status, error code, text the message must contain)
BAD_INPUTS = [
    # --- the envelope: method, content type, body, encoding ---
    ("method GET", lambda: load_event("apigw_get"), 405, "method_not_allowed", "GET"),
    ("method PUT", lambda: post({"prompt": "hi"}, httpMethod="PUT"), 405, "method_not_allowed", "PUT"),
    ("method OPTIONS without CORS", lambda: load_event("apigw_options_preflight"), 405, "method_not_allowed", "OPTIONS"),
    ("method lowercase post", lambda: post({"prompt": "hi"}, httpMethod="post"), 405, "method_not_allowed", "post"),
    ("content type text/plain", lambda: post({"prompt": "hi"}, headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type", "text/plain"),
    ("content type form", lambda: post({"prompt": "hi"}, headers={"content-type": "application/x-www-form-urlencoded"}), 415, "unsupported_media_type", "x-www-form-urlencoded"),
    ("content type absent", lambda: post({"prompt": "hi"}, headers={"Accept": "application/json"}), 415, "unsupported_media_type", "Content-Type"),
    ("content type json with latin-1 charset", lambda: post({"prompt": "hi"}, headers={"Content-Type": "application/json; charset=latin-1"}), 415, "unsupported_media_type", "utf-8"),
    ("body absent", lambda: load_event("apigw_post_prompt", body=None), 400, "missing_body", "body"),
    ("body empty", lambda: post(raw=""), 400, "missing_body", "body"),
    ("body whitespace only", lambda: post(raw="  \n\t "), 400, "missing_body", "body"),
    ("body invalid base64", lambda: post(raw="eyJwcm9tcHQiOiJoaSJ9!!", **B64), 400, "invalid_base64", "base64"),
    ("body base64 with non-ascii", lambda: post(raw="é" * 8, **B64), 400, "invalid_base64", "base64"),
    ("body bytes not UTF-8", lambda: post(raw=b64(b'{"prompt": "caf\xe9"}'), **B64), 400, "invalid_encoding", "UTF-8"),
    ("body with lone surrogate (not JSON-escaped)", lambda: post(raw='{"prompt": "a\ud800b"}'), 400, "invalid_encoding", "surrogate"),
    ("body over the byte limit", lambda: post({"prompt": "x" * 70_000}), 413, "body_too_large", "65536 bytes"),
    ("body over the byte limit in multi-byte text", lambda: post(raw=json.dumps({"prompt": "é" * 33_000}, ensure_ascii=False)), 413, "body_too_large", "65536 bytes"),
    ("body over the byte limit, base64", lambda: post(raw=b64(json.dumps({"prompt": "x" * 70_000}).encode()), **B64), 413, "body_too_large", "65536 bytes"),
    # --- JSON itself ---
    ("JSON malformed", lambda: post(raw='{"prompt": "hi"'), 400, "invalid_json", "not valid JSON"),
    ("JSON with a trailing comma", lambda: post(raw='{"prompt": "hi",}'), 400, "invalid_json", "not valid JSON"),
    ("JSON with a BOM", lambda: post(raw='\ufeff{"prompt": "hi"}'), 400, "invalid_json", "not valid JSON"),
    ("JSON NaN", lambda: post(raw='{"prompt": "hi", "temperature": NaN}'), 400, "invalid_json", "NaN"),
    ("JSON Infinity", lambda: post(raw='{"prompt": "hi", "top_p": Infinity}'), 400, "invalid_json", "Infinity"),
    ("JSON -Infinity", lambda: post(raw='{"prompt": "hi", "top_p": -Infinity}'), 400, "invalid_json", "-Infinity"),
    ("JSON float overflowing to infinity", lambda: post(raw='{"prompt": "hi", "temperature": 1e400}'), 400, "invalid_json", "out of range"),
    ("JSON integer with 5000 digits", lambda: post(raw='{"prompt": "hi", "max_tokens": ' + "9" * 5000 + "}"), 400, "invalid_json", "out of range"),
    ("JSON nested 30000 deep", lambda: post(raw='{"prompt": "hi", "x": ' + "[" * 30_000 + "]" * 30_000 + "}"), 400, "invalid_json", "nested too deeply"),
    ("JSON duplicate field", lambda: post(raw='{"prompt": "hi", "prompt": "ho"}'), 400, "invalid_json", "'prompt' appears more than once"),
    ("JSON array, not object", lambda: post(["hi"]), 400, "invalid_body", "an array"),
    ("JSON string, not object", lambda: post("hi"), 400, "invalid_body", "a string"),
    ("JSON number, not object", lambda: post(raw="42"), 400, "invalid_body", "a number"),
    ("JSON null, not object", lambda: post(raw="null"), 400, "invalid_body", "null"),
    # --- prompt ---
    ("prompt missing", lambda: post({}), 400, "missing_field", "'prompt'"),
    ("prompt null", lambda: post({"prompt": None}), 400, "missing_field", "'prompt'"),
    ("prompt empty", lambda: post({"prompt": ""}), 400, "invalid_field", "'prompt' must not be empty"),
    ("prompt whitespace only", lambda: post({"prompt": " \n\t "}), 400, "invalid_field", "'prompt' must not be empty"),
    ("prompt a number", lambda: post({"prompt": 42}), 400, "invalid_field", "'prompt' must be a string, not a number"),
    ("prompt a boolean", lambda: post({"prompt": True}), 400, "invalid_field", "'prompt' must be a string, not a boolean"),
    ("prompt a list", lambda: post({"prompt": ["hi"]}), 400, "invalid_field", "'prompt' must be a string, not an array"),
    ("prompt an object", lambda: post({"prompt": {"text": "hi"}}), 400, "invalid_field", "'prompt' must be a string, not an object"),
    ("prompt nested 50 deep", lambda: post(raw='{"prompt": ' + "[" * 50 + "]" * 50 + "}"), 400, "invalid_field", "'prompt' must be a string"),
    ("prompt with NUL", lambda: post({"prompt": "a\x00b"}), 400, "invalid_field", "U+0000"),
    ("prompt with ESC", lambda: post({"prompt": "red \x1b[31m"}), 400, "invalid_field", "U+001B"),
    ("prompt with form feed", lambda: post({"prompt": "page\x0cbreak"}), 400, "invalid_field", "U+000C"),
    ("prompt with DEL", lambda: post({"prompt": "a\x7f"}), 400, "invalid_field", "U+007F"),
    ("prompt with escaped lone surrogate", lambda: post(raw='{"prompt": "a\\ud800b"}'), 400, "invalid_field", "U+D800"),
    ("prompt over the character limit", lambda: post({"prompt": "x" * 20_001}), 413, "text_too_long", "'prompt' is 20001 characters; the limit is 20000"),
    # --- unknown fields ---
    ("unknown field", lambda: post({"prompt": "hi", "model": "other"}), 400, "unknown_field", "'model'"),
    ("unknown field, camelCase of a known one", lambda: post({"prompt": "hi", "maxTokens": 10}), 400, "unknown_field", "'maxTokens'"),
    # --- integers, numbers, lists ---
    ("max_tokens a boolean", lambda: post({"prompt": "hi", "max_tokens": True}), 400, "invalid_field", "'max_tokens'"),
    ("max_tokens a whole float", lambda: post({"prompt": "hi", "max_tokens": 5.0}), 400, "invalid_field", "'max_tokens'"),
    ("max_tokens a fraction", lambda: post({"prompt": "hi", "max_tokens": 5.5}), 400, "invalid_field", "'max_tokens'"),
    ("max_tokens a string", lambda: post({"prompt": "hi", "max_tokens": "5"}), 400, "invalid_field", "'max_tokens'"),
    ("max_tokens zero", lambda: post({"prompt": "hi", "max_tokens": 0}), 400, "invalid_field", "from 1 to 4096"),
    ("max_tokens negative", lambda: post({"prompt": "hi", "max_tokens": -1}), 400, "invalid_field", "from 1 to 4096"),
    ("max_tokens over the cap", lambda: post({"prompt": "hi", "max_tokens": 4097}), 400, "invalid_field", "from 1 to 4096"),
    ("temperature above 1", lambda: post({"prompt": "hi", "temperature": 1.1}), 400, "invalid_field", "'temperature'"),
    ("temperature below 0", lambda: post({"prompt": "hi", "temperature": -0.1}), 400, "invalid_field", "'temperature'"),
    ("temperature a boolean", lambda: post({"prompt": "hi", "temperature": True}), 400, "invalid_field", "'temperature'"),
    ("temperature a string", lambda: post({"prompt": "hi", "temperature": "0.5"}), 400, "invalid_field", "'temperature'"),
    ("top_p above 1", lambda: post({"prompt": "hi", "top_p": 1.5}), 400, "invalid_field", "'top_p'"),
    ("top_p a boolean", lambda: post({"prompt": "hi", "top_p": False}), 400, "invalid_field", "'top_p'"),
    ("stop_sequences five of them", lambda: post({"prompt": "hi", "stop_sequences": list("abcde")}), 400, "invalid_field", "at most 4"),
    ("stop_sequences a string", lambda: post({"prompt": "hi", "stop_sequences": "END"}), 400, "invalid_field", "'stop_sequences'"),
    ("stop_sequences with a number", lambda: post({"prompt": "hi", "stop_sequences": ["END", 7]}), 400, "invalid_field", "'stop_sequences[1]'"),
    ("stop_sequences with a blank one", lambda: post({"prompt": "hi", "stop_sequences": [" "]}), 400, "invalid_field", "'stop_sequences[0]'"),
    ("stop_sequences with NUL", lambda: post({"prompt": "hi", "stop_sequences": ["\x00"]}), 400, "invalid_field", "'stop_sequences[0]'"),
    ("system empty", lambda: post({"prompt": "hi", "system": ""}), 400, "invalid_field", "'system'"),
    ("system a number", lambda: post({"prompt": "hi", "system": 1}), 400, "invalid_field", "'system'"),
    ("system with a control character", lambda: post({"prompt": "hi", "system": "be\x07ep"}), 400, "invalid_field", "'system'"),
    ("system over the character limit", lambda: post({"prompt": "hi", "system": "s" * 20_001}), 413, "text_too_long", "'system'"),
    # --- messages ---
    ("messages and prompt both", lambda: post({"prompt": "hi", "messages": [{"role": "user", "content": "hi"}]}), 400, "invalid_field", "not both"),
    ("messages empty", lambda: post({"messages": []}), 400, "invalid_field", "'messages'"),
    ("messages an object", lambda: post({"messages": {"role": "user", "content": "hi"}}), 400, "invalid_field", "'messages'"),
    ("messages item a string", lambda: post({"messages": ["hi"]}), 400, "invalid_field", "'messages[0]'"),
    ("messages item without content", lambda: post({"messages": [{"role": "user"}]}), 400, "invalid_field", "'messages[0]'"),
    ("messages item with an extra key", lambda: post({"messages": [{"role": "user", "content": "hi", "name": "x"}]}), 400, "invalid_field", "'messages[0]'"),
    ("messages role system", lambda: post({"messages": [{"role": "system", "content": "hi"}]}), 400, "invalid_field", "'messages[0].role'"),
    ("messages starting with assistant", lambda: post({"messages": [{"role": "assistant", "content": "hi"}, {"role": "user", "content": "yo"}]}), 400, "invalid_field", "'messages[0].role' must be 'user'"),
    ("messages ending with assistant", lambda: post({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}), 400, "invalid_field", "end with a 'user'"),
    ("messages two user turns in a row", lambda: post({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}), 400, "invalid_field", "'messages[1].role' must be 'assistant'"),
    ("messages content a list of blocks", lambda: post({"messages": [{"role": "user", "content": [{"text": "hi"}]}]}), 400, "invalid_field", "'messages[0].content' must be a string"),
    ("messages content blank", lambda: post({"messages": [{"role": "user", "content": "  "}]}), 400, "invalid_field", "'messages[0].content'"),
    ("messages content with NUL", lambda: post({"messages": [{"role": "user", "content": "\x00"}]}), 400, "invalid_field", "'messages[0].content'"),
    ("messages content over the character limit", lambda: post({"messages": [{"role": "user", "content": "m" * 20_001}]}), 413, "text_too_long", "'messages[0].content'"),
    # --- not an API Gateway event at all ---
    ("event not an object", lambda: ["not", "an", "event"], 400, "invalid_body", "event"),
]


@pytest.mark.parametrize(("make_event", "status", "code", "mention"),
                         [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUTS])
def test_bad_input_gets_a_4xx_naming_the_cause_and_no_bedrock_call(call, bedrock_stub, make_event, status, code, mention):
    # GIVEN a request the contract refuses, WHEN the handler answers it
    answer = call(make_event())
    # THEN the status and code say why, the message names the field or cause, Bedrock is untouched
    assert (answer.status, answer.code) == (status, code), answer.body
    assert mention in answer.message
    assert answer.body["request_id"]
    assert answer.headers["Content-Type"] == "application/json"
    assert bedrock_stub.calls == []


def test_405_says_which_method_is_allowed(call):
    assert call(load_event("apigw_get")).headers["Allow"] == "POST"


# ------------------------------------------------------------------ accepted requests


def test_prompt_becomes_one_user_turn_with_the_default_max_tokens(call, bedrock_stub):
    bedrock_stub.answers(expected={
        "modelId": "us.anthropic.claude-sonnet-5",
        "messages": [{"role": "user", "content": [{"text": "What is Amazon Bedrock? Answer in one sentence."}]}],
        "inferenceConfig": {"maxTokens": 1024},
    })
    answer = call(load_event("apigw_post_prompt"))
    assert answer.status == 200
    assert answer.headers == {"Content-Type": "application/json"}  # no CORS unless configured
    assert answer.body == {
        "completion": "Bedrock is a managed service for foundation models.",
        "model": "us.anthropic.claude-sonnet-5",
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 14, "output_tokens": 9},
        "request_id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",  # API Gateway's, as in its access log
    }


def test_conversation_with_every_optional_parameter_maps_to_converse(call, bedrock_stub):
    bedrock_stub.answers(expected={
        "modelId": "us.anthropic.claude-sonnet-5",
        "system": [{"text": "You are a terse assistant."}],
        "messages": [
            {"role": "user", "content": [{"text": "Name a prime number."}]},
            {"role": "assistant", "content": [{"text": "7"}]},
            {"role": "user", "content": [{"text": "And one more?\nJust the number, please."}]},
        ],
        "inferenceConfig": {"maxTokens": 256, "temperature": 0.2, "topP": 0.9, "stopSequences": ["\n\nHuman:"]},
    })
    assert call(load_event("apigw_post_messages")).status == 200


def test_base64_body_in_utf8_is_decoded(call, bedrock_stub):
    bedrock_stub.answers(expected={
        "modelId": "us.anthropic.claude-sonnet-5",
        "messages": [{"role": "user", "content": [{"text": "Grüß dich! Was ist Bedrock?"}]}],
        "inferenceConfig": {"maxTokens": 1024},
    })
    assert call(load_event("apigw_post_base64")).status == 200


@pytest.mark.parametrize("prompt", [
    "line one\nline two", "col\tcol", "windows\r\nline", "emoji 😀 and 中文", "x" * 20_000, "\u00a0non-breaking",
], ids=["newline", "tab", "crlf", "non-ascii", "exactly the limit", "nbsp"])
def test_ordinary_text_is_accepted(call, bedrock_stub, prompt):
    bedrock_stub.answers()
    assert call(post({"prompt": prompt})).status == 200
    assert bedrock_stub.calls[0]["messages"][0]["content"][0]["text"] == prompt


def test_escaped_surrogate_pair_is_one_character_not_a_lone_surrogate(call, bedrock_stub):
    bedrock_stub.answers()
    assert call(post(raw='{"prompt": "smile \\ud83d\\ude00"}')).status == 200
    assert bedrock_stub.calls[0]["messages"][0]["content"][0]["text"] == "smile 😀"


@pytest.mark.parametrize("headers", [
    {"content-type": "application/json"},
    {"CONTENT-TYPE": "Application/JSON"},
    {"Content-Type": "application/json; charset=UTF-8"},
    {"Content-Type": 'application/json;charset="utf-8"'},
], ids=["lowercase name", "uppercase name and value", "charset", "quoted charset"])
def test_header_names_and_media_type_are_case_insensitive(call, bedrock_stub, headers):
    bedrock_stub.answers()
    assert call(post({"prompt": "hi"}, headers=headers)).status == 200


def test_content_type_in_multi_value_headers_only_is_read(call, bedrock_stub):
    bedrock_stub.answers()
    event = post({"prompt": "hi"}, headers={})
    event["headers"] = None
    event["multiValueHeaders"] = {"Content-Type": ["application/json"]}
    assert call(event).status == 200


def test_null_optional_fields_mean_not_given(call, bedrock_stub):
    bedrock_stub.answers(expected={
        "modelId": "us.anthropic.claude-sonnet-5",
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
        "inferenceConfig": {"maxTokens": 1024},
    })
    body = {"prompt": "hi", "system": None, "max_tokens": None, "temperature": None, "top_p": None, "stop_sequences": None}
    assert call(post(body)).status == 200


@pytest.mark.parametrize(("field", "value"), [
    ("max_tokens", 1), ("max_tokens", 4096), ("temperature", 0), ("temperature", 1), ("top_p", 0.0), ("top_p", 1),
    ("stop_sequences", []), ("stop_sequences", ["a", "b", "c", "d"]),
])
def test_parameter_bounds_are_inclusive(call, bedrock_stub, field, value):
    bedrock_stub.answers()
    assert call(post({"prompt": "hi", field: value})).status == 200


def test_limits_come_from_settings(call, bedrock_stub):
    tight = Settings(prompt_max_chars=10, max_tokens_cap=8, max_tokens_default=8, body_max_bytes=300)
    assert call(post({"prompt": "x" * 11}), tight).code == "text_too_long"
    assert "from 1 to 8" in call(post({"prompt": "hi", "max_tokens": 9}), tight).message
    assert call(post({"prompt": "hi", "system": "s" * 300}), tight).code == "body_too_large"
    bedrock_stub.answers(expected={
        "modelId": "us.anthropic.claude-sonnet-5",
        "messages": [{"role": "user", "content": [{"text": "x" * 10}]}],
        "inferenceConfig": {"maxTokens": 8},
    })
    assert call(post({"prompt": "x" * 10}), tight).status == 200


def test_completion_joins_text_blocks_and_ignores_others(call, bedrock_stub):
    response = dict(CONVERSE_OK, output={"message": {"role": "assistant", "content": [
        {"reasoningContent": {"reasoningText": {"text": "thinking..."}}}, {"text": "Hello, "}, {"text": "world."},
    ]}}, stopReason="max_tokens")
    bedrock_stub.answers(response)
    answer = call(post({"prompt": "hi"}))
    assert (answer.body["completion"], answer.body["stop_reason"]) == ("Hello, world.", "max_tokens")


# ------------------------------------------------------------------ CORS


CORS = Settings(cors_allow_origin="https://app.example.com")


def test_cors_headers_on_answers_and_errors_when_enabled(call, bedrock_stub):
    bedrock_stub.answers()
    for answer in (call(post({"prompt": "hi"}), CORS), call(post({"prompt": ""}), CORS)):
        assert answer.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
        assert answer.headers["Vary"] == "Origin"


def test_wildcard_cors_origin_needs_no_vary(call):
    answer = call(post({"prompt": ""}), Settings(cors_allow_origin="*"))
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Vary" not in answer.headers


def test_preflight_is_answered_without_bedrock_when_cors_is_enabled(call, bedrock_stub):
    answer = call(load_event("apigw_options_preflight"), CORS)
    assert answer.status == 204
    assert answer.headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    # The browser may then send the API key (or SigV4 headers) with the POST.
    allowed = {name.strip() for name in answer.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"Content-Type", "X-Api-Key", "Authorization"} <= allowed
    assert bedrock_stub.calls == []


def test_no_cors_headers_when_disabled(call):
    answer = call(post({"prompt": ""}))
    assert not [name for name in answer.headers if name.startswith("Access-Control")]
