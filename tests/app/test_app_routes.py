"""app.py's own parts, as specifications: the Web Adapter's headers read into an ``Invocation``,
the body read to its limit, the stream loop (``_events``), and what every route answers (status,
body, headers) in each outcome, in both error shapes. The parsers and writers have their own
tests; here they are only called through the app."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.datastructures import Headers

import app as app_module
import openai_replies
import replies
from answer import Done
from bedrock import ReasoningDelta, TextDelta, ToolUseInput, ToolUseStart, Usage
from config import Settings
from errors import ApiError
from relay import Failed
from tests.support.app import Script, sse_events

MONOTONIC = 1000.0  # the fake clock's time.monotonic()
WALL = 1_700_000_000.0  # and its time.time(), in seconds since the epoch
MARGIN = app_module.DEADLINE_MARGIN_SECONDS


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """app.py's ``time``, stopped at MONOTONIC / WALL (tests move ``clock.now`` themselves)."""
    fake = SimpleNamespace(now=MONOTONIC)
    fake.monotonic = lambda: fake.now
    fake.time = lambda: WALL
    monkeypatch.setattr(app_module, "time", fake)
    return fake


def invocation(api: Any = None, function: Any = None, settings: Settings | None = None) -> app_module.Invocation:
    """``Invocation.from_headers`` for these header values (JSON-encoded unless already text)."""
    raw = {}
    for name, value in (("x-amzn-request-context", api), ("x-amzn-lambda-context", function)):
        if value is not None:
            raw[name] = value if isinstance(value, str) else json.dumps(value)
    return app_module.Invocation.from_headers(Headers(raw), settings or Settings())


def is_generated_id(value: str) -> bool:
    return uuid.UUID(value).version == 4 and str(uuid.UUID(value)) == value


# ------------------------------------------------------------------ Invocation.from_headers


@pytest.mark.parametrize(
    ("api", "expected"),
    [
        ({"requestId": "req-1"}, "req-1"),
        ({"requestId": "r" * 128}, "r" * 128),  # the longest kept whole
        ({"requestId": "r" * 129}, "r" * 128),  # the first one cut
    ],
)
def test_the_request_id_is_api_gateways_cut_to_128_characters(clock, api, expected):
    assert invocation(api).request_id == expected


@pytest.mark.parametrize(
    "api",
    [None, {}, {"requestId": ""}, {"requestId": 5}, {"requestId": None}, {"requestid": "x"}, "[1]", "null", "{"],
    ids=["absent", "no-id", "empty", "number", "null", "other-case", "array", "json-null", "not-json"],
)
def test_without_a_usable_request_id_a_fresh_uuid4_is_made_up(clock, api):
    first, second = invocation(api).request_id, invocation(api).request_id
    assert is_generated_id(first) and is_generated_id(second)
    assert first != second


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (None, None),
        ({"request_id": "fn-1"}, "fn-1"),
        ({"request_id": "f" * 128}, "f" * 128),
        ({"request_id": "f" * 129}, "f" * 128),
        ({"request_id": 7}, None),
        ({"REQUEST_ID": "fn-1"}, None),
        ("[1]", None),
    ],
)
def test_the_function_request_id_is_lambdas_when_it_is_text(clock, function, expected):
    assert invocation(function=function).function_request_id == expected


def test_without_the_lambda_context_the_deadline_is_the_lambda_timeout_less_the_margin(clock):
    settings = Settings(lambda_timeout=30)
    made = invocation(settings=settings)
    assert (made.started, made.deadline) == (MONOTONIC, MONOTONIC + 30 - MARGIN)


IN_20_S = int((WALL + 20) * 1000)  # the adapter's deadline (epoch milliseconds): sooner than the timeout


