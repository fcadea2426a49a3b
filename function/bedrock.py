"""The one Bedrock call (Converse), its client's time budget, and how its failures map to errors.

``converse`` takes the client as an argument: the handler passes its module-level client,
tests pass a real client with botocore's Stubber, the local server one pointed at a stand-in.
Failures come back as ``ApiError`` values (never raised) so the handler has one path out.
"""

from __future__ import annotations

import time
from typing import Any, TypedDict

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from config import Budget
from errors import ApiError
from request import InferenceRequest

# Bedrock's error code → our error code. ValidationException is decided by its message below.
CLIENT_ERRORS = {
    "ThrottlingException": "throttled",
    "ServiceQuotaExceededException": "quota_exceeded",
    "ModelNotReadyException": "model_not_ready",
    "ServiceUnavailableException": "service_unavailable",
    "ModelTimeoutException": "model_timeout",
    "ModelErrorException": "model_error",
    "InternalServerException": "bedrock_error",
    "AccessDeniedException": "model_misconfigured",
    "ResourceNotFoundException": "model_misconfigured",
}
# botocore's own exceptions: the request got no HTTP answer at all (after botocore's retries).
TRANSPORT_ERRORS = (
    (ReadTimeoutError, "model_timeout"),
    (ConnectTimeoutError, "bedrock_unreachable"),
    (EndpointConnectionError, "bedrock_unreachable"),
)
# A ValidationException whose message says the caller's input is at fault is a 400 (too long
# for the context window, a parameter the model refuses); any other one is our bug: 502.
CALLER_FAULT_MARKERS = (
    "too long", "too many", "context window", "context length", "exceed", "max_tokens",
    "maxtokens", "temperature", "top_p", "topp", "stop sequence", "stop_sequence",
    "stopsequence", "alternate", "not support", "n't support",
)
MAX_ECHOED_MESSAGE = 300


class Completion(TypedDict):
    text: str
    stop_reason: str
    input_tokens: int
    output_tokens: int
    latency_ms: float  # measured around the call here: what the caller waited for Bedrock


def make_client(budget: Budget, **kwargs: Any) -> Any:
    """A bedrock-runtime client that gives up within ``budget`` (standard-mode retries).

    ``total_max_attempts`` counts the first attempt, as BEDROCK_MAX_ATTEMPTS does; botocore's
    ``max_attempts`` would count retries only and allow one attempt more than budgeted.
    """
    config = Config(
        connect_timeout=budget.connect,
        read_timeout=budget.read,
        retries={"mode": "standard", "total_max_attempts": budget.attempts},
    )
    return boto3.client("bedrock-runtime", config=config, **kwargs)


def converse_arguments(request: InferenceRequest, model_id: str) -> dict[str, Any]:
    """The Converse API parameters for ``request`` (only what the caller set, plus maxTokens)."""
    inference: dict[str, Any] = {"maxTokens": request.max_tokens}
    if request.temperature is not None:
        inference["temperature"] = request.temperature
    if request.top_p is not None:
        inference["topP"] = request.top_p
    if request.stop_sequences is not None:
        inference["stopSequences"] = list(request.stop_sequences)
    arguments: dict[str, Any] = {
        "modelId": model_id,
        "messages": [{"role": m["role"], "content": [{"text": m["content"]}]} for m in request.messages],
        "inferenceConfig": inference,
    }
    if request.system is not None:
        arguments["system"] = [{"text": request.system}]
    return arguments


def converse(client: Any, request: InferenceRequest, model_id: str) -> Completion | ApiError:
    """Ask the model; return its answer or the ``ApiError`` that Bedrock's failure maps to."""
    started = time.perf_counter()
    try:
        response = client.converse(**converse_arguments(request, model_id))
    except Exception as error:  # noqa: BLE001 - every failure becomes an answer, none a crash
        return error_for(error, model_id)
    latency_ms = (time.perf_counter() - started) * 1000
    blocks = response.get("output", {}).get("message", {}).get("content", [])
    usage = response.get("usage", {})
    return Completion(
        text="".join(block["text"] for block in blocks if "text" in block),
        stop_reason=response.get("stopReason", "unknown"),
        input_tokens=usage.get("inputTokens", 0),
        output_tokens=usage.get("outputTokens", 0),
        latency_ms=round(latency_ms, 1),
    )


def error_for(error: Exception, model_id: str) -> ApiError:
    """The caller-facing error for a failed call; the internal detail goes to the logs only."""
    mapped = _map(error, model_id)
    return ApiError(mapped.code, mapped.detail, internal=f"{type(error).__name__}: {error}"[:1000])


def _map(error: Exception, model_id: str) -> ApiError:
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
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
    if isinstance(error, BotoCoreError):
        for kind, ours in TRANSPORT_ERRORS:
            if isinstance(error, kind):
                return ApiError(ours)
    return ApiError("internal_error")
