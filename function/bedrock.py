"""The one Bedrock call (ConverseStream): its client, its request, its events, its failures.

Both answer modes use ConverseStream, so no answer length can trip a read timeout: the read
timeout bounds the silence between two events, and botocore retries only the opening request,
before any output exists. ``translate`` turns Bedrock's stream events into ours (pure), and
``error_for`` maps every failure, before or during the stream, to an ``ApiError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ReadTimeoutError,
)
from urllib3.exceptions import ProtocolError as StreamCutError
from urllib3.exceptions import ReadTimeoutError as StreamReadTimeout

from config import Budget, Guardrail
from errors import ApiError
from inference import InferenceRequest, blocks

# Bedrock's error code → ours. Before the stream, codes come as "ThrottlingException"; events
# in the stream name the member instead ("throttlingException"), so both are compared with
# the first letter upper-cased. ValidationException is decided by its message below.
CLIENT_ERRORS = {
    "ThrottlingException": "throttled",
    "ServiceQuotaExceededException": "quota_exceeded",
    "ModelNotReadyException": "model_not_ready",
    "ServiceUnavailableException": "service_unavailable",
    "ModelTimeoutException": "model_timeout",
    "ModelErrorException": "model_error",
    "ModelStreamErrorException": "model_error",
    "InternalServerException": "bedrock_error",
    "AccessDeniedException": "model_misconfigured",
    "ResourceNotFoundException": "model_misconfigured",
}
# The connection itself failed: no HTTP answer (after botocore's retries), or a stream that
# went silent for longer than the read timeout, or one cut in the middle.
TRANSPORT_ERRORS = (
    (ReadTimeoutError, "model_timeout"),
    (StreamReadTimeout, "model_timeout"),
    (ConnectTimeoutError, "bedrock_unreachable"),
    (EndpointConnectionError, "bedrock_unreachable"),
    (StreamCutError, "bedrock_error"),
    # Any other failure of the HTTP exchange itself (a pooled connection Bedrock closed,
    # a reset) after botocore's retries: Bedrock could not be reached, not a bug of ours.
    (HTTPClientError, "bedrock_unreachable"),
)
# A ValidationException whose message says the caller's input is at fault is a 400 (too long
# for the context window, a parameter the model refuses); any other one is our bug: 502.
CALLER_FAULT_MARKERS = (
    "too long",
    "too many",
    "context window",
    "context length",
    "exceed",
    "max_tokens",
    "maxtokens",
    "temperature",
    "top_p",
    "topp",
    "stop sequence",
    "stop_sequence",
    "stopsequence",
    "alternate",
    "not support",
    "n't support",
)
MAX_ECHOED_MESSAGE = 300
# Streams one server process may hold open at once (`make serve`, a container); in Lambda each
# instance serves one request at a time. botocore's default pool keeps only 10 connections.
MAX_OPEN_STREAMS = 64


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer text."""

    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    """A piece of the model's reasoning: never part of the answer text."""

    text: str


@dataclass(frozen=True)
class ToolUseStart:
    """The model begins a tool call (contentBlockStart with ``start.toolUse``): its id and tool."""

    block: int  # the content block's index: the call's input fragments name the same one
    tool_use_id: str
    name: str


@dataclass(frozen=True)
class ToolUseInput:
    """A piece of a tool call's input: JSON text, whole only once every piece has arrived."""

    block: int
    fragment: str


@dataclass(frozen=True)
class Stopped:
    """The model finished writing (messageStop)."""

    stop_reason: str


@dataclass(frozen=True)
class Usage:
    """What the answer cost (the metadata event, last in the stream)."""

    input_tokens: int
    output_tokens: int


StreamEvent = TextDelta | ReasoningDelta | ToolUseStart | ToolUseInput | Stopped | Usage


def make_client(budget: Budget, **kwargs: Any) -> Any:
    """A bedrock-runtime client whose waits are bounded by ``budget`` (standard-mode retries).

    ``total_max_attempts`` counts the first attempt, as BEDROCK_MAX_ATTEMPTS does; botocore's
    ``max_attempts`` would count retries only and allow one attempt more than budgeted.
    """
    config = Config(
        connect_timeout=budget.connect,
        read_timeout=budget.read,
        retries={"mode": "standard", "total_max_attempts": budget.attempts},
        max_pool_connections=MAX_OPEN_STREAMS,
    )
    return boto3.client("bedrock-runtime", config=config, **kwargs)


