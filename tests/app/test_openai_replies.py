"""openai_replies, what the OpenAI routes write: each body and chunk, whole, as OpenAI's docs show it.

The SDK tests (test_openai_sdk.py) show an answer parses; the SDK's types leave most fields
optional, so a chunk that loses ``index`` or ``logprobs``, or names the wrong completion, parses
all the same. These pin every field: a client that reads the raw JSON (a browser, curl, another
SDK) sees exactly these.
"""

from __future__ import annotations

import json
import time

import pytest

import openai_replies
from answer import TIME_LIMIT, Done, Gathered, ToolCall
from bedrock import ToolUseInput, ToolUseStart, Usage
from errors import ApiError
from openai_replies import ChunkStream, completion_body, error_body, error_headers, models_body

MODEL = "us.anthropic.claude-sonnet-4-6"
CREATED = 1_760_000_000
ENDED = Done("end_turn", Usage(input_tokens=12, output_tokens=5))
USAGE = {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}
CUT = Done(TIME_LIMIT, None)  # the deadline ended the stream before Bedrock's usage event


def gathered(text: str = "", reasoning: str = "", tool_calls: tuple[ToolCall, ...] = ()) -> Gathered:
    return Gathered(text, reasoning, tool_calls, ENDED)


def events(written: str) -> list[dict | str]:
    """The ``data:`` events of ``written``, each parsed (``[DONE]`` kept as the string)."""
    parts = written.split("\n\n")
    assert parts[-1] == "", f"an event is not closed by a blank line: {written!r}"
    assert all(part.startswith("data: ") and "\n" not in part for part in parts[:-1]), written
    return [part[6:] if part == "data: [DONE]" else json.loads(part[6:]) for part in parts[:-1]]


def chunk(delta: dict, finish: str | None = None, include_usage: bool = False) -> dict:
    """One ``chat.completion.chunk`` of request ``req-1``; with include_usage, ``usage: null`` too."""
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    head = {"id": "chatcmpl-req-1", "object": "chat.completion.chunk", "created": CREATED, "model": MODEL}
    return {**head, "choices": [choice], **({"usage": None} if include_usage else {})}


def stream(include_reasoning: bool = False, include_usage: bool = False) -> ChunkStream:
    return ChunkStream(MODEL, "req-1", include_reasoning, include_usage, CREATED)


@pytest.mark.parametrize(
    ("stop_reason", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"),
        (TIME_LIMIT, "length"),
        ("tool_use", "tool_calls"),
        ("guardrail_intervened", "content_filter"),
        ("content_filtered", "content_filter"),
        ("malformed_model_output", "stop"),  # any reason without a row ended the answer as it stands
    ],
)
def test_each_bedrock_stop_reason_is_one_of_openais_four_finish_reasons(stop_reason, finish):
    assert openai_replies.finish_reason(stop_reason) == finish


def test_usage_adds_the_total_and_is_none_when_bedrock_never_reported_it():
    assert openai_replies.usage(ENDED) == USAGE
    assert openai_replies.usage(CUT) is None


def test_a_text_answer_is_a_whole_chat_completion():
    assert completion_body(gathered("Hello"), ENDED, MODEL, "req-1", False, CREATED) == {
        "id": "chatcmpl-req-1",
        "object": "chat.completion",
        "created": CREATED,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello", "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": USAGE,
    }


def test_tool_calls_come_in_order_with_no_content_when_there_is_no_text():
    calls = (ToolCall("tooluse_1", "lookup", '{"q":"x"}'), ToolCall("tooluse_2", "convert", "{}"))
    body = completion_body(gathered(tool_calls=calls), Done("tool_use", None), MODEL, "req-1", False, CREATED)
    assert body["choices"] == [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": None,
                "refusal": None,
                "tool_calls": [
                    {"id": "tooluse_1", "type": "function", "function": {"name": "lookup", "arguments": '{"q":"x"}'}},
                    {"id": "tooluse_2", "type": "function", "function": {"name": "convert", "arguments": "{}"}},
                ],
            },
            "logprobs": None,
            "finish_reason": "tool_calls",
        }
    ]
    assert body["usage"] is None


def test_an_answer_with_neither_text_nor_tools_is_empty_text_not_null():
    body = completion_body(gathered(), ENDED, MODEL, "req-1", False, CREATED)
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "", "refusal": None}


def test_reasoning_is_its_own_field_only_when_asked_for():
    asked = completion_body(gathered("42", "I add."), ENDED, MODEL, "req-1", True, CREATED)
    assert asked["choices"][0]["message"] == {
        "role": "assistant",
        "content": "42",
        "refusal": None,
        "reasoning_content": "I add.",
    }
    unasked = completion_body(gathered("42", "I add."), ENDED, MODEL, "req-1", False, CREATED)
    assert unasked["choices"][0]["message"] == {"role": "assistant", "content": "42", "refusal": None}


def test_created_is_the_given_second_or_else_the_clock_now():
    before = int(time.time())
    body = completion_body(gathered("Hi"), ENDED, MODEL, "req-1", False)
    assert before <= body["created"] <= int(time.time())
    assert isinstance(body["created"], int)
    assert completion_body(gathered("Hi"), ENDED, MODEL, "req-1", False, 7)["created"] == 7


def test_a_stream_opens_with_the_role_and_empty_content():
    assert events(stream().opening()) == [chunk({"role": "assistant", "content": ""})]


