"""The function as an ASGI web app: POST a prompt (or a conversation) → Amazon Bedrock → the answer.

One app, three hosts: Lambda behind the Lambda Web Adapter (run.sh), `make serve`, and any
container. It knows nothing of which one runs it beyond the adapter's documented headers:
``x-amzn-request-context`` (API Gateway's requestContext as JSON: the request id callers see)
and ``x-amzn-lambda-context`` (the invocation: Lambda's request id and ``deadline`` in epoch
milliseconds). Without them, ids are generated and the deadline is LAMBDA_TIMEOUT_SECONDS.

Created once per process, at import: the settings, the Bedrock client, and ``app``, built by
``create_app`` from both (tests build their own with their own settings and client). The routes:
``GET /`` (readiness: answers without calling Bedrock), ``POST /invoke``, OpenAI's ``POST
/v1/chat/completions`` and ``GET /v1/models``, ``OPTIONS`` for both POSTs when
CORS_ALLOW_ORIGIN is set, and ``GET /playground``, a page to try ``/invoke`` in a browser
(playground.py). Data flows one way: route → its wire format's parser (request.py,
openai_request.py) → answer.py (Bedrock) → its wire format's writer (replies.py,
openai_replies.py). Both formats share everything between: the refusals before Bedrock, the
deadline, the stream loop and the request's log line and metrics.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Match, Route

import bedrock
import capabilities
import openai_replies
import playground
import replies
from answer import Answer, Done, Gathered, gather
from bedrock import ReasoningDelta, TextDelta, ToolUseInput, ToolUseStart
from config import STREAM_IDLE_TIMEOUT_SECONDS, Settings, load_settings
from errors import ApiError
from inference import InferenceRequest
from models import EFFORT_LEVELS
from observability import RequestRecord, logger
from openai_request import parse_chat_request
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
    return await _serve(request, _InvokeFormat)


async def chat_completions(request: Request) -> Response:
    """``POST /v1/chat/completions``: OpenAI's chat completions, on the same path as ``/invoke``."""
    return await _serve(request, _ChatFormat)


@dataclass
class _WireFormat(ABC):
    """What a POST route does its own way; the rest is ``_serve``'s. One per request, holding who
    asks and the request's record; ``parse`` may keep what only its format asks."""

    settings: Settings
    invocation: Invocation
    record: RequestRecord

    @abstractmethod
    def parse(self, body: bytes, content_type: str | None) -> InferenceRequest | ApiError: ...
    @abstractmethod
    def refuse(self, error: ApiError) -> Response: ...
    @abstractmethod
    def stream(self, request: InferenceRequest, model: str) -> tuple[StreamWriter, dict[str, str]]: ...
    @abstractmethod
    def answer(self, request: InferenceRequest, gathered: Gathered, final: Done, model: str) -> Response: ...


class _InvokeFormat(_WireFormat):
    """``/invoke``'s body, error shape and answer (request.py, replies.py)."""

    def parse(self, body: bytes, content_type: str | None) -> InferenceRequest | ApiError:
        return parse_request(body, content_type, self.settings)

    def refuse(self, error: ApiError) -> Response:
        return _refuse(error, self.record, self.invocation, self.settings)

    def stream(self, request: InferenceRequest, model: str) -> tuple[StreamWriter, dict[str, str]]:
        writer = replies.InvokeStream(model, self.invocation.request_id, request.include_reasoning)
        return writer, {**replies.SSE_HEADERS, **replies.cors_headers(self.settings.cors_allow_origin)}

    def answer(self, request: InferenceRequest, gathered: Gathered, final: Done, model: str) -> Response:
        body = replies.answer_body(gathered.text, model, final, self.invocation.request_id)
        if request.include_reasoning:
            body["reasoning"] = gathered.reasoning
        return _json(200, body, replies.cors_headers(self.settings.cors_allow_origin))


@dataclass
class _ChatFormat(_WireFormat):
    """OpenAI's body, error shape and answer (openai_request.py, openai_replies.py)."""

    include_usage: bool = False  # stream_options.include_usage, once the body is parsed

    def parse(self, body: bytes, content_type: str | None) -> InferenceRequest | ApiError:
        parsed = parse_chat_request(body, content_type, self.settings)
        if isinstance(parsed, ApiError):
            return parsed
        self.include_usage = parsed.include_usage
        return parsed.request

    def refuse(self, error: ApiError) -> Response:
        if error.param == "effort":  # capabilities names /invoke's field; this one is OpenAI's
            error = dataclasses.replace(error, param="reasoning_effort")
        return _refuse_openai(error, self.record, self.invocation, self.settings)

    def stream(self, request: InferenceRequest, model: str) -> tuple[StreamWriter, dict[str, str]]:
        writer = openai_replies.ChunkStream(
            model, self.invocation.request_id, request.include_reasoning, self.include_usage
        )
        return writer, {**replies.SSE_HEADERS, **_openai_headers(self.settings, self.invocation)}

    def answer(self, request: InferenceRequest, gathered: Gathered, final: Done, model: str) -> Response:
        request_id = self.invocation.request_id
        body = openai_replies.completion_body(gathered, final, model, request_id, request.include_reasoning)
        return _json(200, body, _openai_headers(self.settings, self.invocation))


