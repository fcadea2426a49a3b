"""Answers streamed as the model writes them, and the JSON mode gathered from the same stream.

Every test talks to the local ConverseStream stand-in through a real botocore client, so the
app parses real event-stream frames: deltas, the stop reason and usage, exception events in
the middle of a stream, a connection cut short, a model that goes quiet.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest

import app as app_module
from config import Budget, Settings
from tests.support.app import JSON, LiveServer, Script, make_client, reply, sse_events

PROMPT = {"prompt": "Explain the theory of relativity."}
STREAM = {**PROMPT, "stream": True}


def stream(client, body=STREAM, headers=JSON):
    response = client.post("/invoke", json=body, headers=headers)
    return response, sse_events(response.text)


def test_a_stream_sends_each_delta_then_done_with_stop_reason_usage_and_request_id(client, stand_in):
    stand_in.script(Script(text=["Space", "time ", "curves."], stop_reason="end_turn", usage=(12, 3)))
    response, events = stream(client)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert events[:3] == [("delta", {"text": "Space"}), ("delta", {"text": "time "}), ("delta", {"text": "curves."})]
    name, done = events[3]
    assert name == "done" and len(events) == 4
    assert done["model"] == "us.anthropic.claude-sonnet-5"
    assert done["stop_reason"] == "end_turn"
    assert done["usage"] == {"input_tokens": 12, "output_tokens": 3}
    assert done["request_id"]


def test_the_json_mode_gathers_the_same_stream_into_the_familiar_answer(client, stand_in):
    stand_in.script(Script(text=["Space", "time ", "curves."], stop_reason="max_tokens", usage=(12, 3)))
    answer = reply(client.post("/invoke", json=PROMPT, headers=JSON))
    assert answer.status == 200
    assert answer.body["completion"] == "Spacetime curves."
    assert answer.body["stop_reason"] == "max_tokens"
    assert answer.body["usage"] == {"input_tokens": 12, "output_tokens": 3}
    assert set(answer.body) == {"completion", "model", "stop_reason", "usage", "request_id"}


@pytest.mark.parametrize("body", [PROMPT, STREAM], ids=["json", "stream"])
def test_reasoning_is_never_part_of_the_answer_text(client, stand_in, body):
    stand_in.script(Script(reasoning=["The user wants ", "a summary."], text=["Relativity: ", "time is relative."]))
    response = client.post("/invoke", json=body, headers=JSON)
    assert "The user wants" not in response.text and "a summary." not in response.text
    assert "time is relative." in response.text


def test_the_request_reaches_bedrock_as_converse_stream_with_the_callers_parameters(client_with, stand_in):
    client = client_with(Settings(model_ids=("local.stand-in-not-bedrock",)))  # outside the table: nothing refused
    body = {
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello"},
            {"role": "user", "content": "More?"},
        ],
        "system": "Be brief.",
        "max_tokens": 77,
        "temperature": 0.2,
        "top_p": 0.9,
        "stop_sequences": ["END"],
        "stream": True,
    }
    client.post("/invoke", json=body, headers=JSON)
    [call] = stand_in.calls
    assert call.model_id == "local.stand-in-not-bedrock"
    assert call.body["inferenceConfig"] == {"maxTokens": 77, "temperature": 0.2, "topP": 0.9, "stopSequences": ["END"]}
    assert call.body["system"] == [{"text": "Be brief."}]
    assert [m["role"] for m in call.body["messages"]] == ["user", "assistant", "user"]
    assert "stream" not in json.dumps(call.body)  # our switch, not a Bedrock parameter


@pytest.mark.parametrize("value", [1, 0, "true", "yes", [], {}])
def test_stream_must_be_a_boolean(client, stand_in, value):
    answer = reply(client.post("/invoke", json={**PROMPT, "stream": value}, headers=JSON))
    assert (answer.status, answer.code) == (400, "invalid_field")
    assert "'stream' must be true or false" in answer.message
    assert stand_in.calls == []


def test_stream_null_or_false_means_the_json_answer(client, stand_in):
    for value in (None, False):
        answer = reply(client.post("/invoke", json={**PROMPT, "stream": value}, headers=JSON))
        assert answer.status == 200 and "completion" in answer.body


# --- failures before the first byte keep their HTTP status and JSON body, in both modes ---


@pytest.mark.parametrize("body", [PROMPT, STREAM], ids=["json", "stream"])
@pytest.mark.parametrize(
    ("bedrock_error", "status", "code"),
    [
        ((403, "AccessDeniedException", "not authorized"), 500, "model_misconfigured"),
        ((400, "ValidationException", "Input is too long for requested model."), 400, "input_rejected"),
        ((424, "ModelErrorException", "model failed"), 502, "model_error"),
    ],
)
def test_a_refusal_before_the_stream_is_an_http_status_with_a_json_error(
    client, stand_in, body, bedrock_error, status, code
):
    stand_in.script(Script(fail_before=bedrock_error))
    answer = reply(client.post("/invoke", json=body, headers=JSON))
    assert (answer.status, answer.code) == (status, code)
    assert answer.headers["content-type"] == "application/json"


# --- failures after the first byte: the last event is `error`, never a silent cut ---


@pytest.mark.parametrize(
    ("exception", "code"),
    [
        ("throttlingException", "throttled"),
        ("modelStreamErrorException", "model_error"),
        ("validationException", "bedrock_error"),
        ("serviceUnavailableException", "service_unavailable"),
        ("internalServerException", "bedrock_error"),
    ],
)
def test_an_exception_event_mid_stream_ends_the_stream_with_an_error_event(client, stand_in, exception, code):
    stand_in.script(Script(text=["Half ", "an ", "answer"], fail_after=2, exception=(exception, "it broke")))
    response, events = stream(client)
    assert response.status_code == 200  # the status went out with the first byte
    assert events[:2] == [("delta", {"text": "Half "}), ("delta", {"text": "an "})]
    name, data = events[-1]
    assert name == "error" and len(events) == 3
    assert data["error"]["code"] == code and data["error"]["message"] and data["request_id"]


def test_a_validation_event_caused_by_the_input_is_input_rejected_mid_stream(client, stand_in):
    stand_in.script(Script(text=["a"], fail_after=1, exception=("validationException", "prompt is too long")))
    _, events = stream(client)
    assert events[-1][0] == "error" and events[-1][1]["error"]["code"] == "input_rejected"


def test_a_connection_cut_mid_stream_ends_with_an_error_event(client, stand_in):
    stand_in.script(Script(text=["a ", "b ", "c"], cut_after=1))
    _, events = stream(client)
    assert events[0] == ("delta", {"text": "a "})
    assert events[-1][0] == "error" and events[-1][1]["error"]["code"] == "bedrock_error"


def test_an_exception_event_in_the_json_mode_is_the_errors_http_status(client, stand_in):
    stand_in.script(Script(text=["a ", "b"], fail_after=1, exception=("throttlingException", "slow down")))
    answer = reply(client.post("/invoke", json=PROMPT, headers=JSON))
    assert (answer.status, answer.code) == (429, "throttled")
    assert answer.headers["retry-after"] == "2"


def test_a_model_silent_longer_than_the_read_timeout_is_a_model_timeout(stand_in, client_with):
    client = client_with(Settings(budget=Budget(connect=2, read=1, attempts=1)))
    stand_in.script(Script(text=["a ", "b"], pause_after=1, pause_seconds=3))
    _, events = stream(client)
    assert events[0] == ("delta", {"text": "a "})
    assert events[-1][0] == "error" and events[-1][1]["error"]["code"] == "model_timeout"


# --- the deadline: an unfinished answer ends with stop_reason "time_limit", never a 5xx ---


def lambda_context(seconds_left: float) -> dict[str, str]:
    """What the Web Adapter passes: Lambda's request id and deadline (epoch milliseconds)."""
    deadline = int((time.time() + seconds_left) * 1000)
    return {**JSON, "x-amzn-lambda-context": json.dumps({"request_id": "lambda-1", "deadline": deadline})}