@pytest.mark.parametrize(
    ("function", "deadline_ms"),
    [
        ({"deadline": IN_20_S}, IN_20_S),
        ({"deadline_ms": IN_20_S}, IN_20_S),  # the name the adapter's docs once showed
        ({"deadline": IN_20_S, "deadline_ms": 5}, IN_20_S),  # `deadline` wins
        ({"deadline": 1}, 1),  # the smallest deadline read (long past: the answer ends at once)
        ({"deadline": 2**63 - 1}, 2**63 - 1),  # the largest
        ({"deadline": 0}, None),
        ({"deadline": -5}, None),
        ({"deadline": 2**63}, None),
        ({"deadline": True}, None),  # JSON true is no number of milliseconds
        ({"deadline": float(IN_20_S)}, None),
        ({"deadline": "soon"}, None),
        ({"deadline": None, "deadline_ms": IN_20_S}, None),  # a null `deadline` is not a missing one
        ({"DEADLINE": IN_20_S}, None),
    ],
)
def test_the_adapters_deadline_when_it_is_epoch_milliseconds_else_the_lambda_timeout(clock, function, deadline_ms):
    settings = Settings(lambda_timeout=30)
    made = invocation(function=function, settings=settings)
    if deadline_ms is None:
        assert made.deadline == MONOTONIC + 30 - MARGIN
    else:
        assert made.deadline == MONOTONIC + deadline_ms / 1000 - WALL - MARGIN


def test_a_deadline_in_20_s_leaves_18_s_for_the_answer(clock):
    assert invocation(function={"deadline": IN_20_S}).deadline - MONOTONIC == 18.0


def test_the_adapters_headers_are_read_whatever_their_case_as_starlette_gives_them(clock):
    headers = Headers({"X-Amzn-Request-Context": json.dumps({"requestId": "req-1"})})
    assert app_module.Invocation.from_headers(headers, Settings()).request_id == "req-1"


# ------------------------------------------------------------------ _read_body


class Body:
    """A request whose body arrives in these chunks; counts how many were read."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = chunks
        self.read = 0

    async def stream(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.read += 1
            yield chunk


@pytest.mark.parametrize(
    ("chunks", "body", "read"),
    [
        ((), b"", 0),
        ((b"12345", b"67890"), b"1234567890", 2),  # exactly the limit: read whole
        ((b"12345", b"67890", b"X", b"never read"), b"1234567890X", 3),  # one byte over: stop there
        ((b"1234567890ABC", b"never read"), b"1234567890A", 1),  # the limit and one byte, no more
        ((b"1",) * 12, b"1" * 11, 11),
    ],
    ids=["empty", "at-limit", "over-by-a-chunk", "over-in-one-chunk", "many-small"],
)
def test_the_body_is_read_until_it_is_one_byte_over_the_limit_and_no_further(chunks, body, read):
    request = Body(*chunks)
    assert asyncio.run(app_module._read_body(request, 10)) == body
    assert request.read == read


# ------------------------------------------------------------------ _events: the stream loop


class Writer:
    """A wire format that names what it was asked to write; reasoning is hidden unless shown."""

    def __init__(self, show_reasoning: bool = True, fail_on: str | None = None, opening: str = "open;") -> None:
        self.show_reasoning = show_reasoning
        self.fail_on = fail_on
        self.first = opening

    def opening(self) -> str:
        return self.first

    def text(self, text: str) -> str:
        if text == self.fail_on:
            raise RuntimeError("a bug in the writer")
        return f"text:{text};"

    def reasoning(self, text: str) -> str:
        return f"reasoning:{text};" if self.show_reasoning else ""

    def tool_start(self, start: ToolUseStart) -> str:
        return f"tool:{start.name};"

    def tool_input(self, piece: ToolUseInput) -> str:
        return f"input:{piece.fragment};"

    def done(self, done: Done) -> str:
        return f"done:{done.stop_reason};"

    def error(self, error: ApiError) -> str:
        return f"error:{error.code};"


class Record:
    """A RequestRecord that keeps what it was told."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def answered(self, *args: Any) -> None:
        self.calls.append(("answered", *args))

    def failed(self, error: ApiError, **kwargs: Any) -> None:
        self.calls.append(("failed", error, kwargs))

    def abandoned(self) -> None:
        self.calls.append(("abandoned",))


