"""Every way Bedrock can fail, and the answer the caller gets for it (bedrock.py, errors.py).

Refusals come from the stand-in as Bedrock sends them (a rest-json error with
``x-amzn-ErrorType``), so botocore parses them and its standard-mode retries really run.
Transport failures are real where a test can make them (nothing listening, a silent
stream) and raised in botocore's send step where it cannot (a connect timeout).
"""

from __future__ import annotations

import json
import socket

import botocore.session
import pytest
from botocore.exceptions import ConnectionClosedError, ConnectTimeoutError
from starlette.testclient import TestClient

import app as app_module
import bedrock
import replies
from bedrock import CALLER_FAULT_MARKERS, CLIENT_ERRORS
from config import Budget, Settings
from errors import ERRORS
from tests.support.app import JSON, Script, reply, sse_events
from tests.support.caller_faults import CALLER_FAULTS

PROMPT = {"prompt": "hi"}
MODES = pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
SECRET = "internal detail: arn:aws:bedrock:us-east-1:123456789012:x"
SERVICE_MODEL = botocore.session.get_session().get_service_model("bedrock-runtime")

# Bedrock's error code → (our status, our code, Retry-After). One row per row of CLIENT_ERRORS
# (test_every_mapped_code_is_tested checks), plus a code Bedrock may add one day.
EXPECTED = {
    "ThrottlingException": (429, "throttled", "2"),
    "ServiceQuotaExceededException": (429, "quota_exceeded", None),
    "ModelNotReadyException": (503, "model_not_ready", "10"),
    "ServiceUnavailableException": (503, "service_unavailable", None),
    "ModelTimeoutException": (504, "model_timeout", None),
    "ModelErrorException": (502, "model_error", None),
    "ModelStreamErrorException": (502, "model_error", None),
    "InternalServerException": (502, "bedrock_error", None),
    "AccessDeniedException": (500, "model_misconfigured", None),
    "ResourceNotFoundException": (500, "model_misconfigured", None),
    "SomethingNewException": (500, "internal_error", None),
}
# What botocore's standard retry mode retries among them (botocore/retries/standard.py):
# ThrottlingException by its code, ModelNotReadyException because the service model marks it
# `retryable`, and any 500/502/503/504 answer. ServiceQuotaExceeded (400), ModelTimeout (408)
# and ModelError (424) are final. Only throttling backs off by up to 1 s; the others by 50 ms.
RETRIED = {"ThrottlingException", "ModelNotReadyException", "ServiceUnavailableException", "InternalServerException"}


def bedrock_status(code: str) -> int:
    """The HTTP status Bedrock answers ``code`` with, from the service model (400 for the unknown)."""
    try:
        return SERVICE_MODEL.shape_for(code).metadata["error"]["httpStatusCode"]
    except Exception:  # noqa: BLE001 - botocore raises NoShapeFoundError for a code it does not model
        return 400


def refusal(code: str, message: str = SECRET) -> Script:
    return Script(fail_before=(bedrock_status(code), code, message))


def test_every_mapped_code_is_tested():
    assert set(CLIENT_ERRORS) <= set(EXPECTED)
    assert set(EXPECTED) - set(CLIENT_ERRORS) == {"SomethingNewException"}


@MODES
@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_a_refusal_before_the_stream_maps_to_its_row_in_both_modes(client, stand_in, code, stream):
    # GIVEN Bedrock refuses every attempt with this code
    stand_in.script(refusal(code), refusal(code))
    answer = reply(client.post("/invoke", json={**PROMPT, "stream": stream}, headers=JSON))
    # THEN a JSON error with our status and code, and Retry-After where waiting helps
    status, ours, retry_after = EXPECTED[code]
    assert (answer.status, answer.code) == (status, ours)
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers.get("retry-after") == retry_after
    if ours != "model_misconfigured":  # which names the setting to fix (below)
        assert answer.message == ERRORS[ours].message
    assert "123456789012" not in json.dumps(answer.body)  # Bedrock's own text never reaches the caller
    # AND botocore retried what standard mode retries, within BEDROCK_MAX_ATTEMPTS=2
    assert len(stand_in.calls) == (2 if code in RETRIED else 1)


@MODES
@pytest.mark.parametrize("code", sorted(RETRIED))
def test_a_retried_refusal_followed_by_success_is_answered(client, stand_in, code, stream):
    stand_in.script(refusal(code), Script(text=["Second ", "time lucky."]))
    response = client.post("/invoke", json={**PROMPT, "stream": stream}, headers=JSON)
    assert response.status_code == 200
    if stream:
        assert [name for name, _ in sse_events(response.text)] == ["delta", "delta", "done"]
    else:
        assert response.json()["completion"] == "Second time lucky."
    assert [call.wait_ended().outcome for call in stand_in.calls] == ["refused", "complete"]


