"""The error contract, as data: every error code the API can answer, with its status.

Callers get ``{"error": {"code", "message"}, "request_id"}``: as a JSON body with the status
below when the request ends before the model starts writing, or as the last ``event: error``
of a stream that fails after its first byte. The code is stable (clients branch on it,
dashboards count it); the message is for people and names the field or cause.
Adding an error means adding a row here, not a branch somewhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class ErrorSpec(NamedTuple):
    status: int
    message: str  # default text; call sites pass a more precise one naming the field
    log_level: str = "info"  # 4xx are the caller's business; 5xx are ours
    retry_after: int | None = None  # seconds, sent as Retry-After


ERRORS: dict[str, ErrorSpec] = {
    # --- the request (never reaches Bedrock) ---
    "not_found": ErrorSpec(404, "no such path: POST to /invoke"),
    "method_not_allowed": ErrorSpec(405, "only POST is allowed"),
    "unsupported_media_type": ErrorSpec(415, "Content-Type must be application/json"),
    "missing_body": ErrorSpec(400, 'the request body is required: a JSON object such as {"prompt": "..."}'),
    "body_too_large": ErrorSpec(413, "the request body is too large"),
    "invalid_encoding": ErrorSpec(400, "the body is not valid UTF-8"),
    "invalid_json": ErrorSpec(400, "the body is not valid JSON"),
    "invalid_body": ErrorSpec(400, "the body must be a JSON object"),
    "unknown_field": ErrorSpec(400, "the body has a field this API does not know"),
    "missing_field": ErrorSpec(400, "'prompt' (or 'messages') is required"),
    "invalid_field": ErrorSpec(400, "a field has a value this API does not accept"),
    "text_too_long": ErrorSpec(413, "a text field is too long"),
    "model_not_found": ErrorSpec(404, "this deployment does not serve that model"),
    "unsupported_parameter": ErrorSpec(400, "the configured model does not accept this parameter"),
    "unsupported_field": ErrorSpec(400, "this API cannot honour this field"),
    # --- Bedrock's answer ---
    "input_rejected": ErrorSpec(400, "the model rejected the input", "info"),
    "throttled": ErrorSpec(429, "too many requests to the model; retry later", "warning", 2),
    "quota_exceeded": ErrorSpec(429, "the account's Bedrock quota is used up; retry later", "warning"),
    "model_not_ready": ErrorSpec(503, "the model is not ready yet; retry later", "warning", 10),
    "service_unavailable": ErrorSpec(503, "Bedrock is unavailable; retry later", "warning"),
    "bedrock_unreachable": ErrorSpec(503, "Bedrock could not be reached; retry later", "error"),
    "model_timeout": ErrorSpec(504, "the model did not answer in time", "warning"),
    "model_error": ErrorSpec(502, "the model failed to answer", "warning"),
    "bedrock_error": ErrorSpec(502, "Bedrock failed to answer", "error"),
    "model_misconfigured": ErrorSpec(500, "this function cannot use its configured model", "error"),
    "internal_error": ErrorSpec(500, "internal error", "error"),
}


@dataclass(frozen=True)
class ApiError:
    """An error answer on its way out: a code from ``ERRORS`` and, optionally, a sharper message."""

    code: str
    detail: str | None = None
    internal: str | None = None  # for the logs only: never sent to the caller
    param: str | None = None  # the request field at fault, when one is (OpenAI's error names it)

    @property
    def spec(self) -> ErrorSpec:
        return ERRORS[self.code]

    @property
    def status(self) -> int:
        return self.spec.status

    @property
    def message(self) -> str:
        return self.detail or self.spec.message