def converse_arguments(request: InferenceRequest, model_id: str, guardrail: Guardrail | None = None) -> dict[str, Any]:
    """The ConverseStream parameters for ``request`` (only what the caller set, plus maxTokens),
    screened by ``guardrail`` when the deployment has one."""
    inference: dict[str, Any] = {"maxTokens": request.max_tokens}
    if request.temperature is not None:
        inference["temperature"] = request.temperature
    if request.top_p is not None:
        inference["topP"] = request.top_p
    if request.stop_sequences is not None:
        inference["stopSequences"] = list(request.stop_sequences)
    arguments: dict[str, Any] = {
        "modelId": model_id,
        "messages": [{"role": m["role"], "content": blocks(m["content"])} for m in request.messages],
        "inferenceConfig": inference,
    }
    if request.system is not None:
        arguments["system"] = [{"text": request.system}]
    if request.tool_config is not None:
        arguments["toolConfig"] = request.tool_config
    if guardrail is not None:
        arguments["guardrailConfig"] = guardrail.converse_config()
    return arguments


def translate(event: dict[str, Any]) -> StreamEvent | None:
    """One ConverseStream event → ours, or None for the events that carry nothing we pass on
    (messageStart, contentBlockStop, reasoning signatures). Member names: botocore's
    bedrock-runtime model, ``ConverseStreamOutput``."""
    if "contentBlockDelta" in event:
        delta = event["contentBlockDelta"].get("delta", {})
        if "text" in delta:
            return TextDelta(delta["text"])
        reasoning = delta.get("reasoningContent", {})
        if "text" in reasoning:
            return ReasoningDelta(reasoning["text"])
        if "toolUse" in delta:
            return ToolUseInput(
                event["contentBlockDelta"].get("contentBlockIndex", 0), delta["toolUse"].get("input", "")
            )
        return None
    if "contentBlockStart" in event:
        tool = event["contentBlockStart"].get("start", {}).get("toolUse")
        if tool is None:
            return None
        return ToolUseStart(event["contentBlockStart"].get("contentBlockIndex", 0), tool["toolUseId"], tool["name"])
    if "messageStop" in event:
        return Stopped(event["messageStop"].get("stopReason", "unknown"))
    if "metadata" in event:
        usage = event["metadata"].get("usage", {})
        return Usage(usage.get("inputTokens", 0), usage.get("outputTokens", 0))
    return None


def error_for(error: BaseException, model_id: str) -> ApiError:
    """The caller-facing error for a failed call; the internal detail goes to the logs only."""
    mapped = _map(error, model_id)
    return ApiError(mapped.code, mapped.detail, internal=f"{type(error).__name__}: {error}"[:1000])


def _map(error: BaseException, model_id: str) -> ApiError:
    if isinstance(error, ClientError):  # EventStreamError, raised mid-stream, is one too
        code = str(error.response.get("Error", {}).get("Code", ""))
        code = code[:1].upper() + code[1:]
        message = str(error.response.get("Error", {}).get("Message", ""))
        if code == "ValidationException":
            if any(marker in message.lower() for marker in CALLER_FAULT_MARKERS):
                return ApiError("input_rejected", f"the model rejected the input: {message[:MAX_ECHOED_MESSAGE]}")
            return ApiError("bedrock_error")
        ours = CLIENT_ERRORS.get(code, "internal_error")
        if ours == "model_misconfigured":
            return ApiError(
                ours,
                f"this function cannot use its configured model {model_id!r}; the operator should "
                "check the MODEL_ID setting and the model's access in Bedrock",
            )
        return ApiError(ours)
    if isinstance(error, (BotoCoreError, StreamReadTimeout, StreamCutError)):
        for kind, ours in TRANSPORT_ERRORS:
            if isinstance(error, kind):
                return ApiError(ours)
    return ApiError("internal_error")
