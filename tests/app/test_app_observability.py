"""One structured log line and one set of EMF metrics per request, in both answer modes.

Logs carry the ids needed to follow one request (API Gateway's and Lambda's, from the Web
Adapter's headers), the model, status, tokens, latency, time to first token and the mode,
and never the prompt or completion text unless LOG_CONTENT is on. Metrics are CloudWatch EMF
lines on stdout, with the names, units and dimensions the stack's alarms and dashboard read
(constructs_lib/monitoring.py); a stream's are written before its last event.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

import httpx
import pytest

import app as app_module
import observability
from config import Settings
from constructs_lib.aws import CloudwatchDashboard, CloudwatchMetricAlarm
from constructs_lib.monitoring import AlarmThresholds, MonitoredNames, Monitoring, TokenPrices
from constructs_lib.settings import Settings as StackSettings
from constructs_lib.stack import handler_environment
from tests.support.app import JSON, LiveServer, Script, make_client, sse_events
from tests.support.stack import resources_of, synth_construct

MODES = pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
PROMPT = "What is Amazon Bedrock? Answer in one sentence."
COMPLETION = ["Bedrock is a managed service ", "for foundation models."]
UNITS = {
    "InputTokens": "Count",
    "OutputTokens": "Count",
    "BedrockLatency": "Milliseconds",
    "Errors": "Count",
    "ColdStart": "Count",
}


def adapter_headers(api_request_id: str = "api-req-1", function_request_id: str = "lambda-req-42") -> dict[str, str]:
    """What the Web Adapter adds in Lambda: API Gateway's requestContext and Lambda's context."""
    deadline = int((time.time() + 60) * 1000)
    return {
        **JSON,
        "x-amzn-request-context": json.dumps({"requestId": api_request_id, "stage": "v1"}),
        "x-amzn-lambda-context": json.dumps({"request_id": function_request_id, "deadline": deadline}),
    }


def emf(out: str) -> list[dict[str, Any]]:
    """The EMF blobs among the lines written to stdout."""
    blobs = []
    for line in filter(None, out.splitlines()):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "_aws" in record:
            blobs.append(record)
    return blobs


def metrics_of(blob: dict[str, Any]) -> tuple[dict[str, str], set[str]]:
    """({metric name: unit}, dimension names) of one EMF blob."""
    [directive] = blob["_aws"]["CloudWatchMetrics"]
    [dimensions] = directive["Dimensions"]
    return {m["Name"]: m["Unit"] for m in directive["Metrics"]}, set(dimensions)


def one(records: list[dict[str, Any]], message: str) -> dict[str, Any]:
    [record] = [r for r in records if r["message"] == message]
    return record


# ------------------------------------------------------------------ the log line


@MODES
def test_an_answered_request_is_logged_with_ids_model_status_tokens_and_timings(client, stand_in, logs, stream):
    stand_in.script(Script(text=COMPLETION, usage=(14, 9), delay_first=0.2, delay_between=0.02))
    response = client.post("/invoke", json={"prompt": PROMPT, "stream": stream}, headers=adapter_headers())
    assert response.status_code == 200
    record = one(logs.records, "request answered")
    assert record["level"] == "INFO"
    assert (record["request_id"], record["function_request_id"]) == ("api-req-1", "lambda-req-42")
    assert record["model"] == "us.anthropic.claude-sonnet-5"
    assert (record["status"], record["stop_reason"], record["stream"]) == (200, "end_turn", stream)
    assert (record["input_tokens"], record["output_tokens"]) == (14, 9)
    assert 200 <= record["first_token_ms"] <= record["bedrock_latency_ms"] <= record["latency_ms"] + 1
    assert record["prompt_chars"] == len(PROMPT) and record["completion_chars"] == len("".join(COMPLETION))


def test_without_the_adapters_headers_the_log_has_the_generated_id_the_caller_got(client, logs):
    answer = client.post("/invoke", json={"prompt": "hi"}, headers=JSON).json()
    record = one(logs.records, "request answered")
    assert record["request_id"] == answer["request_id"]
    assert "function_request_id" not in record


@MODES
def test_prompt_and_completion_text_are_not_logged_by_default(client, stand_in, logs, stream):
    stand_in.script(Script(text=COMPLETION))
    client.post("/invoke", json={"prompt": PROMPT, "system": "Be terse.", "stream": stream}, headers=JSON)
    client.post(
        "/invoke", json={"prompt": "my secret diary " * 2000, "stream": stream}, headers=JSON
    )  # refused: too long
    assert [r["status"] for r in logs.records] == [200, 413]
    assert "Amazon Bedrock?" not in logs.text and "Be terse" not in logs.text
    assert "managed service" not in logs.text
    assert "secret diary" not in logs.text


@MODES
def test_log_content_logs_the_conversation_and_the_completion(client_with, stand_in, logs, stream):
    client = client_with(Settings(log_content=True))
    stand_in.script(Script(text=COMPLETION))
    body = {
        "system": "You are a terse assistant.",
        "stream": stream,
        "messages": [
            {"role": "user", "content": "Name a prime."},
            {"role": "assistant", "content": "7"},
            {"role": "user", "content": "And one more?\nJust the number, please."},
        ],
    }
    client.post("/invoke", json=body, headers=JSON)
    record = one(logs.records, "request answered")
    assert record["system"] == "You are a terse assistant."
    assert record["messages"][-1] == {"role": "user", "content": "And one more?\nJust the number, please."}
    assert record["completion"] == "".join(COMPLETION)


@MODES
def test_a_refused_request_is_logged_at_info_with_its_code_and_message(client, logs, stream):
    client.post(
        "/invoke", json={"prompt": "hi", "max_tokens": 0, "stream": stream}, headers=adapter_headers("api-req-2")
    )
    record = one(logs.records, "request failed")
    assert (record["level"], record["status"], record["error_code"]) == ("INFO", 400, "invalid_field")
    assert "'max_tokens'" in record["error"] and record["request_id"] == "api-req-2"


def test_a_bedrock_refusal_is_logged_at_its_level_with_the_cause(client, stand_in, logs):
    stand_in.script(*[Script(fail_before=(429, "ThrottlingException", "Too many tokens, please wait."))] * 2)
    client.post("/invoke", json={"prompt": "hi"}, headers=JSON)
    record = one(logs.records, "request failed")
    assert (record["level"], record["status"], record["error_code"]) == ("WARNING", 429, "throttled")
    assert "ThrottlingException" in record["cause"] and "please wait" in record["cause"]


def test_a_failure_after_the_first_byte_is_logged_as_such(client, stand_in, logs):
    stand_in.script(Script(text=["a ", "b"], fail_after=1, exception=("modelStreamErrorException", "model broke")))
    client.post("/invoke", json={"prompt": "hi", "stream": True}, headers=JSON)
    record = one(logs.records, "request failed")
    assert (record["error_code"], record["after_first_byte"], record["stream"]) == ("model_error", True, True)
    assert "model broke" in record["cause"]


def test_an_abandoned_stream_is_logged_as_such(stand_in, settings, logs):
    stand_in.script(Script(count=200, delay_between=0.05))  # 10 s of answer if nobody stopped it
    with LiveServer(app_module.create_app(settings, make_client(stand_in, settings))) as server:
        with httpx.stream(
            "POST",
            f"{server.url}/invoke",
            json={"prompt": "hi", "stream": True},
            headers=adapter_headers("api-req-gone"),
            timeout=10,
        ) as response:
            assert next(response.iter_lines()) == "event: delta"
        # the client hung up after the first event
        stand_in.wait_for_disconnect(timeout=3)
        for _ in range(300):
            if any(r["message"] == "request abandoned by the client" for r in logs.records):
                break
            time.sleep(0.01)
    record = one(logs.records, "request abandoned by the client")
    assert (record["request_id"], record["stream"], record["abandoned"]) == ("api-req-gone", True, True)
    assert "request answered" not in logs.text


# ------------------------------------------------------------------ EMF metrics


@MODES
def test_tokens_and_bedrock_latency_are_emitted_as_emf(client, stand_in, capsys, stream):
    stand_in.script(Script(text=COMPLETION, usage=(14, 9)))
    capsys.readouterr()
    client.post("/invoke", json={"prompt": "hi", "stream": stream}, headers=JSON)
    [blob] = [b for b in emf(capsys.readouterr().out) if "InputTokens" in b]
    assert blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "BedrockInferenceApi"
    assert blob["service"] == "bedrock-api-test"
    assert (blob["InputTokens"], blob["OutputTokens"]) == ([14.0], [9.0])
    assert blob["BedrockLatency"][0] >= 0
    assert metrics_of(blob) == (
        {"InputTokens": "Count", "OutputTokens": "Count", "BedrockLatency": "Milliseconds"},
        {"service"},
    )


def test_errors_are_counted_by_code_before_and_after_the_first_byte(client, stand_in, capsys):
    stand_in.script(
        *[Script(fail_before=(429, "ThrottlingException", "slow down"))] * 2,
        Script(text=["a ", "b"], fail_after=1, exception=("throttlingException", "slow down")),
    )
    capsys.readouterr()
    client.post("/invoke", json={"prompt": "hi"}, headers=JSON)
    client.post("/invoke", content=b"{", headers=JSON)
    client.post("/invoke", json={"prompt": "hi", "stream": True}, headers=JSON)
    errors = [b for b in emf(capsys.readouterr().out) if "Errors" in b]
    assert [(b["ErrorCode"], b["Errors"]) for b in errors] == [
        ("throttled", [1.0]),
        ("invalid_json", [1.0]),
        ("throttled", [1.0]),
    ]
    assert {json.dumps(metrics_of(b), default=sorted) for b in errors} == {
        json.dumps(({"Errors": "Count"}, ["ErrorCode", "service"]))
    }


def test_a_time_limited_answer_emits_latency_but_no_tokens_it_does_not_know(client, stand_in, capsys):
    stand_in.script(Script(text=["a ", "b"], pause_after=1, pause_seconds=5))
    deadline = int((time.time() + 2.5) * 1000)  # 0.5 s after the app's 2 s margin
    capsys.readouterr()
    response = client.post(
        "/invoke", json={"prompt": "hi"}, headers={**JSON, "x-amzn-lambda-context": json.dumps({"deadline": deadline})}
    )
    assert response.json()["stop_reason"] == "time_limit"
    [blob] = [b for b in emf(capsys.readouterr().out) if "BedrockLatency" in b]
    assert "InputTokens" not in blob and "OutputTokens" not in blob


def test_cold_start_is_counted_once_per_process(client, monkeypatch, capsys):
    monkeypatch.setattr(observability, "_cold_start", True)  # as in a fresh process
    capsys.readouterr()
    client.post("/invoke", json={"prompt": "hi"}, headers=JSON)
    first = emf(capsys.readouterr().out)
    client.post("/invoke", json={"prompt": ""}, headers=JSON)
    client.post("/invoke", json={"prompt": "hi"}, headers=JSON)
    later = emf(capsys.readouterr().out)
    [cold] = [b for b in first if "ColdStart" in b]
    assert cold["ColdStart"] == [1.0]
    assert metrics_of(cold) == ({"ColdStart": "Count"}, {"service"})
    assert not [b for b in later if "ColdStart" in b]


def test_every_metric_the_stacks_alarms_and_dashboard_read_is_emitted_with_their_dimensions(
    client, stand_in, capsys, monkeypatch
):
    # GIVEN what the stack tells the function (namespace, service) and what its monitoring reads
    environment = handler_environment(StackSettings())
    watched = MonitoredNames(
        api_name="api",
        stage_name="v1",
        function_name="function",
        metrics_namespace=environment["POWERTOOLS_METRICS_NAMESPACE"],
        metrics_service=observability.SERVICE,
    )
    selected = monitoring_selects(watched)
    assert {name for name, _ in selected} >= {"InputTokens", "OutputTokens", "BedrockLatency", "Errors"}
    # WHEN the app answers one request and refuses another
    monkeypatch.setattr(observability, "_cold_start", True)
    capsys.readouterr()
    client.post("/invoke", json={"prompt": "hi"}, headers=JSON)
    stand_in.script(*[Script(fail_before=(429, "ThrottlingException", "slow down"))] * 2)
    client.post("/invoke", json={"prompt": "hi"}, headers=JSON)
    blobs = emf(capsys.readouterr().out)
    # THEN each selected metric was written in the stack's namespace, with exactly those dimensions and our unit
    emitted = set()
    for blob in blobs:
        assert blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == watched.metrics_namespace
        assert blob["service"] == watched.metrics_service
        units, dimensions = metrics_of(blob)
        assert all(UNITS[name] == unit for name, unit in units.items()), units
        emitted |= {(name, frozenset(dimensions)) for name in units}
    assert selected <= emitted, selected - emitted


def monitoring_selects(watched: MonitoredNames) -> set[tuple[str, frozenset[str]]]:
    """(metric name, dimension names) of every metric in our namespace that the stack's alarms
    watch or its dashboard graphs or searches, read from the synthesized Monitoring construct."""
    synthesized = synth_construct(
        lambda stack: Monitoring(
            stack,
            "monitoring",
            name="api",
            region="us-east-1",
            watched=watched,
            thresholds=AlarmThresholds(),
            prices=TokenPrices(1, 1),
        )
    )
    selected = {
        (alarm["metric_name"], frozenset(alarm.get("dimensions", {})))
        for alarm in resources_of(synthesized, CloudwatchMetricAlarm.TF_RESOURCE_TYPE)
        if alarm.get("namespace") == watched.metrics_namespace
    }
    [dashboard] = resources_of(synthesized, CloudwatchDashboard.TF_RESOURCE_TYPE)
    for widget in json.loads(dashboard["dashboard_body"])["widgets"]:
        for line in widget["properties"].get("metrics", []):
            if line[0] == watched.metrics_namespace:
                names = [item for item in line[2:] if not isinstance(item, dict)][::2]
                selected.add((line[1], frozenset(names)))
            elif isinstance(line[0], dict) and "SEARCH" in line[0].get("expression", ""):
                for schema, name in re.findall(r'\{([^}]*)\} MetricName="(\w+)"', line[0]["expression"]):
                    namespace, *dimensions = schema.split(",")
                    if namespace == watched.metrics_namespace:
                        selected.add((name, frozenset(dimensions)))
    return selected


# ------------------------------------------------------------------ a stream's metrics come before its last event


def serve_once(web_app: Any, body: dict[str, Any], on_chunk) -> None:
    """One POST /invoke straight through the ASGI interface, as uvicorn calls the app.

    ``on_chunk(bytes)`` runs inside ``send``, while the app's stream generator is suspended
    at the ``yield`` of that chunk: what it sees is exactly what had happened before the
    chunk left the app, which no client at the far end of a socket can tell apart.
    """

    async def main() -> None:
        sent_request = False
        never = asyncio.Event()

        async def receive() -> dict[str, Any]:
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": json.dumps(body).encode(), "more_body": False}
            await never.wait()  # the client stays connected
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                on_chunk(message["body"])

        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/invoke",
            "raw_path": b"/invoke",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"content-type", b"application/json")],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8080),
            "state": {},
        }
        await web_app(scope, receive, send)

    asyncio.run(main())


@pytest.mark.parametrize(
    ("script", "last_event", "metric"),
    [
        (Script(text=COMPLETION, usage=(14, 9)), "done", "OutputTokens"),
        (Script(text=["a ", "b"], fail_after=1, exception=("throttlingException", "slow down")), "error", "Errors"),
    ],
    ids=["done", "error"],
)
def test_a_streams_metrics_are_written_before_its_last_event_is_sent(
    stand_in, settings, capsys, script, last_event, metric
):
    stand_in.script(script)
    web_app = app_module.create_app(settings, make_client(stand_in, settings))
    chunks: list[bytes] = []
    written_by_then: list[str] = []

    def on_chunk(chunk: bytes) -> None:
        chunks.append(chunk)
        if f"event: {last_event}\n".encode() in chunk:
            written_by_then.append(capsys.readouterr().out)

    capsys.readouterr()
    serve_once(web_app, {"prompt": "hi", "stream": True}, on_chunk)
    events = sse_events(b"".join(chunks).decode())
    assert events[-1][0] == last_event, [(call.script, call.outcome, call.events_sent) for call in stand_in.calls]
    [before_last_event] = written_by_then
    assert [b for b in emf(before_last_event) if metric in b]
    assert not emf(capsys.readouterr().out)  # and nothing after it