class FakeAnswer:
    """An answer that yields these batches, each when the clock reads its time."""

    bedrock_ms = 812.5
    first_text_ms = 95.0

    def __init__(self, clock: SimpleNamespace, *timed: tuple[float, list[Any]], then: BaseException | None = None):
        self.clock = clock
        self.timed = timed
        self.then = then
        self.closed = 0

    async def batches(self) -> AsyncIterator[list[Any]]:
        for at, batch in self.timed:
            self.clock.now = MONOTONIC + at
            yield batch
        if self.then is not None:
            raise self.then

    def close(self) -> None:
        self.closed += 1


def stream(answer: FakeAnswer, record: Record, writer: Writer) -> list[str]:
    """What ``_events`` writes, one string per write."""

    async def collect() -> list[str]:
        made = app_module.Invocation("req-1", None, MONOTONIC + 60, MONOTONIC)
        return [chunk.decode() async for chunk in app_module._events(answer, record, made, writer)]

    return asyncio.run(collect())


DONE = Done("end_turn", Usage(12, 3))


def test_a_stream_writes_each_batch_once_and_records_the_whole_answer(clock):
    answer = FakeAnswer(
        clock,
        (0.1, [TextDelta("Hel"), TextDelta("lo")]),
        (0.2, [ReasoningDelta("hmm"), ToolUseStart(1, "t1", "lookup"), ToolUseInput(1, '{"q"')]),
        (0.3, [ToolUseStart(2, "t2", "search"), TextDelta("!"), DONE]),
    )
    record = Record()
    assert stream(answer, record, Writer()) == [
        "open;text:Hel;text:lo;",
        'reasoning:hmm;tool:lookup;input:{"q";',
        "tool:search;text:!;done:end_turn;",
    ]
    assert record.calls == [("answered", "Hello!", DONE, 812.5, 95.0, 2)]
    assert answer.closed == 1


def test_a_failure_from_bedrock_is_the_streams_last_event_and_recorded_after_the_first_byte(clock):
    error = ApiError("model_error", "it broke")
    answer = FakeAnswer(clock, (0.1, [TextDelta("Half")]), (0.2, [TextDelta(" an"), Failed(error)]))
    record = Record()
    assert stream(answer, record, Writer()) == ["open;text:Half;", "text: an;error:model_error;"]
    assert record.calls == [("failed", error, {"after_first_byte": True})]
    assert answer.closed == 1


def test_a_bug_while_streaming_sends_what_was_gathered_then_an_internal_error(clock, logs):
    answer = FakeAnswer(clock, (0.1, [TextDelta("a"), TextDelta("boom"), TextDelta("lost")]))
    record = Record()
    assert stream(answer, record, Writer(fail_on="boom")) == ["open;text:a;error:internal_error;"]
    assert record.calls == [("failed", ApiError("internal_error"), {"after_first_byte": True})]
    assert answer.closed == 1
    [line] = [line for line in logs.records if line["level"] == "ERROR"]
    assert (line["message"], line["request_id"]) == ("unexpected failure while streaming", "req-1")
    assert "RuntimeError: a bug in the writer" in line["exception"]


def test_a_client_gone_mid_stream_is_recorded_as_abandoned_and_the_answer_closed(clock):
    answer = FakeAnswer(clock, (0.1, [TextDelta("a")]), then=asyncio.CancelledError())
    record = Record()
    with pytest.raises(asyncio.CancelledError):
        stream(answer, record, Writer())
    assert record.calls == [("abandoned",)]
    assert answer.closed == 1


THINKING = ": the model is thinking\n\n"
HEARTBEAT = app_module.HEARTBEAT_SECONDS