def test_the_adapters_deadline_ends_a_stream_with_done_time_limit(client, stand_in):
    # GIVEN 3.5 s left, of which the app keeps 2 s to say goodbye, and a model that pauses 5 s
    stand_in.script(Script(text=["Once ", "upon ", "a time"], pause_after=2, pause_seconds=5))
    started = time.monotonic()
    _response, events = stream(client, headers=lambda_context(3.5))
    elapsed = time.monotonic() - started
    assert events[:2] == [("delta", {"text": "Once "}), ("delta", {"text": "upon "})]
    name, done = events[-1]
    assert name == "done" and done["stop_reason"] == "time_limit"
    assert done["usage"] == {"input_tokens": None, "output_tokens": None}  # Bedrock never reported them
    assert 1.0 < elapsed < 3.5


def test_a_deadline_named_deadline_ms_is_read_too(client, stand_in):
    stand_in.script(Script(text=["Once ", "upon ", "a time"], pause_after=2, pause_seconds=5))
    deadline = int((time.time() + 3.5) * 1000)
    headers = {**JSON, "x-amzn-lambda-context": json.dumps({"request_id": "lambda-1", "deadline_ms": deadline})}
    _, events = stream(client, headers=headers)
    assert events[-1][0] == "done" and events[-1][1]["stop_reason"] == "time_limit"


