"""The function as an ASGI web app: POST a prompt (or a conversation) → Amazon Bedrock → the answer.

One app, three hosts: Lambda behind the Lambda Web Adapter (run.sh), `make serve`, and any
container. It knows nothing of which one runs it beyond the adapter's documented headers:
``x-amzn-request-context`` (API Gateway's requestContext as JSON: the request id callers see)
and ``x-amzn-lambda-context`` (the invocation: Lambda's request id and ``deadline`` in epoch
milliseconds). Without them, ids are generated and the deadline is LAMBDA_TIMEOUT_SECONDS.

Created once per process, at import: the settings, the Bedrock client, and ``app``, built by
``create_app`` from both (tests build their own with their own settings and client). The routes:
``GET /`` (readiness: answers without calling Bedrock), ``POST /invoke``, ``OPTIONS
/invoke`` when CORS_ALLOW_ORIGIN is set, and ``GET /playground``, a page to try ``/invoke`` in a
browser (playground.py). Data flows one way: route → request.py → answer.py
(Bedrock) → replies.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Match, Route

import bedrock
import capabilities
import playground
import replies
from answer import Answer, Done, gather
from bedrock import ReasoningDelta, TextDelta
from config import STREAM_IDLE_TIMEOUT_SECONDS, Settings, load_settings
from errors import ApiError
from models import EFFORT_LEVELS
from observability import RequestRecord, logger
from relay import Failed
from request import parse_request

SETTINGS = load_settings(os.environ, EFFORT_LEVELS)
BEDROCK = bedrock.make_client(SETTINGS.budget)
# The answer must end this long before the deadline, to send its last event and flush metrics.
DEADLINE_MARGIN_SECONDS = 2.0
MAX_REQUEST_ID = 128
# While the model writes only reasoning (never sent as answer text), a stream still sends a
# comment this often, so API Gateway's 5-minute idle timeout never cuts a thinking model.
HEARTBEAT_SECONDS = 15.0
# After each write a stream lets the deltas that arrive meanwhile gather for this long, so a
# fast model costs one write per handful of deltas, not one each: every write hands the GIL
# back and forth with the thread reading Bedrock, which cost ~0.3 ms a write when it was one
# write per delta (bench/relay.py). The first delta still goes out at once; a reader never
# sees 2 ms, and Bedrock's own deltas are tens of milliseconds apart.
COALESCE_SECONDS = 0.002
MAX_DEADLINE_MS = 2**63  # the adapter sends epoch milliseconds; anything larger is not a deadline

for _correction in SETTINGS.corrections:
    logger.warning(f"setting corrected: {_correction}")


@dataclass(frozen=True)
class Invocation:
    """Who is asking and until when: from the Web Adapter's headers, or made up locally."""

    request_id: str  # API Gateway's, which the caller and the access log see
    function_request_id: str | None  # Lambda's
    deadline: float  # time.monotonic() by which the answer must be complete
    started: float  # time.monotonic() when the request arrived

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], settings: Settings) -> Invocation:
        api = _json_header(headers, "x-amzn-request-context")
        function = _json_header(headers, "x-amzn-lambda-context")
        request_id = api.get("requestId")
        function_request_id = function.get("request_id")
        now = time.monotonic()
        deadline = now + settings.lambda_timeout
        # lambda_runtime's Context, serialized by the adapter, names it `deadline`; the adapter's
        # own docs once showed `deadline_ms`: either is read, both epoch milliseconds.
        deadline_ms = function.get("deadline", function.get("deadline_ms"))
        if type(deadline_ms) is int and 0 < deadline_ms < MAX_DEADLINE_MS:
            deadline = now + deadline_ms / 1000 - time.time()
        return cls(
            request_id=request_id[:MAX_REQUEST_ID] if isinstance(request_id, str) and request_id else str(uuid.uuid4()),
            function_request_id=function_request_id[:MAX_REQUEST_ID] if isinstance(function_request_id, str) else None,
            deadline=deadline - DEADLINE_MARGIN_SECONDS,
            started=now,
        )