def test_while_the_model_only_thinks_a_comment_goes_out_once_the_heartbeat_interval_has_passed(clock):
    # The first write is at 0; hidden reasoning writes nothing until HEARTBEAT seconds have passed
    # since the last write (exactly HEARTBEAT is enough), then the count starts again.
    thought = [ReasoningDelta("...")]
    answer = FakeAnswer(
        clock,
        (0.0, [TextDelta("a")]),
        (HEARTBEAT - 0.5, thought),
        (HEARTBEAT, thought),
        (2 * HEARTBEAT - 0.5, thought),
        (2 * HEARTBEAT, thought),
        (2 * HEARTBEAT + 1, [DONE]),
    )
    assert stream(answer, Record(), Writer(show_reasoning=False)) == [
        "open;text:a;",
        THINKING,
        THINKING,
        "done:end_turn;",
    ]


def test_text_after_a_long_silence_is_sent_as_text_not_as_a_comment(clock):
    answer = FakeAnswer(clock, (0.0, [TextDelta("a")]), (HEARTBEAT + 5, [TextDelta("b")]), (HEARTBEAT + 6, [DONE]))
    assert stream(answer, Record(), Writer(show_reasoning=False)) == ["open;text:a;", "text:b;", "done:end_turn;"]


def test_before_anything_is_written_the_heartbeat_counts_from_the_streams_start(clock):
    thought = [ReasoningDelta("...")]
    answer = FakeAnswer(clock, (HEARTBEAT - 0.5, thought), (HEARTBEAT, thought), (HEARTBEAT + 1, [DONE]))
    assert stream(answer, Record(), Writer(show_reasoning=False, opening="")) == [THINKING, "done:end_turn;"]


# ------------------------------------------------------------------ every route's answers, through the app

ORIGIN = "https://app.example.com"
CORS = Settings(cors_allow_origin=ORIGIN)
REQUEST_ID = "req-7"
FROM_LAMBDA = {
    "x-amzn-request-context": json.dumps({"requestId": REQUEST_ID}),
    "x-amzn-lambda-context": json.dumps({"request_id": "fn-7"}),
}
CHAT = {"messages": [{"role": "user", "content": "Hi"}]}


def openai_error(code: str, message: str, param: str | None = None, kind: str = "invalid_request_error") -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def invoke_error(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}, "request_id": REQUEST_ID}


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/v1/models", None, 200),
        ("POST", "/v1/chat/completions", CHAT, 200),
        ("POST", "/v1/chat/completions", {**CHAT, "stream": True}, 200),
        ("POST", "/v1/chat/completions", {"messages": []}, 400),
        ("GET", "/v1/chat/completions", None, 405),
        ("GET", "/v1/nowhere", None, 404),
    ],
    ids=["models", "completion", "stream", "refused", "405", "404"],
)
def test_every_openai_answer_carries_the_request_id_and_the_cors_headers(client_with, method, path, body, status):
    response = client_with(CORS).request(method, path, json=body, headers=FROM_LAMBDA)
    assert response.status_code == status
    assert (response.headers["x-request-id"], response.headers["access-control-allow-origin"]) == (REQUEST_ID, ORIGIN)
    assert response.headers["vary"] == "Origin"


def test_the_models_list_is_the_deployments_models_created_when_the_app_started(client_with, monkeypatch):
    # The app is made (and its start time taken) when client_with is called, under this clock.
    monkeypatch.setattr(app_module, "time", SimpleNamespace(time=lambda: WALL + 0.9, monotonic=time.monotonic))
    settings = Settings(model_ids=("anthropic.claude-sonnet-4-5-20250929-v1:0", "amazon.nova-pro-v1:0"))
    response = client_with(settings).get("/v1/models", headers=FROM_LAMBDA)
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    assert response.json() == {
        "object": "list",
        "data": [
            {"id": model, "object": "model", "created": int(WALL), "owned_by": owner}
            for model, owner in (
                ("anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic"),
                ("amazon.nova-pro-v1:0", "amazon"),
            )
        ],
    }


def test_the_readiness_check_is_a_200_json_ready(client):
    response = client.get("/")
    assert (response.status_code, response.headers["content-type"], response.json()) == (
        200,
        "application/json",
        {"status": "ready"},
    )


