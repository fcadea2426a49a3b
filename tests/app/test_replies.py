"""replies, what ``/invoke`` writes: each body, header set and event, whole.

The app tests show an answer arrives; these pin what it says field by field, the CORS headers
a browser needs (a preflight that names the wrong methods or headers stops every browser call),
and the one rule of the text encoding: non-ASCII written as itself, a lone surrogate escaped.
"""

from __future__ import annotations

import pytest

import replies
from answer import TIME_LIMIT, Done
from bedrock import ToolUseInput, ToolUseStart, Usage
from errors import ApiError
from replies import InvokeStream

MODEL = "us.anthropic.claude-sonnet-4-6"
ENDED = Done("end_turn", Usage(input_tokens=12, output_tokens=5))
CUT = Done(TIME_LIMIT, None)  # the deadline ended the stream before Bedrock's usage event
SITE = "https://app.example.com"
ALLOWED_HEADERS = "Content-Type, X-Api-Key, Authorization, X-Amz-Date, X-Amz-Security-Token"


def test_usage_is_bedrocks_counts_or_nulls_when_the_deadline_cut_them():
    assert replies.usage_body(ENDED) == {"input_tokens": 12, "output_tokens": 5}
    assert replies.usage_body(CUT) == {"input_tokens": None, "output_tokens": None}


def test_an_answer_is_the_text_the_model_how_it_ended_the_usage_and_the_request_id():
    assert replies.answer_body("Hello", MODEL, ENDED, "req-1") == {
        "completion": "Hello",
        "model": MODEL,
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 12, "output_tokens": 5},
        "request_id": "req-1",
    }


def test_the_done_event_is_the_answer_without_its_text():
    assert replies.done_body(MODEL, CUT, "req-1") == {
        "model": MODEL,
        "stop_reason": TIME_LIMIT,
        "usage": {"input_tokens": None, "output_tokens": None},
        "request_id": "req-1",
    }


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ApiError("invalid_field", "'temperature' must be between 0 and 1"), "'temperature' must be between 0 and 1"),
        (ApiError("throttled"), "too many requests to the model; retry later"),
    ],
)
def test_an_error_is_its_code_and_message_with_the_request_id(error, message):
    assert replies.error_body(error, "req-1") == {
        "error": {"code": error.code, "message": message},
        "request_id": "req-1",
    }


@pytest.mark.parametrize(
    ("origin", "headers"),
    [
        ("", {}),  # CORS off: no header at all
        ("*", {"Access-Control-Allow-Origin": "*"}),
        (SITE, {"Access-Control-Allow-Origin": SITE, "Vary": "Origin"}),  # one origin: caches must key on it
    ],
)
def test_cors_headers_name_the_origin_and_vary_by_it_unless_any_origin_is_allowed(origin, headers):
    assert replies.cors_headers(origin) == headers


@pytest.mark.parametrize(
    ("code", "origin", "headers"),
    [
        ("throttled", "", {"Retry-After": "2"}),
        ("model_not_ready", "*", {"Access-Control-Allow-Origin": "*", "Retry-After": "10"}),
        ("quota_exceeded", SITE, {"Access-Control-Allow-Origin": SITE, "Vary": "Origin"}),  # no Retry-After
        ("invalid_json", "", {}),
    ],
)
def test_an_error_answer_carries_the_cors_headers_and_retry_after_where_its_row_has_one(code, origin, headers):
    assert replies.error_headers(ApiError(code), origin) == headers


@pytest.mark.parametrize(
    ("origin", "cors"),
    [("*", {"Access-Control-Allow-Origin": "*"}), (SITE, {"Access-Control-Allow-Origin": SITE, "Vary": "Origin"})],
)
def test_a_preflight_allows_post_with_the_key_or_sigv4_headers_for_ten_minutes(origin, cors):
    assert replies.preflight_headers(origin) == {
        **cors,
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": "600",
    }


def test_an_event_is_its_name_and_one_line_of_compact_json():
    assert replies.sse_event("done", {"a": 1, "b": "x\ny"}) == 'event: done\ndata: {"a":1,"b":"x\\ny"}\n\n'


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("Hello", '{"text":"Hello"}'),
        ('a "quote", a \\ and a\nnewline', '{"text":"a \\"quote\\", a \\\\ and a\\nnewline"}'),
        ("é 🙂", '{"text":"é 🙂"}'),  # non-ASCII written as itself
    ],
)
def test_a_delta_is_a_text_event_built_as_sse_event_would_build_it(text, data):
    assert replies.sse_delta(text) == f"event: delta\ndata: {data}\n\n"
    assert replies.sse_delta(text) == replies.sse_event("delta", {"text": text})
    assert replies.sse_delta(text, "reasoning") == replies.sse_event("reasoning", {"text": text})


def test_dumps_is_compact_and_keeps_non_ascii_as_itself():
    assert replies.dumps({"text": "é 🙂", "n": [1, 2]}) == '{"text":"é 🙂","n":[1,2]}'


def test_dumps_escapes_a_lone_surrogate_rather_than_writing_text_that_is_not_utf_8():
    written = replies.dumps({"text": "é\ud800", "n": [1, 2]})  # compact still
    assert written == '{"text":"\\u00e9\\ud800","n":[1,2]}'
    assert written.encode("utf-8") == b'{"text":"\\u00e9\\ud800","n":[1,2]}'


def test_events_are_utf_8_with_a_lone_surrogate_written_as_its_json_escape():
    assert replies.sse_bytes(replies.sse_delta("é\ud800")) == b'event: delta\ndata: {"text":"\xc3\xa9\\ud800"}\n\n'


def test_sse_headers_name_the_event_stream_in_utf_8_and_forbid_caching():
    assert replies.SSE_HEADERS == {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"}


def test_the_invoke_stream_writes_deltas_then_done():
    writer = InvokeStream(MODEL, "req-1", include_reasoning=False)
    assert writer.opening() == ""
    assert writer.text("Hi") == 'event: delta\ndata: {"text":"Hi"}\n\n'
    assert writer.done(ENDED) == (
        'event: done\ndata: {"model":"us.anthropic.claude-sonnet-4-6","stop_reason":"end_turn",'
        '"usage":{"input_tokens":12,"output_tokens":5},"request_id":"req-1"}\n\n'
    )


def test_the_invoke_stream_writes_reasoning_events_only_when_asked_for():
    assert InvokeStream(MODEL, "req-1", include_reasoning=True).reasoning("I add.") == (
        'event: reasoning\ndata: {"text":"I add."}\n\n'
    )
    assert InvokeStream(MODEL, "req-1", include_reasoning=False).reasoning("I add.") == ""


def test_the_invoke_stream_writes_nothing_for_a_tool_call_it_never_offered():
    writer = InvokeStream(MODEL, "req-1", include_reasoning=True)
    assert writer.tool_start(ToolUseStart(1, "tooluse_a", "lookup")) == ""
    assert writer.tool_input(ToolUseInput(1, '{"q":1}')) == ""


def test_the_invoke_stream_ends_a_failure_with_an_error_event():
    assert InvokeStream(MODEL, "req-1", include_reasoning=False).error(ApiError("model_timeout")) == (
        'event: error\ndata: {"error":{"code":"model_timeout","message":"the model did not answer in time"},'
        '"request_id":"req-1"}\n\n'
    )