def _json_header(headers: Mapping[str, str], name: str) -> dict[str, Any]:
    """The header's JSON object, or {}: outside Lambda any caller can send these headers."""
    try:
        value = json.loads(headers.get(name) or "{}")
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested past the parser's depth
        return {}
    return value if isinstance(value, dict) else {}


async def ready(request: Request) -> Response:
    """The adapter's readiness check (and a container's health check): no Bedrock call. It
    carries the CORS headers too, as every answer of the app does."""
    return _json(200, {"status": "ready"}, replies.cors_headers(request.app.state.settings.cors_allow_origin))


async def invoke(request: Request) -> Response:
    """``POST /invoke``: refuse or answer, as JSON or, with ``"stream": true``, as SSE."""
    settings: Settings = request.app.state.settings
    invocation = Invocation.from_headers(request.headers, settings)
    record = RequestRecord(invocation.request_id, invocation.function_request_id, settings)
    try:
        body = await _read_body(request, settings.body_max_bytes)
        parsed = parse_request(body, request.headers.get("content-type"), settings)
        if isinstance(parsed, ApiError):
            return _refuse(parsed, record, invocation, settings)
        record.received(parsed)
        model = parsed.model or settings.model_id
        refused = capabilities.refusal(parsed, model)
        if refused is not None:
            return _refuse(refused, record, invocation, settings)
        arguments = {
            **bedrock.converse_arguments(parsed, model, settings.guardrail),
            **capabilities.model_arguments(parsed, model, settings.effort),
        }
        deadline = invocation.deadline
        if not parsed.stream:  # nothing is sent until the answer is complete: mind the idle timeout
            deadline = min(deadline, invocation.started + STREAM_IDLE_TIMEOUT_SECONDS - DEADLINE_MARGIN_SECONDS)
        opened = await Answer.open(request.app.state.bedrock, arguments, model, deadline)
        if isinstance(opened, ApiError):
            return _refuse(opened, record, invocation, settings)
        if parsed.stream:
            headers = {**replies.SSE_HEADERS, **replies.cors_headers(settings.cors_allow_origin)}
            events = _events(opened, record, invocation, settings, model, parsed.include_reasoning)
            return StreamingResponse(events, headers=headers)
        text, reasoning, final = await gather(opened)
    except Exception:  # noqa: BLE001 - the trace goes to the logs, never to the caller
        logger.exception("unexpected failure", extra={"request_id": invocation.request_id})
        return _refuse(ApiError("internal_error"), record, invocation, settings)
    if isinstance(final, Failed):
        return _refuse(final.error, record, invocation, settings)
    record.answered(text, final, opened.bedrock_ms, opened.first_text_ms)
    body = replies.answer_body(text, model, final, invocation.request_id)
    if parsed.include_reasoning:
        body["reasoning"] = reasoning
    return _json(200, body, replies.cors_headers(settings.cors_allow_origin))