def test_the_deadline_gives_the_json_mode_the_text_so_far(client, stand_in):
    stand_in.script(Script(text=["Once ", "upon ", "a time"], pause_after=2, pause_seconds=5))
    answer = reply(client.post("/invoke", json=PROMPT, headers=lambda_context(3.5)))
    assert answer.status == 200
    assert (answer.body["completion"], answer.body["stop_reason"]) == ("Once upon ", "time_limit")


def test_without_the_adapters_header_the_deadline_is_the_lambda_timeout(stand_in, client_with):
    # GIVEN a 4 s timeout, of which 2 s are left for the answer after the margin
    client = client_with(Settings(lambda_timeout=4, budget=Budget(connect=1, read=1, attempts=1)))
    stand_in.script(Script(text=["a ", "b"], delay_between=0.1))  # 6 events, 0.6 s: in time
    _, events = stream(client)
    assert events[-1][1]["stop_reason"] == "end_turn"
    stand_in.script(Script(count=40, delay_between=0.1))  # over 4 s of answer: cut at 2 s
    _, events = stream(client)
    assert events[-1][1]["stop_reason"] == "time_limit"
    assert 3 < len([e for e in events if e[0] == "delta"]) < 40


def test_the_json_mode_also_ends_before_api_gateways_idle_timeout(client, stand_in, monkeypatch):
    # GIVEN an idle limit of 3.5 s (API Gateway's is 300 s) and a far deadline: a JSON answer sends
    # nothing until it is complete, so it must end before the idle limit, not the deadline
    monkeypatch.setattr(app_module, "STREAM_IDLE_TIMEOUT_SECONDS", 3.5)
    stand_in.script(Script(text=["Once ", "upon ", "a time"], pause_after=2, pause_seconds=5))
    answer = reply(client.post("/invoke", json=PROMPT, headers=lambda_context(60)))
    assert (answer.status, answer.body["stop_reason"]) == (200, "time_limit")
    # AND a stream, whose deltas keep the connection busy, is not cut by it
    stand_in.script(Script(text=["a ", "b ", "c"], delay_between=0.4))
    _, events = stream(client, headers=lambda_context(60))
    assert events[-1][1]["stop_reason"] == "end_turn"


def test_a_thinking_model_keeps_the_stream_alive_with_comments_and_never_shows_its_reasoning(
    client, stand_in, monkeypatch
):
    monkeypatch.setattr(app_module, "HEARTBEAT_SECONDS", 0.2)
    stand_in.script(Script(reasoning=["Step one. ", "Step two. ", "Step three."], text=["Answer."], delay_between=0.3))
    response, events = stream(client)
    assert ": the model is thinking" in response.text  # an SSE comment, which clients skip
    assert "Step" not in response.text
    assert [name for name, _ in events] == ["delta", "done"]


def test_a_model_that_does_not_start_before_the_deadline_is_a_504(client, stand_in):
    stand_in.script(Script(delay_first=5))
    answer = reply(client.post("/invoke", json=STREAM, headers=lambda_context(3)))
    assert (answer.status, answer.code) == (504, "model_timeout")


def test_request_ids_come_from_the_adapters_headers(client, stand_in):
    headers = {**lambda_context(60), "x-amzn-request-context": json.dumps({"requestId": "api-req-7", "stage": "v1"})}
    _, events = stream(client, headers=headers)
    assert events[-1][1]["request_id"] == "api-req-7"
    assert reply(client.post("/invoke", json={}, headers=headers)).body["request_id"] == "api-req-7"


def test_unreadable_adapter_headers_fall_back_to_a_generated_id_and_the_timeout(client, stand_in):
    headers = {**JSON, "x-amzn-request-context": "not json", "x-amzn-lambda-context": '{"deadline": "soon"}'}
    _, events = stream(client, headers=headers)
    assert events[-1][0] == "done" and len(events[-1][1]["request_id"]) == 36


# --- a client that goes away: the Bedrock stream is closed at once ---


def test_a_client_disconnect_closes_the_bedrock_stream(stand_in, settings):
    stand_in.script(Script(count=200, delay_between=0.05))  # 10 s of answer if nobody stopped it
    with LiveServer(app_module.create_app(settings, make_client(stand_in, settings))) as server:
        with httpx.stream("POST", f"{server.url}/invoke", json=STREAM, timeout=10) as response:
            lines = response.iter_lines()
            assert next(lines) == "event: delta"
        # the client hung up after the first event
        call = stand_in.wait_for_disconnect(timeout=3)
    assert call.events_sent < call.events_planned / 2


def test_the_readiness_check_carries_the_cors_headers_like_every_answer(client_with, stand_in):
    response = client_with(Settings(cors_allow_origin="*")).get("/")
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == "*"


def test_the_readiness_check_answers_without_calling_bedrock(client, stand_in):
    answer = reply(client.get("/"))
    assert (answer.status, answer.body) == (200, {"status": "ready"})
    assert stand_in.calls == []