@pytest.mark.parametrize(
    ("settings", "method", "path", "allow"),
    [
        (Settings(), "PUT", "/invoke", "POST"),
        (CORS, "PUT", "/invoke", "POST, OPTIONS"),
        (Settings(), "POST", "/", "GET, HEAD"),
        (Settings(), "POST", "/playground", "GET, HEAD"),
        (Settings(), "DELETE", "/playground/script", "GET, HEAD"),
    ],
)
def test_a_405_on_invoke_or_the_pages_names_the_method_and_what_the_path_allows(
    client_with, settings, method, path, allow
):
    response = client_with(settings).request(method, path, json={}, headers=FROM_LAMBDA)
    assert (response.status_code, response.headers["allow"]) == (405, allow)
    assert response.json() == invoke_error("method_not_allowed", f"method {method!r} is not allowed; use {allow}")


@pytest.mark.parametrize(
    ("settings", "method", "path", "allow"),
    [
        (Settings(), "GET", "/v1/chat/completions", "POST"),
        (CORS, "GET", "/v1/chat/completions", "POST, OPTIONS"),
        (Settings(), "POST", "/v1/models", "GET, HEAD"),
    ],
)
def test_a_405_under_v1_is_in_openais_shape_with_allow(client_with, settings, method, path, allow):
    response = client_with(settings).request(method, path, json={}, headers=FROM_LAMBDA)
    assert (response.status_code, response.headers["allow"], response.headers["x-request-id"]) == (
        405,
        allow,
        REQUEST_ID,
    )
    message = f"method {method!r} is not allowed; use {allow}"
    assert response.json() == openai_error("method_not_allowed", message)


def test_a_405_names_at_most_16_characters_of_the_method(client):
    response = client.request("ABCDEFGHIJKLMNOPQ", "/invoke", headers=FROM_LAMBDA)
    assert response.json() == invoke_error("method_not_allowed", "method 'ABCDEFGHIJKLMNOP' is not allowed; use POST")


@pytest.mark.parametrize("path", ["/v1", "/v1/", "/v1/completions", "/v1/models/x"])
def test_a_404_under_v1_is_in_openais_shape_and_names_its_two_paths(client, path):
    response = client.get(path, headers=FROM_LAMBDA)
    assert (response.status_code, response.headers["x-request-id"]) == (404, REQUEST_ID)
    message = "no such path: POST /v1/chat/completions or GET /v1/models"
    assert response.json() == openai_error("not_found", message)


@pytest.mark.parametrize("path", ["/nowhere", "/v1x", "/v10/models", "/V1/models", "/x/v1/models"])
def test_any_other_404_is_in_the_invoke_shape(client, path):
    response = client.get(path, headers=FROM_LAMBDA)
    assert (response.status_code, response.headers["content-type"]) == (404, "application/json")
    assert "x-request-id" not in response.headers
    assert response.json() == invoke_error("not_found", "no such path: POST to /invoke")


@pytest.mark.parametrize("path", ["/nowhere", "/v1/nowhere"])
def test_a_404_is_logged_with_both_request_ids(client, logs, path):
    client.get(path, headers=FROM_LAMBDA)
    [line] = logs.records
    assert {key: line[key] for key in ("message", "request_id", "function_request_id", "status", "error_code")} == {
        "message": "request failed",
        "request_id": REQUEST_ID,
        "function_request_id": "fn-7",
        "status": 404,
        "error_code": "not_found",
    }


