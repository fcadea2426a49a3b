"""The top-level fields of a chat completions body: what each one becomes, and each refusal's words.

tests/app/test_openai_request.py shows every shape reaches a valid Converse request; this file
pins the field-by-field contract of ``parse_chat_request`` as whole values: the request each
accepted body becomes (so a dropped or defaulted field is a failure), and the exact ``ApiError``
of each refusal (its code, its words, and ``param``, which an OpenAI client reads). Every limit is
tested on both sides: the last value kept and the first one refused. The messages themselves
are another file's concern; here they are one user turn.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from config import Settings
from errors import ApiError
from inference import InferenceRequest
from openai_request import FIELDS, ChatRequest, parse_chat_request

MODELS = ("anthropic.claude-sonnet-4-6", "us.anthropic.claude-sonnet-5")
SETTINGS = Settings(model_ids=MODELS, max_tokens_default=500, max_tokens_cap=8000, prompt_max_chars=1000)
HI = [{"role": "user", "content": "Hi"}]
BASE = InferenceRequest(messages=({"role": "user", "content": ({"text": "Hi"},)},), max_tokens=500)
SPEC = {"toolSpec": {"name": "lookup", "inputSchema": {"json": {"type": "object", "properties": {}}}}}
CALLS = [  # a conversation that holds a tool call and its result
    *HI,
    {
        "role": "assistant",
        "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "found"},
]


def tool(name: str = "lookup", **function) -> dict:
    return {
        "type": "function",
        "function": {"name": name, "parameters": {"type": "object", "properties": {}}, **function},
    }


def named(name: str) -> dict:
    return {"type": "function", "function": {"name": name}}


def parse(body: dict) -> ChatRequest | ApiError:
    return parse_chat_request(json.dumps(body).encode(), "application/json", SETTINGS)


def request(**fields) -> InferenceRequest:
    parsed = parse({"messages": HI, **fields})
    assert isinstance(parsed, ChatRequest), parsed
    return parsed.request


def refusal(**fields) -> ApiError:
    return parse({"messages": HI, **fields})


def invalid(param: str, detail: str) -> ApiError:
    return ApiError("invalid_field", detail, param=param)


# --- what an accepted body becomes ------------------------------------------------------------


def test_a_body_of_every_used_field_becomes_the_whole_request():
    body = {
        "model": MODELS[1],
        "messages": [{"role": "system", "content": "Be brief."}, *HI],
        "max_completion_tokens": 7,
        "temperature": 0.5,
        "top_p": 0.25,
        "stop": ["END"],
        "stream": True,
        "stream_options": {"include_usage": True},
        "include_reasoning": True,
        "reasoning_effort": "minimal",
        "tools": [tool()],
        "tool_choice": "required",
    }

    assert parse(body) == ChatRequest(
        InferenceRequest(
            messages=BASE.messages,
            max_tokens=7,
            system="Be brief.",
            temperature=0.5,
            top_p=0.25,
            stop_sequences=("END",),
            stream=True,
            include_reasoning=True,
            effort="low",
            model=MODELS[1],
            tool_config={"tools": [SPEC], "toolChoice": {"any": {}}},
        ),
        include_usage=True,
    )


def test_messages_alone_leave_every_other_field_to_its_default():
    assert parse({"messages": HI}) == ChatRequest(BASE, include_usage=False)


def test_null_means_not_given_for_every_field():
    nulls = {field.name: None for field in FIELDS if field.name != "messages"}
    assert parse({"messages": HI, **nulls}) == ChatRequest(BASE)


IGNORED = {
    "user": "u1",
    "safety_identifier": "s1",
    "seed": 3,
    "metadata": {"a": "b"},
    "store": True,
    "service_tier": "flex",
    "parallel_tool_calls": True,
    "prompt_cache_key": "k",
    "prompt_cache_retention": "24h",
    "prompt_cache_options": {"x": 1},
}


@pytest.mark.parametrize("name", IGNORED)
def test_an_ignored_field_is_accepted_with_any_value_and_changes_nothing(name):
    assert request(**{name: IGNORED[name]}) == BASE


@pytest.mark.parametrize(
    ("name", "off"), [(field.name, off) for field in FIELDS if field.treatment == "refused" for off in field.off]
)
def test_a_refused_field_holding_its_off_value_is_accepted_and_ignored(name, off):
    assert request(**{name: off}) == BASE


ACCEPTED = {
    "max_tokens alone": ({"max_tokens": 9}, {"max_tokens": 9}),
    "max_tokens of 1, the least": ({"max_tokens": 1}, {"max_tokens": 1}),
    "max_tokens at the cap": ({"max_tokens": 8000}, {"max_tokens": 8000}),
    "max_completion_tokens wins over max_tokens": (
        {"max_tokens": 9, "max_completion_tokens": 7},
        {"max_tokens": 7},
    ),
    "max_completion_tokens at the cap": ({"max_completion_tokens": 8000}, {"max_tokens": 8000}),
    "temperature 0, the least": ({"temperature": 0}, {"temperature": 0.0}),
    "temperature 0.3 as given": ({"temperature": 0.3}, {"temperature": 0.3}),
    "temperature 1, Claude's highest": ({"temperature": 1}, {"temperature": 1.0}),
    "temperature 1.5 sent as 1": ({"temperature": 1.5}, {"temperature": 1.0}),
    "temperature 2, OpenAI's highest, sent as 1": ({"temperature": 2}, {"temperature": 1.0}),
    "top_p 0": ({"top_p": 0}, {"top_p": 0.0}),
    "top_p 1": ({"top_p": 1}, {"top_p": 1.0}),
    "stop as a string": ({"stop": "END"}, {"stop_sequences": ("END",)}),
    "four stops, OpenAI's most": ({"stop": ["a", "b", "c", "d"]}, {"stop_sequences": ("a", "b", "c", "d")}),
    "an empty stop list": ({"stop": []}, {"stop_sequences": None}),
    "stream false": ({"stream": False}, {"stream": False}),
    "stream true": ({"stream": True}, {"stream": True}),
    "include_reasoning true": ({"include_reasoning": True}, {"include_reasoning": True}),
    "reasoning_effort none, the least": ({"reasoning_effort": "none"}, {"effort": "low"}),
    "reasoning_effort max": ({"reasoning_effort": "max"}, {"effort": "max"}),
    "the first model": ({"model": MODELS[0]}, {"model": MODELS[0]}),
    "the second model": ({"model": MODELS[1]}, {"model": MODELS[1]}),
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_each_used_field_becomes_its_part_of_the_request(name):
    fields, changed = ACCEPTED[name]
    assert request(**fields) == replace(BASE, **changed)


TOOL_CONFIGS = {
    "tools, no choice": ({"tools": [tool()]}, {"tools": [SPEC]}),
    "tools, auto": ({"tools": [tool()], "tool_choice": "auto"}, {"tools": [SPEC], "toolChoice": {"auto": {}}}),
    "tools, required → any": (
        {"tools": [tool()], "tool_choice": "required"},
        {"tools": [SPEC], "toolChoice": {"any": {}}},
    ),
    "tools, a named function → tool": (
        {"tools": [tool()], "tool_choice": named("lookup")},
        {"tools": [SPEC], "toolChoice": {"tool": {"name": "lookup"}}},
    ),
    "tools, none: no tools sent": ({"tools": [tool()], "tool_choice": "none"}, None),
    "auto without tools: no tools sent": ({"tool_choice": "auto"}, None),
    "none without tools": ({"tool_choice": "none"}, None),
    "an empty tools list": ({"tools": []}, None),
    "an empty tools list, auto": ({"tools": [], "tool_choice": "auto"}, None),
    "two tools in order": (
        {"tools": [tool(), tool("now")]},
        {"tools": [SPEC, {"toolSpec": {**SPEC["toolSpec"], "name": "now"}}]},
    ),
    "a tool without parameters takes an empty object": (
        {"tools": [named("now")]},
        {"tools": [{"toolSpec": {"name": "now", "inputSchema": {"json": {"type": "object", "properties": {}}}}}]},
    ),
    "a schema without a type is an object": (
        {"tools": [tool(parameters={"properties": {"q": {"type": "string"}}})]},
        {
            "tools": [
                {
                    "toolSpec": {
                        "name": "lookup",
                        "inputSchema": {"json": {"type": "object", "properties": {"q": {"type": "string"}}}},
                    }
                }
            ]
        },
    ),
    "a schema is passed on as given": (
        {"tools": [tool(parameters={"type": "object", "required": ["q"]})]},
        {"tools": [{"toolSpec": {"name": "lookup", "inputSchema": {"json": {"type": "object", "required": ["q"]}}}}]},
    ),
    "a description and strict true": (
        {"tools": [tool(description="Finds things", strict=True)]},
        {"tools": [{"toolSpec": {**SPEC["toolSpec"], "description": "Finds things", "strict": True}}]},
    ),
    "strict false is passed on": (
        {"tools": [tool(strict=False)]},
        {"tools": [{"toolSpec": {**SPEC["toolSpec"], "strict": False}}]},
    ),
    "a blank description is left out (Converse refuses it)": ({"tools": [tool(description=" ")]}, {"tools": [SPEC]}),
}


@pytest.mark.parametrize("name", TOOL_CONFIGS)
def test_tools_and_tool_choice_become_converses_tool_config(name):
    fields, tool_config = TOOL_CONFIGS[name]
    assert request(**fields) == replace(BASE, tool_config=tool_config)


def test_a_conversation_with_tool_calls_sends_its_tools():
    parsed = parse({"messages": CALLS, "tools": [tool()]})
    assert parsed.request.tool_config == {"tools": [SPEC]}


@pytest.mark.parametrize(
    ("stream_options", "include_usage"),
    [
        ({"include_usage": True}, True),
        ({"include_usage": False}, False),
        ({}, False),
        ({"include_obfuscation": True}, False),
        ({"include_usage": True, "include_obfuscation": False}, True),
        (None, False),
    ],
)
def test_stream_options_asks_for_the_usage_chunk_only_with_include_usage_true(stream_options, include_usage):
    assert parse({"messages": HI, "stream_options": stream_options}) == ChatRequest(BASE, include_usage)


# --- refusals, word for word ------------------------------------------------------------------

FIELD_NOTE = "the README lists every field this API takes"
MAX_TOKENS = "must be an integer from 1 to 8000"
STOP = "'stop' must be a string or a list of at most 4 strings"
STREAM_OPTIONS = "'stream_options' must be {\"include_usage\": true or false}"
EFFORT = "'reasoning_effort' must be one of none, minimal, low, medium, high, xhigh, max"
SERVED = "use one of: anthropic.claude-sonnet-4-6, us.anthropic.claude-sonnet-5"
TOOLS = '\'tools\' must be a list of {"type": "function", "function": {...}} objects'
TOOL_0 = '\'tools[0]\' must be {"type": "function", "function": {"name", ...}}'
CHOICE = "'tool_choice' must be 'auto', 'required', 'none' or {\"type\": \"function\", \"function\": {\"name\": ...}}"
NONE_WITH_CALLS = (
    "'tool_choice' none cannot be honoured while the conversation holds tool calls: Bedrock's Converse has "
    "no \"none\" and needs the tools to show those calls; use 'auto'"
)
CALLS_WITHOUT_TOOLS = (
    "the messages hold tool calls, so 'tools' must list the tools: Bedrock's Converse refuses tool calls without them"
)

REFUSED = {
    "an unknown field": (
        {"top_k": 5},
        ApiError("unknown_field", f"unknown field 'top_k'; {FIELD_NOTE}", param="top_k"),
    ),
    "an unknown field's name, cut at 40 characters": (
        {"k" * 41: 1},
        ApiError("unknown_field", f"unknown field '{'k' * 40}'; {FIELD_NOTE}", param="k" * 40),
    ),
    "n above 1": (
        {"n": 2},
        ApiError("unsupported_field", "'n' cannot be honoured here: one choice only (only 1 is accepted)", param="n"),
    ),
    "n as true, which is not the number 1": (
        {"n": True},
        ApiError("unsupported_field", "'n' cannot be honoured here: one choice only (only 1 is accepted)", param="n"),
    ),
    "a penalty, with both off values named": (
        {"frequency_penalty": 0.5},
        ApiError(
            "unsupported_field",
            "'frequency_penalty' cannot be honoured here: Claude on Bedrock takes no penalties "
            "(only 0 or 0.0 is accepted)",
            param="frequency_penalty",
        ),
    ),
    "json mode, its off value shown as JSON": (
        {"response_format": {"type": "json_object"}},
        ApiError(
            "unsupported_field",
            "'response_format' cannot be honoured here: no JSON mode or schema: describe the format in the prompt, "
            'or use a tool (only {"type": "text"} is accepted)',
            param="response_format",
        ),
    ),
    "audio, which has no off value": (
        {"audio": {"voice": "alloy"}},
        ApiError("unsupported_field", "'audio' cannot be honoured here: text only", param="audio"),
    ),
    "max_tokens 0": ({"max_tokens": 0}, invalid("max_tokens", f"'max_tokens' {MAX_TOKENS}")),
    "max_tokens one over the cap": ({"max_tokens": 8001}, invalid("max_tokens", f"'max_tokens' {MAX_TOKENS}")),
    "max_tokens as a float": ({"max_tokens": 5.0}, invalid("max_tokens", f"'max_tokens' {MAX_TOKENS}")),
    "max_tokens as a string": ({"max_tokens": "5"}, invalid("max_tokens", f"'max_tokens' {MAX_TOKENS}")),
    "max_tokens as true": ({"max_tokens": True}, invalid("max_tokens", f"'max_tokens' {MAX_TOKENS}")),
    "max_completion_tokens over the cap, named though max_tokens is fine": (
        {"max_tokens": 5, "max_completion_tokens": 8001},
        invalid("max_completion_tokens", f"'max_completion_tokens' {MAX_TOKENS}"),
    ),
    "temperature just above 2": (
        {"temperature": 2.01},
        invalid("temperature", "'temperature' must be a number from 0 to 2"),
    ),
    "temperature below 0": (
        {"temperature": -0.01},
        invalid("temperature", "'temperature' must be a number from 0 to 2"),
    ),
    "temperature as a string": (
        {"temperature": "1"},
        invalid("temperature", "'temperature' must be a number from 0 to 2"),
    ),
    "temperature as true": (
        {"temperature": True},
        invalid("temperature", "'temperature' must be a number from 0 to 2"),
    ),
    "top_p just above 1": ({"top_p": 1.01}, invalid("top_p", "'top_p' must be a number from 0 to 1")),
    "top_p below 0": ({"top_p": -0.01}, invalid("top_p", "'top_p' must be a number from 0 to 1")),
    "five stops": ({"stop": ["a", "b", "c", "d", "e"]}, invalid("stop", STOP)),
    "stop as a number": ({"stop": 5}, invalid("stop", STOP)),
    "a blank second stop": (
        {"stop": ["a", " \n"]},
        invalid("stop", "'stop[1]' must be a string holding more than white space"),
    ),
    "a stop not a string": (
        {"stop": ["a", 1]},
        invalid("stop", "'stop[1]' must be a string holding more than white space"),
    ),
    "a stop with a control character": (
        {"stop": "a\x00"},
        invalid("stop", "'stop[0]' must be a string holding more than white space"),
    ),
    "stream as a string": ({"stream": "yes"}, invalid("stream", "'stream' must be true or false, not a string")),
    "include_reasoning as a number": (
        {"include_reasoning": 1},
        invalid("include_reasoning", "'include_reasoning' must be true or false, not a number"),
    ),
    "stream_options as a list": ({"stream_options": []}, invalid("stream_options", STREAM_OPTIONS)),
    "stream_options as true": ({"stream_options": True}, invalid("stream_options", STREAM_OPTIONS)),
    "stream_options with another key": ({"stream_options": {"other": True}}, invalid("stream_options", STREAM_OPTIONS)),
    "include_usage as 1": ({"stream_options": {"include_usage": 1}}, invalid("stream_options", STREAM_OPTIONS)),
    "include_usage as a string": (
        {"stream_options": {"include_usage": "true"}},
        invalid("stream_options", STREAM_OPTIONS),
    ),
    "an unknown effort": ({"reasoning_effort": "extreme"}, invalid("reasoning_effort", EFFORT)),
    "an effort as a number": ({"reasoning_effort": 3}, invalid("reasoning_effort", EFFORT)),
    "an effort as a list": ({"reasoning_effort": ["high"]}, invalid("reasoning_effort", EFFORT)),
    "an effort as an object": ({"reasoning_effort": {"level": "high"}}, invalid("reasoning_effort", EFFORT)),
    "a model not served": (
        {"model": "gpt-4o"},
        ApiError("model_not_found", f"the model 'gpt-4o' is not served here; {SERVED}", param="model"),
    ),
    "a model as a number, named by its type": (
        {"model": 5},
        ApiError("model_not_found", f"the model a number is not served here; {SERVED}", param="model"),
    ),
    "tools as an object": ({"tools": {"type": "function"}}, invalid("tools", TOOLS)),
    "a custom tool, second": (
        {"tools": [tool(), {"type": "custom", "custom": {"name": "x"}}]},
        ApiError(
            "unsupported_field",
            "'tools[1]' is a custom tool; only function tools can be offered",
            param="tools[1].type",
        ),
    ),
    "a tool as a string": ({"tools": ["lookup"]}, invalid("tools[0]", TOOL_0)),
    "a tool's function as a string": (
        {"tools": [{"type": "function", "function": "lookup"}]},
        invalid("tools[0]", TOOL_0),
    ),
    "a tool of another type": (
        {"tools": [{"type": "web_search", "function": {"name": "lookup"}}]},
        invalid("tools[0]", TOOL_0),
    ),
    "a tool with another key": ({"tools": [{**tool(), "cache_control": {}}]}, invalid("tools[0]", TOOL_0)),
    "a second tool malformed": (
        {"tools": [tool(), {"type": "function"}]},
        invalid("tools[1]", TOOL_0.replace("tools[0]", "tools[1]")),
    ),
    "unknown function fields: the first in order named, cut at 40": (
        {"tools": [tool(zeta=1, **{"a" * 41: 2})]},
        invalid(f"tools[0].function.{'a' * 40}", f"a function takes no field '{'a' * 40}'"),
    ),
    "a tool name with a space": (
        {"tools": [tool("a b")]},
        invalid(
            "tools[0].function.name", "'tools[0].function.name' must be 1 to 64 characters of letters, digits, _ -"
        ),
    ),
    "two tools of one name": (
        {"tools": [tool(), tool()]},
        invalid("tools[1].function.name", "two tools are named 'lookup'"),
    ),
    "a description not a string": (
        {"tools": [tool(description=5)]},
        invalid("tools[0].function.description", "'tools[0].function.description' must be a string"),
    ),
    "strict not a boolean": (
        {"tools": [tool(strict="yes")]},
        invalid("tools[0].function.strict", "'tools[0].function.strict' must be true or false"),
    ),
    "a schema of another type": (
        {"tools": [tool(parameters={"type": "array"})]},
        invalid("tools[0].function.parameters", "'tools[0].function.parameters' must be a JSON Schema of type object"),
    ),
    "a schema not an object": (
        {"tools": [tool(parameters="q: string")]},
        invalid("tools[0].function.parameters", "'tools[0].function.parameters' must be a JSON Schema of type object"),
    ),
    "an unknown tool_choice": ({"tools": [tool()], "tool_choice": "any"}, invalid("tool_choice", CHOICE)),
    "a named choice of another type": (
        {"tools": [tool()], "tool_choice": {"type": "tool", "function": {"name": "lookup"}}},
        invalid("tool_choice", CHOICE),
    ),
    "a named choice whose function is a string": (
        {"tools": [tool()], "tool_choice": {"type": "function", "function": "lookup"}},
        invalid("tool_choice", CHOICE),
    ),
    "a named choice with another key": (
        {"tools": [tool()], "tool_choice": {**named("lookup"), "strict": True}},
        invalid("tool_choice", CHOICE),
    ),
    "a named choice not among the tools": (
        {"tools": [tool()], "tool_choice": named("other")},
        invalid("tool_choice", "'tool_choice' names the function 'other', which 'tools' does not hold"),
    ),
    "required without tools": ({"tool_choice": "required"}, invalid("tool_choice", "'tool_choice' needs 'tools'")),
    "required with an empty tools list": (
        {"tools": [], "tool_choice": "required"},
        invalid("tool_choice", "'tool_choice' needs 'tools'"),
    ),
    "tool calls in the messages without tools": ({"messages": CALLS}, invalid("tools", CALLS_WITHOUT_TOOLS)),
    "tool_choice none while the messages hold tool calls": (
        {"messages": CALLS, "tools": [tool()], "tool_choice": "none"},
        ApiError("unsupported_field", NONE_WITH_CALLS, param="tool_choice"),
    ),
}


@pytest.mark.parametrize("name", REFUSED)
def test_a_field_this_api_cannot_take_is_refused_in_words_naming_it(name):
    fields, error = REFUSED[name]
    assert refusal(**fields) == error


def test_messages_are_required_even_when_given_as_null():
    missing = ApiError("missing_field", "'messages' is required: a non-empty list of messages", param="messages")
    assert parse({"model": MODELS[0]}) == missing
    assert parse({"messages": None}) == missing


@pytest.mark.parametrize(("body", "kind"), [(b"[]", "an array"), (b'"Hi"', "a string"), (b"1", "a number")])
def test_a_body_that_is_not_an_object_names_what_it_is(body, kind):
    assert parse_chat_request(body, "application/json", SETTINGS) == ApiError(
        "invalid_body", f"the body must be a JSON object, not {kind}"
    )
