"""OpenAI's chat completions body → the Converse request, as pure functions, table by table.

Every accepted shape is checked twice: against the Converse request we expect, and against
botocore's own service model for ConverseStream (a request it would not send is a failure
here, not a 502 in production). Every refused shape names the field at fault in ``param``.
"""

from __future__ import annotations

import base64
import json

import pytest

import bedrock
from config import Guardrail, Settings
from errors import ApiError
from openai_request import FIELDS, MAX_IMAGE_BYTES, ChatRequest, parse_chat_request
from tests.support.app import valid_for_botocore

SETTINGS = Settings(model_ids=("anthropic.claude-sonnet-4-6", "us.anthropic.claude-sonnet-5"), prompt_max_chars=1000)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
GIF = b"GIF89a" + b"\x00" * 16
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8
TOOL = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}
SPEC = {"toolSpec": {"name": "lookup", "inputSchema": {"json": {"type": "object", "properties": {}}}}}
CALL = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "x"}'}}
USE = {"toolUse": {"toolUseId": "call_1", "name": "lookup", "input": {"q": "x"}}}


def data_url(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def parse(body: dict, settings: Settings = SETTINGS) -> ChatRequest | ApiError:
    return parse_chat_request(json.dumps(body).encode(), "application/json", settings)


def converse(body: dict) -> dict:
    parsed = parse({"model": "anthropic.claude-sonnet-4-6", **body})
    assert isinstance(parsed, ChatRequest), parsed
    arguments = bedrock.converse_arguments(parsed.request, "anthropic.claude-sonnet-4-6", Guardrail("g1", "1"))
    valid_for_botocore(arguments)
    return arguments


def user(text: str) -> dict:
    return {"role": "user", "content": [{"text": text}]}


# --- every message shape → Converse ---------------------------------------------------------------

SHAPES = {
    "a string": ([{"role": "user", "content": "Hi"}], None, [user("Hi")]),
    "a list of text parts": (
        [{"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "there"}]}],
        None,
        [{"role": "user", "content": [{"text": "Hi"}, {"text": "there"}]}],
    ),
    "system and developer anywhere → one system prompt": (
        [
            {"role": "system", "content": "A"},
            {"role": "user", "content": "Hi"},
            {"role": "developer", "content": [{"type": "text", "text": "B"}], "name": "ops"},
        ],
        "A\n\nB",
        [user("Hi")],
    ),
    "an image of each format": (
        [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": data_url(data, kind)}}]}
            for data, kind in ((PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp"))
        ],
        None,
        [
            {
                "role": "user",
                "content": [
                    {"image": {"format": "png", "source": {"bytes": PNG}}},
                    {"image": {"format": "jpeg", "source": {"bytes": JPEG}}},
                    {"image": {"format": "gif", "source": {"bytes": GIF}}},
                    {"image": {"format": "webp", "source": {"bytes": WEBP}}},
                ],
            }
        ],
    ),
    "consecutive user turns merged": (
        [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
        None,
        [{"role": "user", "content": [{"text": "a"}, {"text": "b"}]}],
    ),
    "an earlier answer": (
        [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "b", "refusal": None},
            {"role": "user", "content": "c"},
        ],
        None,
        [user("a"), {"role": "assistant", "content": [{"text": "b"}]}, user("c")],
    ),
    "blank text never reaches Bedrock": (
        [
            {"role": "user", "content": [{"type": "text", "text": " "}, {"type": "text", "text": "a"}]},
            {"role": "assistant", "content": ""},
            {"role": "system", "content": "  "},
            {"role": "user", "content": "b"},
        ],
        None,
        [{"role": "user", "content": [{"text": "a"}, {"text": "b"}]}],
    ),
    "tool calls and their results": (
        [
            {"role": "user", "content": "look"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [CALL, {**CALL, "id": "call_2", "function": {"name": "lookup", "arguments": ""}}],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "found"},
            {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "none"}]},
            {"role": "user", "content": "thanks"},
        ],
        None,
        [
            user("look"),
            {
                "role": "assistant",
                "content": [USE, {"toolUse": {"toolUseId": "call_2", "name": "lookup", "input": {}}}],
            },
            {
                "role": "user",
                "content": [
                    {"toolResult": {"toolUseId": "call_1", "content": [{"text": "found"}]}},
                    {"toolResult": {"toolUseId": "call_2", "content": [{"text": "none"}]}},
                    {"text": "thanks"},
                ],
            },
        ],
    ),
    "an assistant's text before its tool call": (
        [
            {"role": "user", "content": "look"},
            {"role": "assistant", "content": "Looking.", "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": "call_1", "content": ""},
        ],
        None,
        [
            user("look"),
            {"role": "assistant", "content": [{"text": "Looking."}, USE]},
            {"role": "user", "content": [{"toolResult": {"toolUseId": "call_1", "content": []}}]},
        ],
    ),
}


@pytest.mark.parametrize("name", SHAPES)
def test_every_message_shape_becomes_a_valid_converse_request(name):
    messages, system, expected = SHAPES[name]
    has_tools = any("tool_calls" in m for m in messages)

    arguments = converse({"messages": messages, **({"tools": [TOOL]} if has_tools else {})})

    assert arguments["messages"] == expected
    assert arguments.get("system") == ([{"text": system}] if system else None)
    assert arguments["guardrailConfig"]["guardrailIdentifier"] == "g1"


FIELD_CASES = {
    "nothing but messages": ({}, {"maxTokens": SETTINGS.max_tokens_default}, None),
    "max_completion_tokens wins": ({"max_tokens": 9, "max_completion_tokens": 7}, {"maxTokens": 7}, None),
    "max_tokens alone": ({"max_tokens": 9}, {"maxTokens": 9}, None),
    "temperature above 1 is capped": ({"temperature": 2}, {"maxTokens": 6000, "temperature": 1.0}, None),
    "temperature and top_p": (
        {"temperature": 0.3, "top_p": 0.5},
        {"maxTokens": 6000, "temperature": 0.3, "topP": 0.5},
        None,
    ),
    "stop as a string": ({"stop": "END"}, {"maxTokens": 6000, "stopSequences": ["END"]}, None),
    "stop as a list": ({"stop": ["a", "b"]}, {"maxTokens": 6000, "stopSequences": ["a", "b"]}, None),
    "tools, choice auto": (
        {"tools": [TOOL], "tool_choice": "auto"},
        None,
        {"tools": [SPEC], "toolChoice": {"auto": {}}},
    ),
    "tools, no choice": ({"tools": [TOOL]}, None, {"tools": [SPEC]}),
    "tools, required": (
        {"tools": [TOOL], "tool_choice": "required"},
        None,
        {"tools": [SPEC], "toolChoice": {"any": {}}},
    ),
    "tools, named": (
        {"tools": [TOOL], "tool_choice": {"type": "function", "function": {"name": "lookup"}}},
        None,
        {"tools": [SPEC], "toolChoice": {"tool": {"name": "lookup"}}},
    ),
    "tools, none": ({"tools": [TOOL], "tool_choice": "none"}, None, None),
    "a tool with no parameters, a description, strict": (
        {"tools": [{"type": "function", "function": {"name": "now", "description": "The time", "strict": True}}]},
        None,
        {
            "tools": [
                {
                    "toolSpec": {
                        "name": "now",
                        "description": "The time",
                        "strict": True,
                        "inputSchema": {"json": {"type": "object", "properties": {}}},
                    }
                }
            ]
        },
    ),
    "harmless fields": (
        {
            "user": "u1",
            "seed": 3,
            "metadata": {"a": "b"},
            "store": False,
            "service_tier": "auto",
            "parallel_tool_calls": False,
            "n": 1,
            "logprobs": False,
            "frequency_penalty": 0,
            "presence_penalty": 0.0,
            "response_format": {"type": "text"},
            "modalities": ["text"],
            "logit_bias": {},
            "top_logprobs": 0,
            "stream_options": {"include_usage": True},
            "safety_identifier": "s",
            "prompt_cache_key": "k",
            "verbosity": "medium",
        },
        {"maxTokens": 6000},
        None,
    ),
}


@pytest.mark.parametrize("name", FIELD_CASES)
def test_each_field_becomes_converses(name):
    fields, inference, tool_config = FIELD_CASES[name]

    arguments = converse({"messages": [{"role": "user", "content": "Hi"}], **fields})

    if inference is not None:
        assert arguments["inferenceConfig"] == inference
    assert arguments.get("toolConfig") == tool_config


@pytest.mark.parametrize(
    ("given", "ours"),
    [
        ("none", "low"),
        ("minimal", "low"),
        ("low", "low"),
        ("medium", "medium"),
        ("high", "high"),
        ("xhigh", "xhigh"),
        ("max", "max"),
    ],
)
def test_reasoning_effort_maps_to_our_effort(given, ours):
    parsed = parse({"messages": [{"role": "user", "content": "Hi"}], "reasoning_effort": given})
    assert parsed.request.effort == ours


def test_the_model_is_one_served_and_a_missing_one_is_the_default():
    assert parse({"messages": [{"role": "user", "content": "Hi"}]}).request.model is None
    assert (
        parse({"messages": [{"role": "user", "content": "Hi"}], "model": "us.anthropic.claude-sonnet-5"}).request.model
        == "us.anthropic.claude-sonnet-5"
    )


def test_stream_and_include_usage_are_read():
    parsed = parse(
        {"messages": [{"role": "user", "content": "Hi"}], "stream": True, "stream_options": {"include_usage": True}}
    )
    assert (parsed.request.stream, parsed.include_usage) == (True, True)
    assert parse({"messages": [{"role": "user", "content": "Hi"}], "stream": True}).include_usage is False


def test_every_field_of_the_sdks_request_type_is_in_the_table():
    """A field the SDK can send is used, ignored or refused here on purpose, never by accident."""
    from openai.types.chat.completion_create_params import CompletionCreateParamsBase

    ours = {field.name for field in FIELDS}
    assert set(CompletionCreateParamsBase.__annotations__) <= ours | {"stream"}
    assert [field.name for field in FIELDS if field.treatment not in ("used", "ignored", "refused")] == []


# --- refusals: each names its field -------------------------------------------------------------

HI = [{"role": "user", "content": "Hi"}]
REFUSED = {
    "n above 1": ({"messages": HI, "n": 2}, 400, "n"),
    "n as true": ({"messages": HI, "n": True}, 400, "n"),
    "logprobs": ({"messages": HI, "logprobs": True}, 400, "logprobs"),
    "top_logprobs": ({"messages": HI, "top_logprobs": 2}, 400, "top_logprobs"),
    "json mode": ({"messages": HI, "response_format": {"type": "json_object"}}, 400, "response_format"),
    "audio": ({"messages": HI, "audio": {"voice": "alloy", "format": "wav"}}, 400, "audio"),
    "audio modality": ({"messages": HI, "modalities": ["text", "audio"]}, 400, "modalities"),
    "prediction": ({"messages": HI, "prediction": {"type": "content", "content": "x"}}, 400, "prediction"),
    "a penalty": ({"messages": HI, "frequency_penalty": 0.5}, 400, "frequency_penalty"),
    "functions": ({"messages": HI, "functions": [{"name": "f"}]}, 400, "functions"),
    "an unknown field": ({"messages": HI, "top_k": 5}, 400, "top_k"),
    "no messages": ({"model": "anthropic.claude-sonnet-4-6"}, 400, "messages"),
    "empty messages": ({"messages": []}, 400, "messages"),
    "only a system message": ({"messages": [{"role": "system", "content": "x"}]}, 400, "messages"),
    "an assistant first": ({"messages": [{"role": "assistant", "content": "x"}, *HI]}, 400, "messages"),
    "a blank user message": ({"messages": [{"role": "user", "content": " \n"}]}, 400, "messages[0].content"),
    "an unknown role": ({"messages": [{"role": "bot", "content": "x"}]}, 400, "messages[0].role"),
    "the function role": ({"messages": [{"role": "function", "name": "f", "content": "x"}]}, 400, "messages[0].role"),
    "an unknown message field": (
        {"messages": [{"role": "user", "content": "x", "audio": {"id": "a"}}]},
        400,
        "messages[0].audio",
    ),
    "a NUL in text": ({"messages": [{"role": "user", "content": "a\x00b"}]}, 400, "messages[0].content"),
    "text over the limit": ({"messages": [{"role": "user", "content": "x" * 1001}]}, 413, "messages[0].content"),
    "an audio part": (
        {"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]},
        400,
        "messages[0].content[0].type",
    ),
    "an image in a system message": (
        {
            "messages": [
                {"role": "system", "content": [{"type": "image_url", "image_url": {"url": data_url(PNG)}}]},
                *HI,
            ]
        },
        400,
        "messages[0].content[0].type",
    ),
    "an http image": (
        {
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}],
                }
            ]
        },
        400,
        "messages[0].content[0].image_url.url",
    ),
    "an svg image": (
        {
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "image_url", "image_url": {"url": data_url(b"<svg/>", "image/svg+xml")}}],
                }
            ]
        },
        400,
        "messages[0].content[0].image_url.url",
    ),
    "an image not in base64": (
        {
            "messages": [
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png,abc"}}]}
            ]
        },
        400,
        "messages[0].content[0].image_url.url",
    ),
    "broken base64": (
        {
            "messages": [
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@"}}]}
            ]
        },
        400,
        "messages[0].content[0].image_url.url",
    ),
    "a JPEG called PNG": (
        {
            "messages": [
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": data_url(JPEG, "image/png")}}]}
            ]
        },
        400,
        "messages[0].content[0].image_url.url",
    ),
    "too many images": (
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": data_url(PNG)}}] * 21}]},
        400,
        "messages",
    ),
    "a tool result for no call": (
        {"messages": [*HI, {"role": "tool", "tool_call_id": "call_9", "content": "x"}]},
        400,
        "messages[1].tool_call_id",
    ),
    "tool calls without tools": (
        {
            "messages": [
                *HI,
                {"role": "assistant", "tool_calls": [CALL]},
                {"role": "tool", "tool_call_id": "call_1", "content": "x"},
            ]
        },
        400,
        "tools",
    ),
    "arguments not JSON": (
        {
            "tools": [TOOL],
            "messages": [
                *HI,
                {"role": "assistant", "tool_calls": [{**CALL, "function": {"name": "lookup", "arguments": "{oops"}}]},
            ],
        },
        400,
        "messages[1].tool_calls[0].function.arguments",
    ),
    "a bad tool call id": (
        {"tools": [TOOL], "messages": [*HI, {"role": "assistant", "tool_calls": [{**CALL, "id": "call 1"}]}]},
        400,
        "messages[1].tool_calls[0].id",
    ),
    "tool_choice none with tool calls": (
        {
            "tools": [TOOL],
            "tool_choice": "none",
            "messages": [
                *HI,
                {"role": "assistant", "tool_calls": [CALL]},
                {"role": "tool", "tool_call_id": "call_1", "content": "x"},
            ],
        },
        400,
        "tool_choice",
    ),
    "a named choice not among the tools": (
        {"messages": HI, "tools": [TOOL], "tool_choice": {"type": "function", "function": {"name": "other"}}},
        400,
        "tool_choice",
    ),
    "required without tools": ({"messages": HI, "tool_choice": "required"}, 400, "tool_choice"),
    "a custom tool": ({"messages": HI, "tools": [{"type": "custom", "custom": {"name": "x"}}]}, 400, "tools[0].type"),
    "a bad tool name": (
        {"messages": HI, "tools": [{"type": "function", "function": {"name": "a b"}}]},
        400,
        "tools[0].function.name",
    ),
    "two tools of one name": ({"messages": HI, "tools": [TOOL, TOOL]}, 400, "tools[1].function.name"),
    "a schema not an object": (
        {"messages": HI, "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "array"}}}]},
        400,
        "tools[0].function.parameters",
    ),
    "max_tokens 0": ({"messages": HI, "max_tokens": 0}, 400, "max_tokens"),
    "max_completion_tokens over the cap": (
        {"messages": HI, "max_completion_tokens": 10**6},
        400,
        "max_completion_tokens",
    ),
    "temperature above 2": ({"messages": HI, "temperature": 2.5}, 400, "temperature"),
    "top_p above 1": ({"messages": HI, "top_p": 1.5}, 400, "top_p"),
    "five stop sequences": ({"messages": HI, "stop": ["a", "b", "c", "d", "e"]}, 400, "stop"),
    "a blank stop": ({"messages": HI, "stop": " "}, 400, "stop"),
    "stream not a boolean": ({"messages": HI, "stream": "yes"}, 400, "stream"),
    "bad stream_options": ({"messages": HI, "stream_options": {"include_usage": 1}}, 400, "stream_options"),
    "an unknown effort": ({"messages": HI, "reasoning_effort": "extreme"}, 400, "reasoning_effort"),
    "an unknown model": ({"messages": HI, "model": "gpt-4o"}, 404, "model"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_a_request_this_api_cannot_honour_is_refused_naming_the_field(name):
    body, status, param = REFUSED[name]

    refused = parse(body)

    assert isinstance(refused, ApiError), refused
    assert (refused.status, refused.param) == (status, param), refused.message


def test_an_image_over_bedrocks_size_limit_is_refused_by_size():
    big = PNG + b"\x00" * MAX_IMAGE_BYTES
    body = {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": data_url(big)}}]}]}

    refused = parse(body, Settings(body_max_bytes=10_000_000))

    assert (refused.status, refused.code, refused.param) == (
        413,
        "body_too_large",
        "messages[0].content[0].image_url.url",
    )


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        (b"", "application/json", "missing_body"),
        (b"{", "application/json", "invalid_json"),
        (b"[]", "application/json", "invalid_body"),
        (b'{"messages": 1, "messages": 2}', "application/json", "invalid_json"),
        (b"{}", "text/plain", "unsupported_media_type"),
        (b"x" * 70_000, "application/json", "body_too_large"),
    ],
)
def test_the_body_itself_is_checked_as_for_invoke(body, content_type, code):
    assert parse_chat_request(body, content_type, SETTINGS).code == code
