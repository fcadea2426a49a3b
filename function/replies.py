"""What ``/invoke`` writes back: the JSON answer, the JSON error, the CORS headers, the SSE events.

Pure functions of their arguments, free of any web framework. Every answer carries a
``request_id`` the caller can quote to find the request in the logs. (Not ``responses.py``:
with function/ on sys.path in tests, that name would shadow the ``responses`` package that
moto imports.)

A streamed answer is server-sent events (``text/event-stream``)::

    event: delta
    data: {"text": "..."}

    event: done
    data: {"model": "...", "stop_reason": "...", "usage": {...}, "request_id": "..."}

and, when something fails after the first byte, ``event: error`` with the error body as the
last event instead of ``done``.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # C: a str as a JSON string literal, non-ASCII kept
from typing import Any

from answer import Done
from bedrock import ToolUseInput, ToolUseStart
from errors import ApiError

SSE_HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",  # a proxy must pass each event on, not keep the answer
}


def usage_body(done: Done) -> dict[str, int | None]:
    """Token counts as Bedrock reported them; null when the deadline cut the stream first."""
    usage = done.usage
    return {
        "input_tokens": usage.input_tokens if usage else None,
        "output_tokens": usage.output_tokens if usage else None,
    }


def answer_body(text: str, model: str, done: Done, request_id: str) -> dict[str, Any]:
    return {
        "completion": text,
        "model": model,
        "stop_reason": done.stop_reason,
        "usage": usage_body(done),
        "request_id": request_id,
    }


def done_body(model: str, done: Done, request_id: str) -> dict[str, Any]:
    return {"model": model, "stop_reason": done.stop_reason, "usage": usage_body(done), "request_id": request_id}


def error_body(error: ApiError, request_id: str) -> dict[str, Any]:
    return {"error": {"code": error.code, "message": error.message}, "request_id": request_id}


def error_headers(error: ApiError, cors_origin: str) -> dict[str, str]:
    headers = cors_headers(cors_origin)
    if error.spec.retry_after is not None:
        headers["Retry-After"] = str(error.spec.retry_after)
    return headers


def preflight_headers(cors_origin: str) -> dict[str, str]:
    return {
        **cors_headers(cors_origin),
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        # The API key (x-api-key) or SigV4 headers (AUTH=iam) ride on the POST too.
        "Access-Control-Allow-Headers": "Content-Type, X-Api-Key, Authorization, X-Amz-Date, X-Amz-Security-Token",
        "Access-Control-Max-Age": "600",
    }


def cors_headers(origin: str) -> dict[str, str]:
    if not origin:
        return {}
    headers = {"Access-Control-Allow-Origin": origin}
    if origin != "*":
        headers["Vary"] = "Origin"  # caches must not serve this origin's answer to another
    return headers


def sse_event(name: str, data: dict[str, Any]) -> str:
    """One server-sent event. JSON never holds a raw newline, so ``data`` is one line."""
    return f"event: {name}\ndata: {dumps(data)}\n\n"


def sse_delta(text: str, name: str = "delta") -> str:
    """``sse_event(name, {"text": text})``, built directly: a stream writes thousands."""
    return "event: " + name + '\ndata: {"text":' + encode_basestring(text) + "}\n\n"


def sse_bytes(events: str) -> bytes:
    """Events as UTF-8. A lone surrogate (not UTF-8) can only stand inside a JSON string here,
    so it is written as the JSON escape ``\\udXXX``, which is what it means there."""
    return events.encode("utf-8", "backslashreplace")


def dumps(body: Any) -> str:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from the model or the caller: escape it
        text = json.dumps(body, separators=(",", ":"))
    return text


class InvokeStream:
    """The stream writer of ``/invoke`` (see app.py's ``StreamWriter``): delta events, reasoning
    events when asked, then ``done`` or ``error``. ``/invoke`` offers no tools, so a tool call
    cannot happen here and would be written as nothing."""

    def __init__(self, model: str, request_id: str, include_reasoning: bool) -> None:
        self.model = model
        self.request_id = request_id
        self.include_reasoning = include_reasoning

    def opening(self) -> str:
        return ""

    def text(self, text: str) -> str:
        return sse_delta(text)

    def reasoning(self, text: str) -> str:
        return sse_delta(text, "reasoning") if self.include_reasoning else ""

    def tool_start(self, start: ToolUseStart) -> str:
        return ""

    def tool_input(self, piece: ToolUseInput) -> str:
        return ""

    def done(self, done: Done) -> str:
        return sse_event("done", done_body(self.model, done, self.request_id))

    def error(self, error: ApiError) -> str:
        return sse_event("error", error_body(error, self.request_id))
