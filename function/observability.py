"""One structured log line and one set of EMF metrics per request, with Powertools.

Each request gets its own ``EphemeralMetrics``: requests run concurrently in one process
(`make serve`, a container), so a shared metrics object would mix their dimensions. A
request's metrics are flushed (printed as CloudWatch EMF to stdout) when its outcome is
known, before the last byte of a streamed answer, so they are written even if the
platform freezes the function right after the answer ends.

Only what AWS does not already measure: Lambda's Duration and API Gateway's Latency cover
the whole request; the model's share and the tokens (the bill) are ours to count.
"""

from __future__ import annotations

import os
import time
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from answer import Done
from config import Settings
from errors import ApiError
from inference import InferenceRequest, loggable, text_chars

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "bedrock-inference"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "BedrockInferenceApi"
logger = Logger(service=SERVICE, use_rfc3339=True)  # ISO 8601 timestamps, and the cheaper path
_cold_start = True


class RequestRecord:
    """What one request did, written once as a log line and its metrics."""

    def __init__(self, request_id: str, function_request_id: str | None, settings: Settings) -> None:
        self.started = time.perf_counter()
        self.settings = settings
        self.log: dict[str, Any] = {"request_id": request_id, "model": settings.model_id}
        if function_request_id:
            self.log["function_request_id"] = function_request_id

    def received(self, request: InferenceRequest) -> None:
        self.log["model"] = request.model or self.settings.model_id
        self.log["stream"] = request.stream
        self.log["prompt_chars"] = text_chars(request.messages)
        if request.tool_config is not None:
            self.log["tools"] = len(request.tool_config["tools"])
        if self.settings.log_content:
            self.log["messages"] = loggable(request.messages)
            self.log["system"] = request.system

    def failed(self, error: ApiError, *, after_first_byte: bool = False) -> None:
        self.log.update(status=error.status, error_code=error.code, error=error.message)
        if after_first_byte:
            self.log["after_first_byte"] = True
        if error.internal:
            self.log["cause"] = error.internal
        getattr(logger, error.spec.log_level)("request failed", extra=self._finish())
        metrics = _metrics()
        # An error request has no other metric, so the dimension is the error's alone.
        metrics.add_dimension(name="ErrorCode", value=error.code)
        metrics.add_metric(name="Errors", unit=MetricUnit.Count, value=1)
        metrics.flush_metrics()

    def answered(
        self, text: str, done: Done, bedrock_ms: float, first_text_ms: float | None, tool_calls: int = 0
    ) -> None:
        usage = done.usage
        if tool_calls:
            self.log["tool_calls"] = tool_calls
        self.log.update(
            status=200,
            stop_reason=done.stop_reason,
            bedrock_latency_ms=round(bedrock_ms, 1),
            first_token_ms=None if first_text_ms is None else round(first_text_ms, 1),
            input_tokens=usage.input_tokens if usage else None,
            output_tokens=usage.output_tokens if usage else None,
            completion_chars=len(text),
        )
        if self.settings.log_content:
            self.log["completion"] = text
        logger.info("request answered", extra=self._finish())
        metrics = _metrics()
        metrics.add_metric(name="BedrockLatency", unit=MetricUnit.Milliseconds, value=bedrock_ms)
        if usage is not None:
            metrics.add_metric(name="InputTokens", unit=MetricUnit.Count, value=usage.input_tokens)
            metrics.add_metric(name="OutputTokens", unit=MetricUnit.Count, value=usage.output_tokens)
        metrics.flush_metrics()

    def abandoned(self) -> None:
        """The caller went away mid-answer: the Bedrock stream was closed, nothing more is sent.
        After the answer's outcome is written, a hang-up is no news: nothing more is logged."""
        if "status" in self.log:
            return
        self.log.update(status=499, abandoned=True)
        logger.info("request abandoned by the client", extra=self._finish())

    def _finish(self) -> dict[str, Any]:
        self.log["latency_ms"] = round((time.perf_counter() - self.started) * 1000, 1)
        return self.log


def _metrics() -> EphemeralMetrics:
    global _cold_start
    metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    if _cold_start:  # the first request of this process, as Powertools' capture_cold_start_metric
        _cold_start = False
        cold = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
        cold.add_metric(name="ColdStart", unit=MetricUnit.Count, value=1)
        cold.flush_metrics()
    return metrics
