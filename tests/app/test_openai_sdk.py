"""The official ``openai`` SDK, pointed at the app with only ``base_url`` and a key, gets what it expects.

The app runs on a real uvicorn server on a free loopback port and answers through the
ConverseStream stand-in; the SDK parses every answer into its own types and raises its own
exceptions, so a shape it would not read fails here. The stand-in records the Converse request
each call made: what the OpenAI request became is checked there.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator

import httpx
import openai
import pytest
from openai import OpenAI

import app as app_module
from config import Settings
from tests.support.app import FakeBedrock, LiveServer, Script, ToolCall, make_client

MODEL = "anthropic.claude-sonnet-4-6"  # takes temperature and top_p; thinks only when asked
NO_SAMPLING = "us.anthropic.claude-sonnet-5"  # refuses temperature and top_p (models.py)
SETTINGS = Settings(model_ids=(MODEL, NO_SAMPLING))
HELLO = [{"role": "user", "content": "Hello"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
# The smallest PNG there is: the signature the app checks, then an IHDR chunk.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


@pytest.fixture(scope="module")
def serve(shared_stand_in: FakeBedrock) -> Iterator[Callable[[Settings], str]]:
    """``serve(settings)``: the base URL of the app with those settings, one server each."""
    servers: dict[Settings, LiveServer] = {}

    def _serve(settings: Settings) -> str:
        if settings not in servers:
            web_app = app_module.create_app(settings, make_client(shared_stand_in, settings))
            servers[settings] = LiveServer(web_app).__enter__()
        return servers[settings].url

    yield _serve
    for server in servers.values():
        server.__exit__(None, None, None)


@pytest.fixture
def sdk(serve: Callable[[Settings], str], stand_in: FakeBedrock) -> OpenAI:
    """The SDK as a user configures it: a base URL and a key (retries off: each test counts calls)."""
    return OpenAI(base_url=f"{serve(SETTINGS)}/v1", api_key="any-key", max_retries=0)


# --- answers ----------------------------------------------------------------------------------


def test_a_plain_answer_is_a_chat_completion_with_usage(sdk, stand_in):
    stand_in.script(Script(text=["Hello ", "there."], usage=(12, 3)))

    completion = sdk.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": [{"type": "text", "text": "Answer in English."}]},
            {"role": "user", "content": "Hello"},
        ],
        max_tokens=100,
        max_completion_tokens=50,
        temperature=1.5,
        top_p=0.9,
        stop="END",
    )

    assert completion.object == "chat.completion" and completion.id.startswith("chatcmpl-")
    assert completion.model == MODEL
    [choice] = completion.choices
    assert (choice.message.role, choice.message.content, choice.finish_reason) == ("assistant", "Hello there.", "stop")
    assert choice.message.tool_calls is None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens, completion.usage.total_tokens) == (
        12,
        3,
        15,
    )
    assert completion.id == f"chatcmpl-{completion._request_id}"  # the request id, also in x-request-id
    # THEN Bedrock got the system messages as its system prompt, the later max_completion_tokens,
    # the temperature capped at Claude's 1, and the stop sequence
    body = stand_in.calls[0].body
    assert body["system"] == [{"text": "Be brief.\n\nAnswer in English."}]
    assert body["messages"] == [{"role": "user", "content": [{"text": "Hello"}]}]
    assert body["inferenceConfig"] == {"maxTokens": 50, "temperature": 1.0, "topP": 0.9, "stopSequences": ["END"]}


def test_a_streamed_answer_with_include_usage_ends_with_a_usage_chunk_and_done(sdk, stand_in):
    stand_in.script(Script(text=["One ", "two ", "three."], usage=(7, 3)))

    chunks = list(
        sdk.chat.completions.create(model=MODEL, messages=HELLO, stream=True, stream_options={"include_usage": True})
    )

    *answer, last = chunks
    assert all(chunk.object == "chat.completion.chunk" and chunk.model == MODEL for chunk in chunks)
    assert len({chunk.id for chunk in chunks}) == 1
    assert answer[0].choices[0].delta.role == "assistant"
    assert "".join(chunk.choices[0].delta.content or "" for chunk in answer) == "One two three."
    assert [chunk.choices[0].finish_reason for chunk in answer][-1] == "stop"
    assert all(chunk.usage is None for chunk in answer)
    assert last.choices == [] and (last.usage.prompt_tokens, last.usage.completion_tokens) == (7, 3)


def test_without_include_usage_a_stream_has_no_usage_chunk(sdk, stand_in):
    stand_in.script(Script(text=["Hi."]))

    chunks = list(sdk.chat.completions.create(model=MODEL, messages=HELLO, stream=True))

    assert all(chunk.choices and chunk.usage is None for chunk in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_a_streamed_answer_ends_with_done_on_the_wire(serve, stand_in):
    stand_in.script(Script(text=["Hi."]))
    response = httpx.post(
        f"{serve(SETTINGS)}/v1/chat/completions", json={"model": MODEL, "messages": HELLO, "stream": True}
    )

    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.text.endswith("\n\ndata: [DONE]\n\n")
    assert all(block.startswith("data: ") for block in response.text.split("\n\n") if block)


@pytest.mark.parametrize(
    ("stop_reason", "finish_reason"),
    [
        ("max_tokens", "length"),
        ("stop_sequence", "stop"),
        ("guardrail_intervened", "content_filter"),
        ("content_filtered", "content_filter"),
        ("model_context_window_exceeded", "length"),
        ("malformed_model_output", "stop"),
    ],
)
def test_bedrocks_stop_reasons_become_openais_finish_reasons(sdk, stand_in, stop_reason, finish_reason):
    stand_in.script(Script(text=["Cut"], stop_reason=stop_reason))

    completion = sdk.chat.completions.create(model=MODEL, messages=HELLO)

    assert completion.choices[0].finish_reason == finish_reason


# --- tools ------------------------------------------------------------------------------------


def test_a_tool_call_round_trip(sdk, stand_in):
    # GIVEN the model asks for the weather
    stand_in.script(
        Script(text=[], tool_calls=[ToolCall("get_weather", ['{"city": ', '"Paris"}'], "tooluse_1")]),
        Script(text=["It is sunny in Paris."]),
    )
    messages = [{"role": "user", "content": "Weather in Paris?"}]

    asked = sdk.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL], tool_choice="auto")

    [choice] = asked.choices
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls
    assert (call.id, call.type, call.function.name) == ("tooluse_1", "function", "get_weather")
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    # WHEN the client answers with a tool message, as the SDK's docs show
    messages += [choice.message, {"role": "tool", "tool_call_id": call.id, "content": "sunny, 24 °C"}]
    finished = sdk.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL])

    # THEN the model finishes, and Bedrock saw the call and its result as Converse blocks
    assert (finished.choices[0].message.content, finished.choices[0].finish_reason) == ("It is sunny in Paris.", "stop")
    first, second = stand_in.calls
    assert first.body["toolConfig"] == {
        "tools": [
            {
                "toolSpec": {
                    "name": "get_weather",
                    "description": "The weather in a city",
                    "inputSchema": {"json": WEATHER_TOOL["function"]["parameters"]},
                }
            }
        ],
        "toolChoice": {"auto": {}},
    }
    assert second.body["messages"] == [
        {"role": "user", "content": [{"text": "Weather in Paris?"}]},
        {
            "role": "assistant",
            "content": [{"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Paris"}}}],
        },
        {
            "role": "user",
            "content": [{"toolResult": {"toolUseId": "tooluse_1", "content": [{"text": "sunny, 24 °C"}]}}],
        },
    ]


def test_two_parallel_tool_calls_stream_with_indexes_0_and_1(sdk, stand_in):
    # The calls follow a text block, so Bedrock numbers their blocks 1 and 2: the SDK must see 0 and 1.
    stand_in.script(
        Script(
            text=["Checking both."],
            tool_calls=[
                ToolCall("get_weather", ['{"city":', ' "Paris"}'], "call_a"),
                ToolCall("get_weather", ['{"city": "Oslo"}'], "call_b"),
            ],
        )
    )

    chunks = list(sdk.chat.completions.create(model=MODEL, messages=HELLO, tools=[WEATHER_TOOL], stream=True))

    deltas = [call for chunk in chunks for call in (chunk.choices[0].delta.tool_calls or [])]
    firsts = [delta for delta in deltas if delta.id is not None]
    assert [(d.index, d.id, d.type, d.function.name) for d in firsts] == [
        (0, "call_a", "function", "get_weather"),
        (1, "call_b", "function", "get_weather"),
    ]
    assert all(d.type is None and d.function.name is None for d in deltas if d.id is None)
    arguments = {index: "".join(d.function.arguments for d in deltas if d.index == index) for index in (0, 1)}
    assert arguments == {0: '{"city": "Paris"}', 1: '{"city": "Oslo"}'}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == "Checking both."


@pytest.mark.parametrize(
    ("choice", "converse"),
    [
        ("required", {"any": {}}),
        ({"type": "function", "function": {"name": "get_weather"}}, {"tool": {"name": "get_weather"}}),
    ],
)
def test_tool_choice_becomes_converses(sdk, stand_in, choice, converse):
    sdk.chat.completions.create(model=MODEL, messages=HELLO, tools=[WEATHER_TOOL], tool_choice=choice)

    assert stand_in.calls[0].body["toolConfig"]["toolChoice"] == converse


def test_tool_choice_none_sends_no_tools(sdk, stand_in):
    sdk.chat.completions.create(model=MODEL, messages=HELLO, tools=[WEATHER_TOOL], tool_choice="none")

    assert "toolConfig" not in stand_in.calls[0].body


# --- images -----------------------------------------------------------------------------------


def test_an_image_part_reaches_bedrock_as_its_bytes(sdk, stand_in):
    url = "data:image/png;base64," + base64.b64encode(PNG).decode()

    completion = sdk.chat.completions.create(
        model=MODEL,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": url, "detail": "low"}},
                ],
            }
        ],
    )

    assert completion.choices[0].finish_reason == "stop"
    [message] = stand_in.calls[0].body["messages"]
    assert message["content"][0] == {"text": "What is this?"}
    assert message["content"][1]["image"]["format"] == "png"
    assert base64.b64decode(message["content"][1]["image"]["source"]["bytes"]) == PNG  # botocore sends blobs as base64


# --- reasoning --------------------------------------------------------------------------------

THINKING = Script(reasoning=["Paris is ", "in France."], text=["Paris."])


def test_reasoning_is_left_out_unless_asked(sdk, stand_in):
    stand_in.script(THINKING)

    completion = sdk.chat.completions.create(model=MODEL, messages=HELLO, reasoning_effort="high")

    assert completion.choices[0].message.content == "Paris."
    assert "reasoning_content" not in (completion.choices[0].message.model_extra or {})
    assert stand_in.calls[0].body["outputConfig"] == {"effort": "high"}


def test_asked_for_reasoning_it_comes_as_reasoning_content_never_in_content(sdk, stand_in):
    stand_in.script(THINKING, THINKING)

    completion = sdk.chat.completions.create(model=MODEL, messages=HELLO, extra_body={"include_reasoning": True})
    chunks = list(
        sdk.chat.completions.create(model=MODEL, messages=HELLO, stream=True, extra_body={"include_reasoning": True})
    )

    message = completion.choices[0].message
    assert (message.content, message.model_extra["reasoning_content"]) == ("Paris.", "Paris is in France.")
    deltas = [chunk.choices[0].delta for chunk in chunks]
    assert "".join((d.model_extra or {}).get("reasoning_content", "") for d in deltas) == "Paris is in France."
    assert "".join(d.content or "" for d in deltas) == "Paris."
    # Sonnet 4.6 thinks only when asked: asking for the reasoning asks it to think
    assert stand_in.calls[0].body["additionalModelRequestFields"] == {"thinking": {"type": "adaptive"}}


# --- models -----------------------------------------------------------------------------------


def test_models_list_names_the_served_models_default_first(sdk, stand_in):
    models = sdk.models.list()

    assert [(m.id, m.object, m.owned_by) for m in models.data] == [
        (MODEL, "model", "anthropic"),
        (NO_SAMPLING, "model", "anthropic"),
    ]
    assert all(isinstance(m.created, int) for m in models.data)
    assert stand_in.calls == []


# --- errors -----------------------------------------------------------------------------------


def test_a_field_that_cannot_be_honoured_is_a_bad_request_naming_it(sdk, stand_in):
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.chat.completions.create(model=MODEL, messages=HELLO, n=2)

    assert (raised.value.status_code, raised.value.param, raised.value.code) == (400, "n", "unsupported_field")
    assert raised.value.type == "invalid_request_error" and "'n'" in raised.value.message
    assert stand_in.calls == []


def test_an_unknown_model_is_not_found_before_any_bedrock_call(sdk, stand_in):
    with pytest.raises(openai.NotFoundError) as raised:
        sdk.chat.completions.create(model="gpt-4o", messages=HELLO)

    assert (raised.value.param, raised.value.code) == ("model", "model_not_found")
    assert MODEL in raised.value.message
    assert stand_in.calls == []


def test_a_sampling_parameter_the_model_refuses_is_a_bad_request_with_param(sdk, stand_in):
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.chat.completions.create(model=NO_SAMPLING, messages=HELLO, temperature=0.5)

    assert (raised.value.param, raised.value.code) == ("temperature", "unsupported_parameter")
    assert stand_in.calls == []


def test_a_reasoning_effort_the_model_lacks_names_reasoning_effort(serve, stand_in):
    sdk = OpenAI(
        base_url=f"{serve(Settings(model_ids=('anthropic.claude-opus-4-5-20251101-v1:0',)))}/v1",
        api_key="k",
        max_retries=0,
    )
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.chat.completions.create(
            model="anthropic.claude-opus-4-5-20251101-v1:0", messages=HELLO, reasoning_effort="max"
        )

    assert raised.value.param == "reasoning_effort"


def test_bedrock_throttling_is_a_rate_limit_error_with_retry_after(sdk, stand_in):
    stand_in.script(
        *[Script(fail_before=(429, "ThrottlingException", "Too many requests"))] * 2
    )  # botocore retries once

    with pytest.raises(openai.RateLimitError) as raised:
        sdk.chat.completions.create(model=MODEL, messages=HELLO)

    assert raised.value.type == "rate_limit_error" and raised.value.code == "throttled"
    assert raised.value.response.headers["retry-after"] == "2"
    assert "x-should-retry" not in raised.value.response.headers


def test_a_spent_quota_tells_the_sdk_not_to_retry(serve, stand_in):
    retrying = OpenAI(base_url=f"{serve(SETTINGS)}/v1", api_key="k", max_retries=2)
    stand_in.script(*[Script(fail_before=(400, "ServiceQuotaExceededException", "quota"))] * 3)

    with pytest.raises(openai.RateLimitError) as raised:
        retrying.chat.completions.create(model=MODEL, messages=HELLO)

    assert raised.value.code == "quota_exceeded" and raised.value.type == "insufficient_quota"
    assert raised.value.response.headers["x-should-retry"] == "false"
    assert len(stand_in.calls) == 1  # the SDK obeyed: no second request


@pytest.mark.parametrize(
    ("bedrock_error", "status"),
    [
        ((403, "AccessDeniedException", "not authorized"), 500),
        ((500, "InternalServerException", "oops"), 502),
        ((503, "ServiceUnavailableException", "down"), 503),
    ],
)
def test_a_bedrock_failure_is_an_internal_server_error(sdk, stand_in, bedrock_error, status):
    stand_in.script(*[Script(fail_before=bedrock_error)] * 2)  # botocore retries some: one script per attempt

    with pytest.raises(openai.InternalServerError) as raised:
        sdk.chat.completions.create(model=MODEL, messages=HELLO)

    assert raised.value.status_code == status and raised.value.type == "server_error"


def test_a_body_over_the_limit_is_a_413(serve, stand_in):
    small = OpenAI(
        base_url=f"{serve(Settings(model_ids=(MODEL,), body_max_bytes=2000))}/v1", api_key="k", max_retries=0
    )

    with pytest.raises(openai.APIStatusError) as raised:
        small.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "x" * 3000}])

    assert (raised.value.status_code, raised.value.code) == (413, "body_too_large")
    assert stand_in.calls == []


def test_an_error_after_the_stream_started_raises_in_the_sdk(sdk, stand_in):
    stand_in.script(Script(text=["Half ", "an answer"], fail_after=1, exception=("modelStreamErrorException", "broke")))
    received: list[str] = []

    with pytest.raises(openai.APIError) as raised:
        for chunk in sdk.chat.completions.create(model=MODEL, messages=HELLO, stream=True):
            received.append(chunk.choices[0].delta.content or "")

    assert "".join(received) == "Half "
    assert raised.value.code == "model_error" and raised.value.type == "server_error"


def test_an_error_mid_stream_is_one_data_event_and_no_done(serve, stand_in):
    stand_in.script(Script(text=["Half"], fail_after=1, exception=("throttlingException", "slow down")))

    response = httpx.post(
        f"{serve(SETTINGS)}/v1/chat/completions", json={"model": MODEL, "messages": HELLO, "stream": True}
    )

    last = response.text.split("\n\n")[-2]
    assert json.loads(last.removeprefix("data: "))["error"]["code"] == "throttled"
    assert "[DONE]" not in response.text


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/v1/chat/completions", 405),
        ("POST", "/v1/completions", 404),
        ("GET", "/v1/models/x", 404),
        ("POST", "/v1/models", 405),
    ],
)
def test_unknown_paths_and_methods_under_v1_answer_in_openais_error_shape(serve, stand_in, method, path, status):
    response = httpx.request(method, f"{serve(SETTINGS)}{path}")

    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["type"] == "invalid_request_error"
    assert response.headers["x-request-id"]


def test_the_cors_preflight_answers_for_chat_completions(serve, stand_in):
    url = serve(Settings(model_ids=(MODEL,), cors_allow_origin="https://app.example"))

    response = httpx.options(f"{url}/v1/chat/completions")

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    assert "Authorization" in response.headers["access-control-allow-headers"]


# --- the request's log line -------------------------------------------------------------------


def test_the_log_line_counts_text_and_tool_calls_and_never_holds_image_bytes(client_with, stand_in, logs):
    client = client_with(Settings(model_ids=(MODEL,), log_content=True))
    stand_in.script(Script(text=[], tool_calls=[ToolCall("get_weather", ['{"city": "Oslo"}'])]))
    url = "data:image/png;base64," + base64.b64encode(PNG).decode()

    response = client.post(
        "/v1/chat/completions",
        json={
            "model": MODEL,
            "tools": [WEATHER_TOOL],
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "Weather here?"},
                        {"type": "image_url", "image_url": {"url": url}},
                    ],
                }
            ],
        },
    )

    assert response.status_code == 200
    [record] = [r for r in logs.records if r.get("message") == "request answered"]
    assert (record["prompt_chars"], record["tools"], record["tool_calls"]) == (len("Weather here?"), 1, 1)
    assert record["messages"] == [
        {"role": "user", "content": [{"text": "Weather here?"}, {"image": {"format": "png", "bytes": len(PNG)}}]}
    ]
    assert base64.b64encode(PNG).decode() not in logs.text