@pytest.mark.parametrize("attempts", [1, 3])
def test_bedrock_max_attempts_bounds_the_calls(client_with, stand_in, attempts):
    client = client_with(Settings(budget=Budget(connect=2, read=10, attempts=attempts)))
    stand_in.script(*[refusal("ServiceUnavailableException")] * 5)
    answer = reply(client.post("/invoke", json=PROMPT, headers=JSON))
    assert (answer.status, answer.code) == (503, "service_unavailable")
    assert len(stand_in.calls) == attempts


# ------------------------------------------------------------------ ValidationException


def test_every_caller_fault_marker_has_a_message_of_its_own():
    assert set(CALLER_FAULTS) == set(CALLER_FAULT_MARKERS)
    for marker, message in CALLER_FAULTS.items():
        assert [m for m in CALLER_FAULT_MARKERS if m in message.lower()] == [marker], message


@MODES
@pytest.mark.parametrize("marker", sorted(CALLER_FAULTS))
def test_a_validation_error_caused_by_the_input_is_a_400_the_caller_can_act_on(client, stand_in, marker, stream):
    stand_in.script(refusal("ValidationException", CALLER_FAULTS[marker]))
    answer = reply(client.post("/invoke", json={**PROMPT, "stream": stream}, headers=JSON))
    assert (answer.status, answer.code) == (400, "input_rejected")
    assert CALLER_FAULTS[marker] in answer.message
    assert len(stand_in.calls) == 1  # the caller's fault: never retried


@MODES
@pytest.mark.parametrize(
    "message",
    [
        "The provided model identifier is invalid.",
        "Malformed input request, please reformat your input and try again.",
    ],
    ids=["bad model id", "malformed request"],
)
def test_a_validation_error_not_caused_by_the_input_is_a_502(client, stand_in, message, stream):
    stand_in.script(refusal("ValidationException", message))
    answer = reply(client.post("/invoke", json={**PROMPT, "stream": stream}, headers=JSON))
    assert (answer.status, answer.code) == (502, "bedrock_error")
    assert message not in answer.message


@MODES
@pytest.mark.parametrize("code", ["AccessDeniedException", "ResourceNotFoundException"])
def test_a_model_the_function_cannot_use_is_a_500_naming_model_id_and_the_setting(
    client_with, stand_in, logs, code, stream
):
    client = client_with(Settings(model_ids=("eu.anthropic.claude-test-model",)))
    internal = "User: arn:aws:sts::123456789012:assumed-role/bedrock-api-dev-lambda/x is not authorized"
    stand_in.script(refusal(code, internal))
    answer = reply(client.post("/invoke", json={**PROMPT, "stream": stream}, headers=JSON))
    assert (answer.status, answer.code) == (500, "model_misconfigured")
    assert "'eu.anthropic.claude-test-model'" in answer.message and "MODEL_ID" in answer.message
    assert "123456789012" not in answer.message
    # THEN the operator finds the cause at error level in the logs
    [record] = [r for r in logs.records if r["message"] == "request failed"]
    assert record["level"] == "ERROR"
    assert code in record["cause"] and "not authorized" in record["cause"]


def test_bedrocks_words_never_reach_the_caller_mid_stream_either(client, stand_in):
    stand_in.script(Script(text=["a ", "b"], fail_after=1, exception=("internalServerException", SECRET)))
    _, (name, data) = sse_events(client.post("/invoke", json={**PROMPT, "stream": True}, headers=JSON).text)
    assert (name, data["error"]["code"]) == ("error", "bedrock_error")
    assert "123456789012" not in json.dumps(data)


# ------------------------------------------------------------------ transport failures


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def count_sends(test_client: TestClient, raise_error: Exception | None = None) -> list[int]:
    """Count (and optionally fail) every HTTP send of the app's Bedrock client, retries included."""
    sends: list[int] = []

    def before_send(**_):
        sends.append(1)
        if raise_error is not None:
            raise raise_error

    test_client.app.state.bedrock.meta.events.register("before-send.bedrock-runtime.ConverseStream", before_send)
    return sends


@MODES
def test_nothing_listening_at_the_endpoint_is_a_503_after_every_attempt(stream):
    settings = Settings()
    client = bedrock.make_client(settings.budget, endpoint_url=f"http://127.0.0.1:{free_port()}")
    with TestClient(app_module.create_app(settings, client)) as test_client:
        sends = count_sends(test_client)
        answer = reply(test_client.post("/invoke", json={**PROMPT, "stream": stream}, headers=JSON))
    assert (answer.status, answer.code) == (503, "bedrock_unreachable")
    assert answer.headers["content-type"] == "application/json"
    assert len(sends) == 2  # BEDROCK_MAX_ATTEMPTS=2 counts the first attempt: 2 sends, not 3


