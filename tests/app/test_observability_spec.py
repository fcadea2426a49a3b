"""observability.RequestRecord on its own: the exact log line and EMF metrics of each outcome.

test_app_observability.py shows each outcome is written through the app, and that the names
match what the stack's alarms and dashboard read. These pin every field of the line (with a
scripted clock, so latencies are exact and their rounding is tested) and every EMF blob, so a
field that goes missing, a count of 2 instead of 1, or a dimension lost fails by name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

import observability
from answer import Done
from bedrock import Usage
from config import Settings
from errors import ApiError
from inference import InferenceRequest
from observability import RequestRecord
from tests.support.app import LogCapture, captured_logs

SETTINGS = Settings()
SERVICE = observability.SERVICE
NAMESPACE = observability.NAMESPACE
MESSAGES = ({"role": "user", "content": "What is Bedrock?"},)  # 16 characters
REQUEST = InferenceRequest(messages=MESSAGES, max_tokens=100)


class Clock:
    """Stands in for the ``time`` module in observability.py: ``perf_counter()`` reads ``now``."""

    def __init__(self) -> None:
        self.now = 1.0

    def perf_counter(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(observability, "time", clock)
    return clock


@pytest.fixture
def warm(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that has already counted its cold start."""
    monkeypatch.setattr(observability, "_cold_start", False)


@pytest.fixture(autouse=True)
def no_powertools_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """The names are read once, when the module loads (with defaults for `make serve`): every
    metric carries them even where the environment does not name them (Powertools would
    otherwise fall back on it, and have no namespace at all)."""
    monkeypatch.delenv("POWERTOOLS_SERVICE_NAME", raising=False)
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)


@pytest.fixture
def logs() -> Iterator[LogCapture]:
    with captured_logs() as capture:
        yield capture


def line(logs: LogCapture) -> dict[str, Any]:
    """The one log line written, without Powertools' location and timestamp."""
    [record] = logs.records
    return {k: v for k, v in record.items() if k not in ("location", "timestamp")}


def blobs(out: str) -> list[dict[str, Any]]:
    """The EMF blobs written to stdout, without their timestamp."""
    found = []
    for text in out.splitlines():
        record = json.loads(text)
        del record["_aws"]["Timestamp"]
        found.append(record)
    return found


def blob(metrics: dict[str, tuple[str, float]], dimensions: dict[str, str] | None = None) -> dict[str, Any]:
    """The EMF blob of ``{name: (unit, value)}``, with the service dimension and ``dimensions``."""
    dimensions = dimensions or {}
    return {
        "_aws": {
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [[*dimensions, "service"]],
                    "Metrics": [{"Name": name, "Unit": unit} for name, (unit, _) in metrics.items()],
                }
            ]
        },
        **dimensions,
        "service": SERVICE,
        **{name: [float(value)] for name, (_, value) in metrics.items()},
    }


# ------------------------------------------------------------------ an answered request


def test_an_answer_is_one_info_line_with_ids_sizes_tokens_and_timings_rounded_to_a_tenth(clock, warm, logs, capsys):
    record = RequestRecord("api-1", "fn-1", SETTINGS)
    record.received(REQUEST)
    clock.now = 1.25678  # 256.78 ms after the record began
    record.answered("Hello", Done("end_turn", Usage(10, 5)), bedrock_ms=1234.56, first_text_ms=200.44)
    assert line(logs) == {
        "level": "INFO",
        "message": "request answered",
        "service": SERVICE,
        "request_id": "api-1",
        "function_request_id": "fn-1",
        "model": SETTINGS.model_id,
        "stream": False,
        "prompt_chars": 16,
        "status": 200,
        "stop_reason": "end_turn",
        "bedrock_latency_ms": 1234.6,
        "first_token_ms": 200.4,
        "input_tokens": 10,
        "output_tokens": 5,
        "completion_chars": 5,
        "latency_ms": 256.8,
    }
    assert blobs(capsys.readouterr().out) == [
        blob({"BedrockLatency": ("Milliseconds", 1234.56), "InputTokens": ("Count", 10), "OutputTokens": ("Count", 5)})
    ]


def test_an_answer_without_usage_or_text_logs_no_tokens_and_emits_only_the_latency(clock, warm, logs, capsys):
    record = RequestRecord("api-1", None, SETTINGS)
    record.received(REQUEST)
    record.answered("", Done("time_limit", None), bedrock_ms=30000.0, first_text_ms=None, tool_calls=2)
    assert line(logs) == {
        "level": "INFO",
        "message": "request answered",
        "service": SERVICE,
        "request_id": "api-1",  # and no function_request_id: the Web Adapter gave none
        "model": SETTINGS.model_id,
        "stream": False,
        "prompt_chars": 16,
        "tool_calls": 2,
        "status": 200,
        "stop_reason": "time_limit",
        "bedrock_latency_ms": 30000.0,  # first_token_ms and the tokens are None: Powertools leaves them out
        "completion_chars": 0,
        "latency_ms": 0.0,
    }
    assert blobs(capsys.readouterr().out) == [blob({"BedrockLatency": ("Milliseconds", 30000.0)})]


