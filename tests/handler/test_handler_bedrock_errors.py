"""Every way Bedrock can fail, and the answer the caller gets for it (bedrock.py, errors.py).

Modeled errors come from botocore's Stubber (parsed exactly as a real error response would
be). Transport failures are raised inside botocore's send step, so its real retry logic runs.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from handler_support import post

from errors import ERRORS

# (Bedrock error code, HTTP status Bedrock sends) → (our status, our code, Retry-After)
MAPPED = [
    ("ThrottlingException", 429, 429, "throttled", "2"),
    ("ServiceQuotaExceededException", 400, 429, "quota_exceeded", None),
    ("ModelNotReadyException", 429, 503, "model_not_ready", "10"),
    ("ServiceUnavailableException", 503, 503, "service_unavailable", None),
    ("ModelTimeoutException", 408, 504, "model_timeout", None),
    ("ModelErrorException", 424, 502, "model_error", None),
    ("InternalServerException", 500, 502, "bedrock_error", None),
    ("SomethingNewException", 400, 500, "internal_error", None),
]


@pytest.mark.parametrize(("bedrock_code", "sent", "status", "code", "retry_after"), MAPPED, ids=[m[0] for m in MAPPED])
def test_modeled_bedrock_error_maps_to_its_row(call, bedrock_stub, bedrock_code, sent, status, code, retry_after):
    bedrock_stub.fails(bedrock_code, sent, message="internal detail: arn:aws:bedrock:us-east-1:123456789012:x")
    answer = call(post({"prompt": "hi"}))
    assert (answer.status, answer.code) == (status, code)
    assert answer.headers.get("Retry-After") == retry_after
    assert answer.message == ERRORS[code].message
    assert "123456789012" not in str(answer.body)  # Bedrock's own text never reaches the caller
    assert len(bedrock_stub.calls) == 1


@pytest.mark.parametrize("bedrock_message", [
    "Input is too long for requested model.",
    "The model returned the following errors: prompt is too long: 215000 tokens > 200000 maximum",
    "The maximum tokens you requested exceeds the model limit of 4096",
    "temperature and top_p cannot both be specified for this model. Please use only one.",
    "This model doesn't support the stopSequences field.",
], ids=["input too long", "context window", "max tokens", "temperature and top_p", "unsupported field"])
def test_validation_error_caused_by_the_input_is_a_400(call, bedrock_stub, bedrock_message):
    bedrock_stub.fails("ValidationException", 400, bedrock_message)
    answer = call(post({"prompt": "hi"}))
    assert (answer.status, answer.code) == (400, "input_rejected")
    assert bedrock_message in answer.message  # the caller can act on it


@pytest.mark.parametrize("bedrock_message", [
    "The provided model identifier is invalid.",
    "Malformed input request, please reformat your input and try again.",
], ids=["bad model id", "malformed request"])
def test_validation_error_not_caused_by_the_input_is_a_502(call, bedrock_stub, bedrock_message):
    bedrock_stub.fails("ValidationException", 400, bedrock_message)
    answer = call(post({"prompt": "hi"}))
    assert (answer.status, answer.code) == (502, "bedrock_error")
    assert bedrock_message not in answer.message


@pytest.mark.parametrize(("bedrock_code", "sent"), [("AccessDeniedException", 403), ("ResourceNotFoundException", 404)])
def test_model_the_function_cannot_use_is_a_500_naming_model_id_and_setting(call, bedrock_stub, logs, bedrock_code, sent):
    internal = "User: arn:aws:sts::123456789012:assumed-role/bedrock-api-dev-lambda/x is not authorized"
    bedrock_stub.fails(bedrock_code, sent, internal)
    answer = call(post({"prompt": "hi"}))
    assert (answer.status, answer.code) == (500, "model_misconfigured")
    assert "'us.anthropic.claude-sonnet-5'" in answer.message and "MODEL_ID" in answer.message
    assert "123456789012" not in answer.message
    # THEN the operator finds the cause at error level in the logs
    [record] = [r for r in logs.records if r["message"] == "request failed"]
    assert record["level"] == "ERROR"
    assert bedrock_code in record["cause"] and "not authorized" in record["cause"]


def _raise_on_send(bedrock_stub, error, sends):
    """Make every HTTP send fail with ``error`` (after the Stubber is out of the way)."""
    bedrock_stub.stubber.deactivate()

    def fail(**_):
        sends.append(1)
        raise error

    bedrock_stub.client.meta.events.register("before-send.bedrock-runtime.Converse", fail)


@pytest.mark.parametrize(("error", "status", "code"), [
    (ReadTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"), 504, "model_timeout"),
    (ConnectTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"), 503, "bedrock_unreachable"),
    (EndpointConnectionError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"), 503, "bedrock_unreachable"),
], ids=["read timeout", "connect timeout", "connection refused"])
def test_transport_failure_is_retried_within_budget_then_mapped(call, bedrock_stub, error, status, code):
    sends: list[int] = []
    _raise_on_send(bedrock_stub, error, sends)
    answer = call(post({"prompt": "hi"}))
    assert (answer.status, answer.code) == (status, code)
    assert len(sends) == 2  # BEDROCK_MAX_ATTEMPTS=2 counts the first attempt: 2 sends, not 3


def test_unexpected_exception_is_a_500_without_trace(call, bedrock_stub, logs):
    sends: list[int] = []
    _raise_on_send(bedrock_stub, RuntimeError("secret internals at 0xc0ffee"), sends)
    answer = call(post({"prompt": "hi"}))
    assert (answer.status, answer.code) == (500, "internal_error")
    assert answer.message == "internal error"
    assert "c0ffee" not in str(answer.body) and "Traceback" not in str(answer.body)
    assert "RuntimeError" in logs.records[-1]["cause"]


def test_a_bug_in_the_handler_itself_is_a_logged_500(call, monkeypatch, logs):
    import handler

    def broken(*_, **__):
        raise KeyError("oops")

    monkeypatch.setattr(handler, "parse_event", broken)
    answer = call(post({"prompt": "hi"}))
    assert (answer.status, answer.code) == (500, "internal_error")
    assert "oops" not in str(answer.body)
    assert any(r["level"] == "ERROR" and "KeyError" in r.get("exception", "") for r in logs.records)


def test_every_error_code_has_a_status_in_the_4xx_or_5xx_range_and_a_message():
    for code, spec in ERRORS.items():
        assert 400 <= spec.status <= 599 and spec.message, code
        assert spec.log_level in ("info", "warning", "error"), code