@MODES
def test_a_connect_timeout_is_retried_within_budget_then_a_503(client, stand_in, stream):
    sends = count_sends(client, ConnectTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"))
    answer = reply(client.post("/invoke", json={**PROMPT, "stream": stream}, headers=JSON))
    assert (answer.status, answer.code) == (503, "bedrock_unreachable")
    assert len(sends) == 2
    assert stand_in.calls == []


@MODES
def test_a_connection_closed_under_the_request_is_retried_within_budget_then_a_503(client, stand_in, stream):
    # e.g. a pooled keep-alive connection Bedrock closed just as the request went out
    sends = count_sends(client, ConnectionClosedError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"))
    answer = reply(client.post("/invoke", json={**PROMPT, "stream": stream}, headers=JSON))
    assert (answer.status, answer.code) == (503, "bedrock_unreachable")
    assert len(sends) == 2
    assert stand_in.calls == []


@MODES
def test_a_model_silent_past_the_read_timeout_before_its_first_event_is_a_504(client_with, stand_in, stream):
    client = client_with(Settings(budget=Budget(connect=2, read=1, attempts=2)))
    stand_in.script(Script(delay_first=3))  # the HTTP headers come at once, then nothing
    answer = reply(client.post("/invoke", json={**PROMPT, "stream": stream}, headers=JSON))
    assert (answer.status, answer.code) == (504, "model_timeout")
    assert len(stand_in.calls) == 1  # botocore had returned the stream: no retry


def test_a_refusal_slower_than_the_read_timeout_is_retried_then_a_504(client_with, stand_in):
    client = client_with(Settings(budget=Budget(connect=2, read=1, attempts=2)))
    stand_in.script(*[Script(fail_before=(503, "ServiceUnavailableException", "later"), delay_first=2)] * 2)
    answer = reply(client.post("/invoke", json=PROMPT, headers=JSON))
    assert (answer.status, answer.code) == (504, "model_timeout")
    assert len(stand_in.calls) == 2


# ------------------------------------------------------------------ bugs of our own


def test_a_bug_in_the_app_is_a_logged_500_without_a_trace(client, stand_in, monkeypatch, logs):
    def broken(*_, **__):
        raise KeyError("oops at 0xc0ffee")

    monkeypatch.setattr(app_module, "parse_request", broken)
    answer = reply(client.post("/invoke", json=PROMPT, headers=JSON))
    assert (answer.status, answer.code, answer.message) == (500, "internal_error", "internal error")
    assert "c0ffee" not in json.dumps(answer.body) and "Traceback" not in json.dumps(answer.body)
    assert any(r["level"] == "ERROR" and "KeyError" in r.get("exception", "") for r in logs.records)
    assert stand_in.calls == []


def test_a_bug_in_the_app_mid_stream_ends_the_stream_with_an_error_event(client, stand_in, monkeypatch, logs):
    def broken(*_, **__):
        raise KeyError("oops at 0xc0ffee")

    monkeypatch.setattr(replies, "done_body", broken)
    stand_in.script(Script(text=["Half ", "an answer"]))
    response = client.post("/invoke", json={**PROMPT, "stream": True}, headers=JSON)
    events = sse_events(response.text)
    assert response.status_code == 200  # sent with the first byte
    assert events[:2] == [("delta", {"text": "Half "}), ("delta", {"text": "an answer"})]
    name, data = events[-1]
    assert (name, data["error"]["code"], data["error"]["message"]) == ("error", "internal_error", "internal error")
    assert "c0ffee" not in response.text and "Traceback" not in response.text
    assert any(r["level"] == "ERROR" and "KeyError" in r.get("exception", "") for r in logs.records)


@MODES
def test_a_bug_on_the_bedrock_thread_is_a_logged_internal_error(client, stand_in, monkeypatch, logs, stream):
    def broken(*_, **__):
        raise RuntimeError("secret internals at 0xc0ffee")

    monkeypatch.setattr(bedrock, "translate", broken)
    response = client.post("/invoke", json={**PROMPT, "stream": stream}, headers=JSON)
    if stream:  # the model had started (its first event arrived): the status is out
        assert response.status_code == 200
        [(name, data)] = sse_events(response.text)
        assert (name, data["error"]["code"]) == ("error", "internal_error")
    else:
        answer = reply(response)
        assert (answer.status, answer.code, answer.message) == (500, "internal_error", "internal error")
    assert "c0ffee" not in response.text
    [record] = [r for r in logs.records if r["message"] == "request failed"]
    assert record["level"] == "ERROR" and "RuntimeError" in record["cause"]
    assert stand_in.calls[0].wait_ended().outcome in ("complete", "disconnected")


def test_every_error_code_has_a_status_in_the_4xx_or_5xx_range_and_a_message():
    for code, spec in ERRORS.items():
        assert 400 <= spec.status <= 599 and spec.message, code
        assert spec.log_level in ("info", "warning", "error"), code
        assert spec.retry_after is None or spec.retry_after > 0, code