def broken(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("a bug in the parser")


@pytest.mark.parametrize(
    ("path", "parser", "expected"),
    [
        ("/invoke", "parse_request", invoke_error("internal_error", "internal error")),
        (
            "/v1/chat/completions",
            "parse_chat_request",
            openai_error("internal_error", "internal error", kind="server_error"),
        ),
    ],
)
def test_a_bug_before_the_answer_is_a_500_internal_error_and_logged_with_its_trace(
    client, stand_in, logs, monkeypatch, path, parser, expected
):
    monkeypatch.setattr(app_module, parser, broken)
    response = client.post(path, json=CHAT, headers={**FROM_LAMBDA, "Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (500, expected)
    bug, failed = logs.records
    assert (bug["level"], bug["message"], bug["request_id"]) == ("ERROR", "unexpected failure", REQUEST_ID)
    assert "RuntimeError: a bug in the parser" in bug["exception"]
    assert (failed["message"], failed["status"], failed["error_code"]) == ("request failed", 500, "internal_error")
    assert stand_in.calls == []


def test_a_chat_completion_is_logged_with_both_request_ids_and_its_first_token_time(client, stand_in, logs):
    stand_in.script(Script(text=["a ", "b"], delay_first=0.05))
    assert client.post("/v1/chat/completions", json=CHAT, headers=FROM_LAMBDA).status_code == 200
    [line] = logs.records
    assert (line["message"], line["request_id"], line["function_request_id"], line["status"]) == (
        "request answered",
        REQUEST_ID,
        "fn-7",
        200,
    )
    assert 0 < line["first_token_ms"] <= line["bedrock_latency_ms"]


def test_a_failure_while_a_chat_completion_is_gathered_is_its_status_in_openais_shape(client, stand_in, logs):
    stand_in.script(Script(text=["a ", "b"], fail_after=1, exception=("throttlingException", "slow down")))
    response = client.post("/v1/chat/completions", json=CHAT, headers=FROM_LAMBDA)
    assert (response.status_code, response.headers["retry-after"], response.headers["x-request-id"]) == (
        429,
        "2",
        REQUEST_ID,
    )
    message = "too many requests to the model; retry later"
    assert response.json() == openai_error("throttled", message, kind="rate_limit_error")
    [line] = logs.records
    assert (line["message"], line["request_id"], line["status"], line["error_code"]) == (
        "request failed",
        REQUEST_ID,
        429,
        "throttled",
    )


def test_every_chunk_of_a_streamed_chat_completion_is_named_after_the_request(client, stand_in):
    stand_in.script(Script(text=["a ", "b"]))
    response = client.post("/v1/chat/completions", json={**CHAT, "stream": True}, headers=FROM_LAMBDA)
    chunks = [
        json.loads(line.removeprefix("data: ")) for line in response.text.split("\n\n") if line.startswith("data: {")
    ]
    assert len(chunks) == 4
    assert {chunk["id"] for chunk in chunks} == {f"chatcmpl-{REQUEST_ID}"}


@pytest.mark.parametrize(
    ("path", "writer", "last"),
    [
        (
            "/invoke",
            replies.InvokeStream,
            'event: error\ndata: {"error":{"code":"internal_error","message":"internal error"},'
            '"request_id":"req-7"}\n\n',
        ),
        (
            "/v1/chat/completions",
            openai_replies.ChunkStream,
            'data: {"error":{"message":"internal error","type":"server_error","param":null,'
            '"code":"internal_error"}}\n\n',
        ),
    ],
)
def test_a_bug_while_streaming_ends_the_stream_with_an_internal_error_and_logs_its_trace(
    client, stand_in, logs, monkeypatch, path, writer, last
):
    monkeypatch.setattr(writer, "text", broken)
    stand_in.script(Script(text=["a ", "b"]))
    body = {"prompt": "Hi", "stream": True} if path == "/invoke" else {**CHAT, "stream": True}
    response = client.post(path, json=body, headers=FROM_LAMBDA)
    assert response.text.endswith(last)
    bug = next(line for line in logs.records if line["level"] == "ERROR")
    assert (bug["message"], bug["request_id"]) == ("unexpected failure while streaming", REQUEST_ID)


@pytest.mark.parametrize(
    ("extra", "reasoning"),
    [({}, {}), ({"include_reasoning": True}, {"reasoning": "Think."})],
    ids=["plain", "reasoning"],
)
def test_an_invoke_answer_is_a_200_with_the_whole_completion_its_end_and_its_ids(
    client_with, stand_in, logs, extra, reasoning
):
    stand_in.script(Script(reasoning=["Think."], text=["Space", "time."], stop_reason="max_tokens", usage=(12, 3)))
    settings = CORS
    response = client_with(settings).post("/invoke", json={"prompt": "Hi", **extra}, headers=FROM_LAMBDA)
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")
    assert (response.headers["access-control-allow-origin"], response.headers["vary"]) == (ORIGIN, "Origin")
    assert response.json() == {
        "completion": "Spacetime.",
        "model": settings.model_id,
        "stop_reason": "max_tokens",
        "usage": {"input_tokens": 12, "output_tokens": 3},
        "request_id": REQUEST_ID,
        **reasoning,
    }
    [line] = logs.records
    assert {key: line[key] for key in ("message", "request_id", "function_request_id", "status", "stop_reason")} == {
        "message": "request answered",
        "request_id": REQUEST_ID,
        "function_request_id": "fn-7",
        "status": 200,
        "stop_reason": "max_tokens",
    }
    assert (line["completion_chars"], line["input_tokens"], line["output_tokens"]) == (10, 12, 3)
    assert 0 < line["first_token_ms"] <= line["bedrock_latency_ms"]


@pytest.mark.parametrize(
    ("scripts", "body", "status", "expected", "retry_after"),
    [
        ((), {"prompt": ""}, 400, ("invalid_field", "'prompt' must not be empty or only whitespace"), None),
        (
            (Script(fail_before=(429, "ThrottlingException", "slow down")),) * 2,  # botocore retries once
            {"prompt": "Hi", "stream": True},
            429,
            ("throttled", "too many requests to the model; retry later"),
            "2",
        ),
        (
            (Script(text=["a ", "b"], fail_after=1, exception=("throttlingException", "slow down")),),
            {"prompt": "Hi"},
            429,
            ("throttled", "too many requests to the model; retry later"),
            "2",
        ),
    ],
    ids=["before-bedrock", "bedrock-refuses", "fails-while-gathered"],
)
def test_an_invoke_refusal_is_its_status_and_error_with_the_request_id_and_cors(
    client_with, stand_in, logs, scripts, body, status, expected, retry_after
):
    stand_in.script(*scripts)
    response = client_with(CORS).post("/invoke", json=body, headers=FROM_LAMBDA)
    assert (response.status_code, response.headers.get("retry-after")) == (status, retry_after)
    assert (response.headers["access-control-allow-origin"], response.headers["vary"]) == (ORIGIN, "Origin")
    assert response.json() == invoke_error(*expected)
    [line] = [line for line in logs.records if line["message"] == "request failed"]
    assert (line["request_id"], line["function_request_id"], line["status"], line["error_code"]) == (
        REQUEST_ID,
        "fn-7",
        status,
        expected[0],
    )


@pytest.mark.parametrize("include_reasoning", [False, True])
def test_an_invoke_stream_is_server_sent_events_with_cors_ending_in_done(client_with, stand_in, include_reasoning):
    stand_in.script(Script(reasoning=["Think."], text=["a ", "b"], usage=(4, 2)))
    settings = CORS
    body = {"prompt": "Hi", "stream": True, "include_reasoning": include_reasoning}
    response = client_with(settings).post("/invoke", json=body, headers=FROM_LAMBDA)
    assert response.status_code == 200
    assert {
        name: response.headers[name] for name in ("content-type", "cache-control", "access-control-allow-origin")
    } == {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "access-control-allow-origin": ORIGIN,
    }
    done = {"model": settings.model_id, "stop_reason": "end_turn", "usage": {"input_tokens": 4, "output_tokens": 2}}
    thought = [("reasoning", {"text": "Think."})] if include_reasoning else []
    assert sse_events(response.text) == [
        *thought,
        ("delta", {"text": "a "}),
        ("delta", {"text": "b"}),
        ("done", {**done, "request_id": REQUEST_ID}),
    ]


@pytest.mark.parametrize("path", ["/invoke", "/v1/chat/completions"])
def test_with_cors_on_both_post_paths_answer_the_preflight(client_with, stand_in, path):
    response = client_with(CORS).options(path, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert (response.status_code, response.headers["access-control-allow-methods"]) == (204, "POST, OPTIONS")
    assert stand_in.calls == []