def test_what_the_request_asked_for_is_logged_but_not_its_words_by_default(clock, warm, logs):
    tools = {"tools": [{"toolSpec": {"name": "a"}}, {"toolSpec": {"name": "b"}}]}
    request = InferenceRequest(
        messages=MESSAGES, max_tokens=100, system="secret", stream=True, model="eu.model-b", tool_config=tools
    )
    record = RequestRecord("api-1", None, SETTINGS)
    record.received(request)
    record.answered("an answer", Done("end_turn", Usage(1, 1)), bedrock_ms=1.0, first_text_ms=1.0)
    logged = line(logs)
    assert (logged["model"], logged["stream"], logged["tools"]) == ("eu.model-b", True, 2)
    assert not {"messages", "system", "completion", "tool_calls"} & set(logged)


def test_log_content_adds_the_conversation_the_system_prompt_and_the_completion(clock, warm, logs):
    request = InferenceRequest(messages=MESSAGES, max_tokens=100, system="be brief")
    record = RequestRecord("api-1", None, Settings(log_content=True))
    record.received(request)
    record.answered("Bedrock is a service.", Done("end_turn", Usage(1, 1)), bedrock_ms=1.0, first_text_ms=1.0)
    logged = line(logs)
    assert (logged["messages"], logged["system"], logged["completion"]) == (
        [{"role": "user", "content": "What is Bedrock?"}],
        "be brief",
        "Bedrock is a service.",
    )


# ------------------------------------------------------------------ a failed request


def test_a_refusal_before_the_request_was_read_logs_the_configured_model_and_counts_one_error(
    clock, warm, logs, capsys
):
    record = RequestRecord("api-1", "fn-1", SETTINGS)
    clock.now = 1.0005  # half a millisecond
    record.failed(ApiError("invalid_json", "the body is not valid JSON at character 11"))
    assert line(logs) == {
        "level": "INFO",
        "message": "request failed",
        "service": SERVICE,
        "request_id": "api-1",
        "function_request_id": "fn-1",
        "model": SETTINGS.model_id,
        "status": 400,
        "error_code": "invalid_json",
        "error": "the body is not valid JSON at character 11",
        "latency_ms": 0.5,
    }
    assert blobs(capsys.readouterr().out) == [blob({"Errors": ("Count", 1)}, {"ErrorCode": "invalid_json"})]


@pytest.mark.parametrize(
    ("code", "level"),
    [("input_rejected", "INFO"), ("throttled", "WARNING"), ("bedrock_error", "ERROR")],
)
def test_a_failure_is_logged_at_its_errors_level_with_its_cause_and_default_message(clock, warm, logs, code, level):
    record = RequestRecord("api-1", None, SETTINGS)
    record.received(REQUEST)
    error = ApiError(code, internal="ClientError: what Bedrock said")
    record.failed(error)
    logged = line(logs)
    assert (logged["level"], logged["status"], logged["error"], logged["cause"]) == (
        level,
        error.status,
        error.spec.message,
        "ClientError: what Bedrock said",
    )
    assert "after_first_byte" not in logged


def test_a_failure_after_the_first_byte_says_so(clock, warm, logs, capsys):
    record = RequestRecord("api-1", None, SETTINGS)
    record.received(REQUEST)
    record.failed(ApiError("model_error"), after_first_byte=True)
    logged = line(logs)
    assert (logged["after_first_byte"], logged["status"], logged["error_code"]) == (True, 502, "model_error")
    assert "cause" not in logged
    assert blobs(capsys.readouterr().out) == [blob({"Errors": ("Count", 1)}, {"ErrorCode": "model_error"})]


# ------------------------------------------------------------------ an abandoned request


def test_a_caller_gone_mid_answer_is_a_499_line_and_no_metric(clock, warm, logs, capsys):
    record = RequestRecord("api-1", None, SETTINGS)
    record.received(REQUEST)
    clock.now = 3.0
    record.abandoned()
    assert line(logs) == {
        "level": "INFO",
        "message": "request abandoned by the client",
        "service": SERVICE,
        "request_id": "api-1",
        "model": SETTINGS.model_id,
        "stream": False,
        "prompt_chars": 16,
        "status": 499,
        "abandoned": True,
        "latency_ms": 2000.0,
    }
    assert capsys.readouterr().out == ""


def test_a_hang_up_after_the_outcome_was_written_writes_nothing_more(clock, warm, logs):
    record = RequestRecord("api-1", None, SETTINGS)
    record.received(REQUEST)
    record.answered("done", Done("end_turn", Usage(1, 1)), bedrock_ms=1.0, first_text_ms=1.0)
    record.abandoned()
    assert [r["message"] for r in logs.records] == ["request answered"]


# ------------------------------------------------------------------ the cold start


def test_the_first_request_of_a_process_also_counts_one_cold_start_and_the_next_does_not(
    clock, logs, capsys, monkeypatch
):
    monkeypatch.setattr(observability, "_cold_start", True)
    for _ in range(2):
        RequestRecord("api-1", None, SETTINGS).failed(ApiError("not_found"))
    errors = blob({"Errors": ("Count", 1)}, {"ErrorCode": "not_found"})
    assert blobs(capsys.readouterr().out) == [blob({"ColdStart": ("Count", 1)}), errors, errors]