async def _serve(request: Request, wire_format: type[_WireFormat]) -> Response:
    """A POST route: read and parse the body, refuse before Bedrock, then stream the answer or
    gather it, each in the route's wire format; a failure anywhere is that format's 500."""
    settings: Settings = request.app.state.settings
    invocation = Invocation.from_headers(request.headers, settings)
    record = RequestRecord(invocation.request_id, invocation.function_request_id, settings)
    wire = wire_format(settings, invocation, record)
    try:
        body = await _read_body(request, settings.body_max_bytes)
        parsed = wire.parse(body, request.headers.get("content-type"))
        if isinstance(parsed, ApiError):
            return wire.refuse(parsed)
        model = parsed.model or settings.model_id
        opened = await _open(request, parsed, model, record, invocation)
        if isinstance(opened, ApiError):
            return wire.refuse(opened)
        if parsed.stream:
            writer, headers = wire.stream(parsed, model)
            return StreamingResponse(_events(opened, record, invocation, writer), headers=headers)
        gathered = await gather(opened)
    except Exception:  # noqa: BLE001 - the trace goes to the logs, never to the caller
        logger.exception("unexpected failure", extra={"request_id": invocation.request_id})
        return wire.refuse(ApiError("internal_error"))
    final = gathered.final
    if isinstance(final, Failed):
        return wire.refuse(final.error)
    record.answered(gathered.text, final, opened.bedrock_ms, opened.first_text_ms, len(gathered.tool_calls))
    return wire.answer(parsed, gathered, final, model)


async def list_models(request: Request) -> Response:
    """``GET /v1/models``: the models this deployment serves, the default first. No Bedrock call."""
    settings: Settings = request.app.state.settings
    invocation = Invocation.from_headers(request.headers, settings)
    body = openai_replies.models_body(settings.model_ids, request.app.state.started)
    return _json(200, body, _openai_headers(settings, invocation))


async def _open(
    request: Request, parsed: InferenceRequest, model: str, record: RequestRecord, invocation: Invocation
) -> Answer | ApiError:
    """Refuse what the model would refuse, then start the ConverseStream call against the deadline."""
    settings: Settings = request.app.state.settings
    record.received(parsed)
    refused = capabilities.refusal(parsed, model)
    if refused is not None:
        return refused
    arguments = {
        **bedrock.converse_arguments(parsed, model, settings.guardrail),
        **capabilities.model_arguments(parsed, model, settings.effort),
    }
    deadline = invocation.deadline
    if not parsed.stream:  # nothing is sent until the answer is complete: mind the idle timeout
        deadline = min(deadline, invocation.started + STREAM_IDLE_TIMEOUT_SECONDS - DEADLINE_MARGIN_SECONDS)
    return await Answer.open(request.app.state.bedrock, arguments, model, deadline)


class StreamWriter(Protocol):
    """A wire format's stream: each method returns the SSE text to send ("" for nothing)."""

    def opening(self) -> str: ...  # once the model has started, before anything it writes
    def text(self, text: str) -> str: ...
    def reasoning(self, text: str) -> str: ...
    def tool_start(self, start: ToolUseStart) -> str: ...
    def tool_input(self, piece: ToolUseInput) -> str: ...
    def done(self, done: Done) -> str: ...  # the last event(s) of a complete answer
    def error(self, error: ApiError) -> str: ...  # the last event of a failed one


