"""Lambda entry point: POST a prompt (or a conversation) → Amazon Bedrock Converse → JSON answer.

Created once per container, at import: the settings (config.py), Powertools Logger and
Metrics, and the Bedrock client. ``lambda_handler`` only hands the event to ``handle``, which
takes the client and settings as arguments so tests and the local server pass their own.
Powertools Tracer is left out on purpose: Lambda's active tracing needs no SDK, and the
tracer's import would add to every cold start.
"""

from __future__ import annotations

import os
import time
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

import bedrock
import replies
from config import Settings, load_settings
from errors import ApiError
from request import InferenceRequest, Preflight, parse_event

SETTINGS = load_settings(os.environ)
SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "bedrock-inference"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "BedrockInferenceApi"
logger = Logger(service=SERVICE, use_rfc3339=True)  # ISO 8601 timestamps, and the cheaper path
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
BEDROCK = bedrock.make_client(SETTINGS.budget)

for _correction in SETTINGS.corrections:
    logger.warning(f"setting corrected: {_correction}")


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(event, context, BEDROCK, SETTINGS)


def handle(event: Any, context: Any, client: Any, settings: Settings) -> dict[str, Any]:
    """Answer one API Gateway event. Never raises: a bug of ours becomes a logged 500."""
    started = time.perf_counter()
    request_id = api_request_id(event, context)
    logger.append_keys(api_request_id=request_id, model=settings.model_id)
    request: InferenceRequest | None = None
    try:
        parsed = parse_event(event, settings)
        if isinstance(parsed, Preflight):
            return replies.preflight(settings.cors_allow_origin)
        if isinstance(parsed, ApiError):
            result: Any = parsed
        else:
            request = parsed
            result = bedrock.converse(client, request, settings.model_id)
    except Exception:  # noqa: BLE001 - the trace goes to the logs, never to the caller
        logger.exception("unexpected failure")
        result = ApiError("internal_error")

    log: dict[str, Any] = {"latency_ms": round((time.perf_counter() - started) * 1000, 1)}
    if request is not None:
        log["prompt_chars"] = sum(len(m["content"]) for m in request.messages)
        if settings.log_content:
            log["messages"] = list(request.messages)
            log["system"] = request.system

    if isinstance(result, ApiError):
        log.update(status=result.status, error_code=result.code, error=result.message)
        if result.internal:
            log["cause"] = result.internal
        getattr(logger, result.spec.log_level)("request failed", extra=log)
        # An error request has no other metric, so the dimension is the error's alone.
        metrics.add_dimension(name="ErrorCode", value=result.code)
        metrics.add_metric(name="Errors", unit=MetricUnit.Count, value=1)
        return replies.failure(result, request_id, settings.cors_allow_origin)

    log.update(status=200, bedrock_latency_ms=result["latency_ms"], stop_reason=result["stop_reason"],
               input_tokens=result["input_tokens"], output_tokens=result["output_tokens"],
               completion_chars=len(result["text"]))
    if settings.log_content:
        log["completion"] = result["text"]
    logger.info("request answered", extra=log)
    # Only what AWS does not already measure: Lambda's Duration and API Gateway's Latency
    # cover the whole request; the model's share and the tokens (the bill) are ours to count.
    metrics.add_metric(name="BedrockLatency", unit=MetricUnit.Milliseconds, value=result["latency_ms"])
    metrics.add_metric(name="InputTokens", unit=MetricUnit.Count, value=result["input_tokens"])
    metrics.add_metric(name="OutputTokens", unit=MetricUnit.Count, value=result["output_tokens"])
    return replies.success(
        replies.Answer(
            completion=result["text"],
            model=settings.model_id,
            stop_reason=result["stop_reason"],
            usage=replies.Usage(input_tokens=result["input_tokens"], output_tokens=result["output_tokens"]),
            request_id=request_id,
        ),
        settings.cors_allow_origin,
    )


def api_request_id(event: Any, context: Any) -> str:
    """API Gateway's request id (what the caller and the access log see), else Lambda's."""
    context_block = event.get("requestContext") if isinstance(event, dict) else None
    if isinstance(context_block, dict) and isinstance(context_block.get("requestId"), str):
        return context_block["requestId"][:128]
    return str(getattr(context, "aws_request_id", "") or "unknown")