async def _events(answer: Answer, record: RequestRecord, invocation: Invocation, settings: Settings, model: str,
                  include_reasoning: bool) -> AsyncIterator[bytes]:
    """The SSE body: deltas as they come, then ``done`` or ``error``, never a silent cut.
    With ``include_reasoning``, the model's reasoning comes first as ``reasoning`` events."""
    text: list[str] = []
    last_write = time.monotonic()
    chunk: list[str] = []  # this batch's events, not sent yet
    try:
        async for batch in answer.batches():
            for item in batch:
                if isinstance(item, TextDelta):
                    text.append(item.text)
                    chunk.append(replies.sse_delta(item.text))
                elif isinstance(item, ReasoningDelta):
                    if include_reasoning:
                        chunk.append(replies.sse_delta(item.text, "reasoning"))
                elif isinstance(item, Done):
                    record.answered("".join(text), item, answer.bedrock_ms, answer.first_text_ms)
                    chunk.append(replies.sse_event("done", replies.done_body(model, item, invocation.request_id)))
                elif isinstance(item, Failed):
                    record.failed(item.error, after_first_byte=True)
                    chunk.append(replies.sse_event("error", replies.error_body(item.error, invocation.request_id)))
            if not chunk and time.monotonic() - last_write >= HEARTBEAT_SECONDS:
                chunk.append(": the model is thinking\n\n")  # an SSE comment: clients skip it
            if chunk:
                last_write = time.monotonic()
                yield replies.sse_bytes("".join(chunk))
                chunk = []
                await asyncio.sleep(COALESCE_SECONDS)
    except asyncio.CancelledError:  # the client went away (the server saw the connection close)
        record.abandoned()
        raise
    except Exception:  # noqa: BLE001 - a bug of ours still ends the stream with an error event
        logger.exception("unexpected failure while streaming", extra={"request_id": invocation.request_id})
        error = ApiError("internal_error")
        record.failed(error, after_first_byte=True)
        # The deltas gathered before the failure still go out, ahead of the error.
        error_event = replies.sse_event("error", replies.error_body(error, invocation.request_id))
        yield replies.sse_bytes("".join(chunk) + error_event)
    finally:
        answer.close()  # also when the client went away (the task is cancelled here)


async def _read_body(request: Request, max_bytes: int) -> bytes:
    """The body, but never more than ``max_bytes + 1`` of it (enough to know it is too large)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            break
    return b"".join(chunks)[: max_bytes + 1]


def _refuse(error: ApiError, record: RequestRecord, invocation: Invocation, settings: Settings,
            headers: Mapping[str, str] | None = None) -> Response:
    record.failed(error)
    headers = {**replies.error_headers(error, settings.cors_allow_origin), **(headers or {})}
    return _json(error.status, replies.error_body(error, invocation.request_id), headers)


async def preflight(request: Request) -> Response:
    """A browser's CORS preflight for ``POST /invoke`` (routed only when CORS_ALLOW_ORIGIN is set)."""
    return Response(status_code=204, headers=replies.preflight_headers(request.app.state.settings.cors_allow_origin))


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 and 405, in the API's error shape; a 405 names what the path allows."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    settings: Settings = request.app.state.settings
    invocation = Invocation.from_headers(request.headers, settings)
    record = RequestRecord(invocation.request_id, invocation.function_request_id, settings)
    if status == 405:
        allowed = _allowed_methods(request)
        error = ApiError("method_not_allowed", f"method {request.method[:16]!r} is not allowed; use {allowed}")
        return _refuse(error, record, invocation, settings, {"Allow": allowed})
    return _refuse(ApiError("not_found" if status == 404 else "internal_error"), record, invocation, settings)


def _allowed_methods(request: Request) -> str:
    """Every method a route of this path answers, in route order (``POST, OPTIONS``; ``GET, HEAD``)."""
    methods: list[str] = []
    for route in request.app.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods += sorted(set(getattr(route, "methods", None) or ()) - set(methods))
    return ", ".join(methods)


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(replies.dumps(body).encode("utf-8"), status, headers, media_type="application/json")


def create_app(settings: Settings, client: Any) -> Starlette:
    """The web app answering with ``settings`` through the bedrock-runtime ``client``."""
    routes = [Route("/", ready, methods=["GET"]), Route("/invoke", invoke, methods=["POST"]), *playground.routes()]
    if settings.cors_allow_origin:
        routes.append(Route("/invoke", preflight, methods=["OPTIONS"]))
    web_app = Starlette(routes=routes, exception_handlers={404: _http_error, 405: _http_error})
    # /invoke/ is not /invoke: a 404 in our error shape, not a redirect without a body (API
    # Gateway routes no such path either).
    web_app.router.redirect_slashes = False
    web_app.state.settings = settings
    web_app.state.bedrock = client
    return web_app


app = create_app(SETTINGS, BEDROCK)