async def _events(
    answer: Answer, record: RequestRecord, invocation: Invocation, writer: StreamWriter
) -> AsyncIterator[bytes]:
    """The SSE body in ``writer``'s format: deltas as they come, then its end or its error,
    never a silent cut; a comment while the model only thinks, and deltas that arrive together
    sent in one write."""
    text: list[str] = []
    tool_calls = 0
    last_write = time.monotonic()
    chunk: list[str] = [writer.opening()]  # this batch's events, not sent yet
    try:
        async for batch in answer.batches():
            for item in batch:
                if isinstance(item, TextDelta):
                    text.append(item.text)
                    chunk.append(writer.text(item.text))
                elif isinstance(item, ReasoningDelta):
                    chunk.append(writer.reasoning(item.text))
                elif isinstance(item, ToolUseStart):
                    tool_calls += 1
                    chunk.append(writer.tool_start(item))
                elif isinstance(item, ToolUseInput):
                    chunk.append(writer.tool_input(item))
                elif isinstance(item, Done):
                    record.answered("".join(text), item, answer.bedrock_ms, answer.first_text_ms, tool_calls)
                    chunk.append(writer.done(item))
                elif isinstance(item, Failed):
                    record.failed(item.error, after_first_byte=True)
                    chunk.append(writer.error(item.error))
            events = "".join(chunk)
            if not events and time.monotonic() - last_write >= HEARTBEAT_SECONDS:
                events = ": the model is thinking\n\n"  # an SSE comment: clients skip it
            chunk = []
            if events:
                last_write = time.monotonic()
                yield replies.sse_bytes(events)
                if isinstance(batch[-1], (Done, Failed)):
                    return  # the last event is out: a client may hang up now (the SDK does at [DONE])
                await asyncio.sleep(COALESCE_SECONDS)
    except asyncio.CancelledError:  # the client went away (the server saw the connection close)
        record.abandoned()
        raise
    except Exception:  # noqa: BLE001 - a bug of ours still ends the stream with an error event
        logger.exception("unexpected failure while streaming", extra={"request_id": invocation.request_id})
        error = ApiError("internal_error")
        record.failed(error, after_first_byte=True)
        # The deltas gathered before the failure still go out, ahead of the error.
        yield replies.sse_bytes("".join(chunk) + writer.error(error))
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


def _refuse(
    error: ApiError,
    record: RequestRecord,
    invocation: Invocation,
    settings: Settings,
    headers: Mapping[str, str] | None = None,
) -> Response:
    record.failed(error)
    headers = {**replies.error_headers(error, settings.cors_allow_origin), **(headers or {})}
    return _json(error.status, replies.error_body(error, invocation.request_id), headers)


def _refuse_openai(
    error: ApiError,
    record: RequestRecord,
    invocation: Invocation,
    settings: Settings,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """``_refuse`` in OpenAI's error shape, with the headers its SDK reads."""
    record.failed(error)
    headers = {
        **replies.error_headers(error, settings.cors_allow_origin),
        **_openai_headers(settings, invocation),
        **openai_replies.error_headers(error),
        **(headers or {}),
    }
    return _json(error.status, openai_replies.error_body(error), headers)


def _openai_headers(settings: Settings, invocation: Invocation) -> dict[str, str]:
    """The CORS headers, and ``x-request-id``: the SDK shows it as ``_request_id``."""
    return {**replies.cors_headers(settings.cors_allow_origin), "x-request-id": invocation.request_id}


async def preflight(request: Request) -> Response:
    """A browser's CORS preflight for a POST route (routed only when CORS_ALLOW_ORIGIN is set)."""
    return Response(status_code=204, headers=replies.preflight_headers(request.app.state.settings.cors_allow_origin))


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 and 405 (the only statuses it is registered for), in the API's error
    shape; a 405 names what the path allows."""
    settings: Settings = request.app.state.settings
    invocation = Invocation.from_headers(request.headers, settings)
    record = RequestRecord(invocation.request_id, invocation.function_request_id, settings)
    openai = request.url.path == "/v1" or request.url.path.startswith("/v1/")
    refuse = _refuse_openai if openai else _refuse
    if isinstance(exc, HTTPException) and exc.status_code == 405:
        allowed = _allowed_methods(request)
        error = ApiError("method_not_allowed", f"method {request.method[:16]!r} is not allowed; use {allowed}")
        return refuse(error, record, invocation, settings, {"Allow": allowed})
    detail = "no such path: POST /v1/chat/completions or GET /v1/models" if openai else None
    return refuse(ApiError("not_found", detail), record, invocation, settings)


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
    routes = [
        Route("/", ready, methods=["GET"]),
        Route("/invoke", invoke, methods=["POST"]),
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/v1/models", list_models, methods=["GET"]),
        *playground.routes(),
    ]
    if settings.cors_allow_origin:
        routes += [Route(path, preflight, methods=["OPTIONS"]) for path in ("/invoke", "/v1/chat/completions")]
    web_app = Starlette(routes=routes, exception_handlers={404: _http_error, 405: _http_error})
    # /invoke/ is not /invoke: a 404 in our error shape, not a redirect without a body (API
    # Gateway routes no such path either).
    web_app.router.redirect_slashes = False
    web_app.state.settings = settings
    web_app.state.bedrock = client
    web_app.state.started = int(time.time())  # the models list's "created": when this app began serving
    return web_app


app = create_app(SETTINGS, BEDROCK)
