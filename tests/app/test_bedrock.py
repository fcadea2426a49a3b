"""bedrock.py on its own: the client it builds, the request it sends, the events it reads, the
errors it maps.

The app-level tests (test_app_streaming.py, test_app_bedrock_errors.py) show each of these
reaches the caller through a real client; these pin the exact values, so a misspelt member
name, a lost default or a changed cut-off fails here by name.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    EventStreamError,
    NoCredentialsError,
    ReadTimeoutError,
)
from urllib3.exceptions import ProtocolError
from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeout

import bedrock
from bedrock import ReasoningDelta, Stopped, TextDelta, ToolUseInput, ToolUseStart, Usage
from config import Budget, Guardrail
from errors import ApiError
from inference import InferenceRequest
from tests.support.caller_faults import CALLER_FAULTS

MODEL = "eu.anthropic.claude-test-model"
USER = {"role": "user", "content": "hi"}


# ------------------------------------------------------------------ the client


def test_the_client_is_bedrock_runtime_with_the_budgets_timeouts_attempts_and_pool():
    client = bedrock.make_client(Budget(connect=3, read=40, attempts=2), endpoint_url="http://127.0.0.1:9")
    assert client.meta.service_model.service_name == "bedrock-runtime"
    assert client.meta.endpoint_url == "http://127.0.0.1:9"  # extra arguments reach boto3
    config = client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (3, 40)
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}
    assert config.max_pool_connections == bedrock.MAX_OPEN_STREAMS == 64


# ------------------------------------------------------------------ the request


def test_a_bare_request_sends_the_messages_and_max_tokens_only():
    request = InferenceRequest(messages=(USER,), max_tokens=512)
    assert bedrock.converse_arguments(request, MODEL) == {
        "modelId": MODEL,
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
        "inferenceConfig": {"maxTokens": 512},
    }


def test_every_parameter_the_caller_set_is_sent_under_its_converse_name():
    image = {"image": {"format": "png", "source": {"bytes": b"\x89PNG"}}}
    tools = {"tools": [{"toolSpec": {"name": "f", "inputSchema": {"json": {}}}}]}
    request = InferenceRequest(
        messages=(
            {"role": "user", "content": [{"text": "what is this?"}, image]},
            {"role": "assistant", "content": "a logo"},
            USER,
        ),
        max_tokens=100,
        system="be brief",
        temperature=0.0,  # zero is a value the caller set, not "absent"
        top_p=0.5,
        stop_sequences=("END", "STOP"),
        tool_config=tools,
    )
    assert bedrock.converse_arguments(request, MODEL, Guardrail("gr-1", "3", "async")) == {
        "modelId": MODEL,
        "messages": [
            {"role": "user", "content": [{"text": "what is this?"}, image]},
            {"role": "assistant", "content": [{"text": "a logo"}]},
            {"role": "user", "content": [{"text": "hi"}]},
        ],
        "inferenceConfig": {"maxTokens": 100, "temperature": 0.0, "topP": 0.5, "stopSequences": ["END", "STOP"]},
        "system": [{"text": "be brief"}],
        "toolConfig": tools,
        "guardrailConfig": {"guardrailIdentifier": "gr-1", "guardrailVersion": "3", "streamProcessingMode": "async"},
    }


# ------------------------------------------------------------------ the events


@pytest.mark.parametrize(
    ("event", "ours"),
    [
        ({"messageStart": {"role": "assistant"}}, None),
        ({"contentBlockDelta": {"delta": {"text": "Hel"}, "contentBlockIndex": 0}}, TextDelta("Hel")),
        ({"contentBlockDelta": {"delta": {"reasoningContent": {"text": "hmm"}}}}, ReasoningDelta("hmm")),
        ({"contentBlockDelta": {"delta": {"reasoningContent": {"signature": "c2ln"}}}}, None),
        (
            {"contentBlockDelta": {"delta": {"toolUse": {"input": '{"city": '}}, "contentBlockIndex": 2}},
            ToolUseInput(2, '{"city": '),
        ),
        ({"contentBlockDelta": {"delta": {"toolUse": {}}}}, ToolUseInput(0, "")),  # index and input default
        ({"contentBlockDelta": {"contentBlockIndex": 0}}, None),  # a delta of nothing
        (
            {"contentBlockStart": {"start": {"toolUse": {"toolUseId": "t-1", "name": "f"}}, "contentBlockIndex": 1}},
            ToolUseStart(1, "t-1", "f"),
        ),
        ({"contentBlockStart": {"start": {"toolUse": {"toolUseId": "t-2", "name": "f"}}}}, ToolUseStart(0, "t-2", "f")),
        ({"contentBlockStart": {"start": {}, "contentBlockIndex": 0}}, None),  # a text block begins
        ({"contentBlockStart": {"contentBlockIndex": 0}}, None),
        ({"contentBlockStop": {"contentBlockIndex": 0}}, None),
        ({"messageStop": {"stopReason": "max_tokens"}}, Stopped("max_tokens")),
        ({"messageStop": {}}, Stopped("unknown")),
        ({"metadata": {"usage": {"inputTokens": 12, "outputTokens": 34}, "metrics": {"latencyMs": 9}}}, Usage(12, 34)),
        ({"metadata": {"usage": {}}}, Usage(0, 0)),
        ({"metadata": {"metrics": {"latencyMs": 9}}}, Usage(0, 0)),
        ({"somethingNew": {}}, None),
    ],
)
def test_each_converse_stream_event_becomes_ours_with_its_defaults(event, ours):
    assert bedrock.translate(event) == ours


# ------------------------------------------------------------------ the errors


def client_error(code: str | None, message: str | None = None) -> ClientError:
    """A ClientError as botocore raises it; None leaves the Code or Message out."""
    error: dict[str, str] = {}
    if code is not None:
        error["Code"] = code
    if message is not None:
        error["Message"] = message
    return ClientError({"Error": error}, "ConverseStream")


def mapped(error: BaseException) -> ApiError:
    """The caller-facing part of ``error_for`` (the internal detail is tested on its own)."""
    api_error = bedrock.error_for(error, MODEL)
    return ApiError(api_error.code, api_error.detail)


@pytest.mark.parametrize(
    ("code", "ours"),
    [
        ("ThrottlingException", "throttled"),
        ("throttlingException", "throttled"),  # a stream event names the member, first letter lower-case
        ("modelStreamErrorException", "model_error"),
        ("ServiceQuotaExceededException", "quota_exceeded"),
        ("InternalServerException", "bedrock_error"),
        ("SomethingNewException", "internal_error"),
        ("", "internal_error"),
        (None, "internal_error"),
    ],
)
def test_a_bedrock_code_maps_to_its_row_in_either_spelling(code, ours):
    assert mapped(client_error(code, "words for the logs")) == ApiError(ours)


def test_a_client_error_without_an_error_member_is_an_internal_error():
    assert mapped(ClientError({}, "ConverseStream")) == ApiError("internal_error")


def test_an_error_event_mid_stream_is_mapped_like_the_same_refusal_before_it():
    error = EventStreamError({"Error": {"Code": "modelStreamErrorException", "Message": "x"}}, "ConverseStream")
    assert mapped(error) == ApiError("model_error")


@pytest.mark.parametrize("code", ["AccessDeniedException", "accessDeniedException", "ResourceNotFoundException"])
def test_a_model_the_function_cannot_use_names_the_model_and_the_setting(code):
    assert mapped(client_error(code, "User: arn:aws:sts::123456789012:x is not authorized")) == ApiError(
        "model_misconfigured",
        f"this function cannot use its configured model {MODEL!r}; the operator should "
        "check the MODEL_ID setting and the model's access in Bedrock",
    )


@pytest.mark.parametrize("marker", sorted(CALLER_FAULTS))
def test_a_validation_error_with_each_marker_alone_is_the_callers_400_echoing_bedrocks_words(marker):
    message = CALLER_FAULTS[marker]
    assert mapped(client_error("ValidationException", message)) == ApiError(
        "input_rejected", f"the model rejected the input: {message}"
    )


def test_a_marker_is_found_in_any_letter_case():
    assert mapped(client_error("ValidationException", "INPUT IS TOO LONG")) == ApiError(
        "input_rejected", "the model rejected the input: INPUT IS TOO LONG"
    )


def test_a_validation_error_mid_stream_is_read_by_its_member_name_too():
    error = EventStreamError({"Error": {"Code": "validationException", "Message": "too long"}}, "ConverseStream")
    assert mapped(error) == ApiError("input_rejected", "the model rejected the input: too long")


def test_bedrocks_words_are_echoed_up_to_300_characters():
    kept = "too long " + "x" * 291  # 300 characters: echoed whole
    assert mapped(client_error("ValidationException", kept)).detail == f"the model rejected the input: {kept}"
    assert mapped(client_error("ValidationException", kept + "y")).detail == f"the model rejected the input: {kept}"


@pytest.mark.parametrize(
    "message", ["The provided model identifier is invalid.", "", None], ids=["no marker", "empty", "missing"]
)
def test_a_validation_error_without_a_marker_is_bedrocks_502_without_its_words(message):
    assert mapped(client_error("ValidationException", message)) == ApiError("bedrock_error")


def test_a_marker_in_another_codes_message_does_not_make_it_the_callers_fault():
    assert mapped(client_error("ThrottlingException", "too many requests")) == ApiError("throttled")


@pytest.mark.parametrize(
    ("error", "ours"),
    [
        (ReadTimeoutError(endpoint_url="https://bedrock"), "model_timeout"),
        (Urllib3ReadTimeout(None, "https://bedrock", "read timed out"), "model_timeout"),
        (ConnectTimeoutError(endpoint_url="https://bedrock"), "bedrock_unreachable"),
        (EndpointConnectionError(endpoint_url="https://bedrock"), "bedrock_unreachable"),
        (ConnectionClosedError(endpoint_url="https://bedrock"), "bedrock_unreachable"),
        (ProtocolError("Connection broken: IncompleteRead"), "bedrock_error"),
        (NoCredentialsError(), "internal_error"),  # botocore's, but not the connection's
        (TimeoutError("timed out"), "internal_error"),  # a timeout outside botocore and urllib3
        (ValueError("a bug of ours"), "internal_error"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else value,
)
def test_a_failure_of_the_connection_itself_maps_by_its_kind(error, ours):
    assert mapped(error) == ApiError(ours)


def test_the_logs_get_the_failures_type_and_words_and_the_caller_only_our_message():
    error = client_error("ThrottlingException", "Too many tokens, please wait.")
    assert bedrock.error_for(error, MODEL) == ApiError(
        "throttled",
        None,
        internal="ClientError: An error occurred (ThrottlingException) when calling the ConverseStream "
        "operation: Too many tokens, please wait.",
    )


def test_the_logged_detail_is_cut_at_1000_characters():
    prefix = "ValueError: "
    kept = "x" * (1000 - len(prefix))  # exactly 1,000 with the prefix: kept whole
    assert bedrock.error_for(ValueError(kept), MODEL).internal == prefix + kept
    assert bedrock.error_for(ValueError(kept + "y"), MODEL).internal == prefix + kept