def test_every_chunk_carries_usage_null_only_with_include_usage():
    assert events(stream(include_usage=True).opening()) == [
        chunk({"role": "assistant", "content": ""}, include_usage=True)
    ]
    assert events(stream(include_usage=True).text("Hi")) == [chunk({"content": "Hi"}, include_usage=True)]
    assert events(stream(include_usage=False).text("Hi")) == [chunk({"content": "Hi"})]


def test_a_text_chunk_keeps_its_text_exactly():
    text = 'quote " backslash \\ newline \n é 🙂'
    written = stream().text(text)
    assert events(written) == [chunk({"content": text})]
    assert "é 🙂" in written  # written as itself, not as \\u escapes


def test_the_stream_names_the_given_second_or_else_the_clock_now():
    before = int(time.time())
    head = events(ChunkStream(MODEL, "req-1", False, False).opening())[0]
    assert before <= head["created"] <= int(time.time())
    assert events(ChunkStream(MODEL, "req-1", False, False, 7).opening())[0]["created"] == 7


def test_reasoning_chunks_are_written_only_when_asked_for():
    assert events(stream(include_reasoning=True).reasoning("I add.")) == [chunk({"reasoning_content": "I add."})]
    assert stream(include_reasoning=False).reasoning("I add.") == ""


def test_tool_calls_get_dense_indexes_in_the_order_they_begin():
    writer = stream()
    assert events(writer.tool_start(ToolUseStart(3, "tooluse_a", "lookup"))) == [
        chunk(
            {
                "tool_calls": [
                    {"index": 0, "id": "tooluse_a", "type": "function", "function": {"name": "lookup", "arguments": ""}}
                ]
            }
        )
    ]
    assert events(writer.tool_start(ToolUseStart(5, "tooluse_b", "convert")))[0]["choices"][0]["delta"] == {
        "tool_calls": [
            {"index": 1, "id": "tooluse_b", "type": "function", "function": {"name": "convert", "arguments": ""}}
        ]
    }
    assert events(writer.tool_input(ToolUseInput(5, '{"to":'))) == [
        chunk({"tool_calls": [{"index": 1, "function": {"arguments": '{"to":'}}]})
    ]
    assert events(writer.tool_input(ToolUseInput(3, "{}"))) == [
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]})
    ]


@pytest.mark.parametrize(
    "piece",
    [ToolUseInput(3, ""), ToolUseInput(4, '{"q":1}')],  # an empty piece; a piece of a call never started
    ids=["empty-fragment", "unstarted-block"],
)
def test_a_tool_input_piece_with_nothing_to_add_writes_nothing(piece):
    writer = stream()
    writer.tool_start(ToolUseStart(3, "tooluse_a", "lookup"))
    assert writer.tool_input(piece) == ""


def test_done_writes_the_finish_reason_then_done():
    assert events(stream().done(Done("max_tokens", Usage(1, 2)))) == [chunk({}, "length"), "[DONE]"]


def test_done_with_include_usage_adds_a_chunk_of_no_choices_holding_the_usage():
    head = {"id": "chatcmpl-req-1", "object": "chat.completion.chunk", "created": CREATED, "model": MODEL}
    assert events(stream(include_usage=True).done(ENDED)) == [
        chunk({}, "stop", include_usage=True),
        {**head, "choices": [], "usage": USAGE},
        "[DONE]",
    ]
    assert events(stream(include_usage=True).done(CUT)) == [
        chunk({}, "length", include_usage=True),
        {**head, "choices": [], "usage": None},
        "[DONE]",
    ]


def test_a_stream_that_fails_ends_with_the_error_object_and_no_done():
    assert events(stream(include_usage=True).error(ApiError("model_timeout"))) == [
        {
            "error": {
                "message": "the model did not answer in time",
                "type": "server_error",
                "param": None,
                "code": "model_timeout",
            }
        }
    ]


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ApiError("throttled"), "rate_limit_error"),
        (ApiError("quota_exceeded"), "insufficient_quota"),
        (ApiError("model_error"), "server_error"),
        (ApiError("internal_error"), "server_error"),
        (ApiError("service_unavailable"), "server_error"),
        (
            ApiError("invalid_field", "'temperature' must be between 0 and 2", param="temperature"),
            "invalid_request_error",
        ),
        (ApiError("model_not_found"), "invalid_request_error"),
        (ApiError("body_too_large"), "invalid_request_error"),
    ],
)
def test_the_error_object_types_each_error_as_openai_does(error, kind):
    assert error_body(error) == {
        "error": {"message": error.message, "type": kind, "param": error.param, "code": error.code}
    }


def test_the_error_object_carries_the_sharper_message_and_the_param():
    assert error_body(ApiError("invalid_field", "'n' must be 1", param="n")) == {
        "error": {"message": "'n' must be 1", "type": "invalid_request_error", "param": "n", "code": "invalid_field"}
    }


@pytest.mark.parametrize(
    ("code", "headers"),
    [("quota_exceeded", {"x-should-retry": "false"}), ("throttled", {}), ("model_not_ready", {}), ("invalid_json", {})],
)
def test_only_a_spent_quota_tells_the_sdk_not_to_retry(code, headers):
    assert error_headers(ApiError(code)) == headers


def test_the_model_list_names_each_model_owned_by_its_provider_in_order():
    assert models_body(("us.anthropic.claude-sonnet-4-6", "meta.llama4-maverick-17b-instruct-v1:0"), CREATED) == {
        "object": "list",
        "data": [
            {"id": "us.anthropic.claude-sonnet-4-6", "object": "model", "created": CREATED, "owned_by": "anthropic"},
            {"id": "meta.llama4-maverick-17b-instruct-v1:0", "object": "model", "created": CREATED, "owned_by": "meta"},
        ],
    }
