"""What the OpenAI routes write back, in the shapes the ``openai`` SDK's types describe.

Pure functions and one stream writer, free of any web framework: ``chat.completion``
(``openai.types.chat.ChatCompletion``), ``chat.completion.chunk`` events
(``ChatCompletionChunk``) ending in ``data: [DONE]``, the model list, and the error object
``{"error": {"message", "type", "param", "code"}}``, which the SDK turns into its exceptions by
status. A stream that fails after its first byte ends with one ``data:`` event holding an
``error`` object and no ``[DONE]``: the SDK raises on it.
"""

from __future__ import annotations

import time
from json.encoder import encode_basestring
from typing import Any

from answer import TIME_LIMIT, Done, Gathered
from bedrock import ToolUseInput, ToolUseStart
from errors import ApiError
from models import base_model_id
from replies import dumps

DONE_EVENT = "data: [DONE]\n\n"
# Bedrock's stop reasons (the StopReason enum of botocore's bedrock-runtime model) → OpenAI's
# finish_reason, which is one of these four only. Anything else (malformed output, a reason
# Bedrock adds later) ended the answer as it stands: "stop".
FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    TIME_LIMIT: "length",  # the deadline ended the answer: it is cut short, as by max_tokens
    "tool_use": "tool_calls",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
}
# The error object's ``type`` by status, as OpenAI's own errors name them.
ERROR_TYPES = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}
# A spent quota is not cured by retrying at once: the SDK obeys ``x-should-retry: false``.
NOT_RETRYABLE = {"quota_exceeded"}


def finish_reason(stop_reason: str) -> str:
    return FINISH_REASONS.get(stop_reason, "stop")


def usage(done: Done) -> dict[str, int] | None:
    """OpenAI's usage from Bedrock's; None only when the deadline cut the stream before Bedrock
    reported it (the SDK's ``usage`` is optional: no counts rather than made-up ones)."""
    if done.usage is None:
        return None
    prompt, completion = done.usage.input_tokens, done.usage.output_tokens
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion_id(request_id: str) -> str:
    """The completion's id: the request id callers can quote to find it in the logs."""
    return f"chatcmpl-{request_id}"


def completion_body(
    gathered: Gathered, done: Done, model: str, request_id: str, include_reasoning: bool, created: int | None = None
) -> dict[str, Any]:
    """A non-streamed answer: ``chat.completion``."""
    message: dict[str, Any] = {"role": "assistant", "content": gathered.text or None, "refusal": None}
    if gathered.tool_calls:
        message["tool_calls"] = [
            {"id": call.tool_use_id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
            for call in gathered.tool_calls
        ]
    elif message["content"] is None:
        message["content"] = ""  # an answer with neither text nor tools is an empty text, not none
    if include_reasoning:
        message["reasoning_content"] = gathered.reasoning
    return {
        "id": completion_id(request_id),
        "object": "chat.completion",
        "created": int(time.time()) if created is None else created,
        "model": model,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason(done.stop_reason)}
        ],
        "usage": usage(done),
    }


class ChunkStream:
    """The stream writer of ``/v1/chat/completions`` (see app.py's ``StreamWriter``).

    Every chunk carries the same id, created and model. Tool calls get dense indexes from 0 in
    the order they begin; the first delta of each carries its id, type and name, the later ones
    only ``arguments`` pieces. With ``include_usage``, every chunk carries ``usage: null`` and a
    last one ``choices: []`` and the usage, as OpenAI documents ``stream_options``.
    """

    def __init__(
        self, model: str, request_id: str, include_reasoning: bool, include_usage: bool, created: int | None = None
    ) -> None:
        self.include_reasoning = include_reasoning
        self.include_usage = include_usage
        self._head = dumps(
            {
                "id": completion_id(request_id),
                "object": "chat.completion.chunk",
                "created": int(time.time()) if created is None else created,
                "model": model,
            }
        )[:-1]
        usage_field = ',"usage":null' if include_usage else ""
        # Text deltas are thousands per answer: their chunk is built around the text directly.
        self._text_before = "data: " + self._head + ',"choices":[{"index":0,"delta":{"content":'
        self._text_after = '},"logprobs":null,"finish_reason":null}]' + usage_field + "}\n\n"
        self._usage_field = usage_field
        self._tool_indexes: dict[int, int] = {}  # Bedrock's content block → the call's index here

    def opening(self) -> str:
        """The first chunk, as OpenAI sends it: the role, and empty content."""
        return self._chunk({"role": "assistant", "content": ""})

    def text(self, text: str) -> str:
        return self._text_before + encode_basestring(text) + self._text_after

    def reasoning(self, text: str) -> str:
        return self._chunk({"reasoning_content": text}) if self.include_reasoning else ""

    def tool_start(self, start: ToolUseStart) -> str:
        index = self._tool_indexes.setdefault(start.block, len(self._tool_indexes))
        return self._chunk(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": start.tool_use_id,
                        "type": "function",
                        "function": {"name": start.name, "arguments": ""},
                    }
                ]
            }
        )

    def tool_input(self, piece: ToolUseInput) -> str:
        index = self._tool_indexes.get(piece.block)
        if index is None or not piece.fragment:  # Bedrock starts every call first; nothing to add otherwise
            return ""
        return self._chunk({"tool_calls": [{"index": index, "function": {"arguments": piece.fragment}}]})

    def done(self, done: Done) -> str:
        events = self._chunk({}, finish_reason(done.stop_reason))
        if self.include_usage:
            events += "data: " + self._head + ',"choices":[],"usage":' + dumps(usage(done)) + "}\n\n"
        return events + DONE_EVENT

    def error(self, error: ApiError) -> str:
        return "data: " + dumps(error_body(error)) + "\n\n"

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return "data: " + self._head + ',"choices":[' + dumps(choice) + "]" + self._usage_field + "}\n\n"


def error_body(error: ApiError) -> dict[str, Any]:
    """OpenAI's error object: the SDK reads ``message``, ``type``, ``param`` and ``code``."""
    status = error.status
    kind = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    if error.code == "quota_exceeded":
        kind = "insufficient_quota"
    return {"error": {"message": error.message, "type": kind, "param": error.param, "code": error.code}}


def error_headers(error: ApiError) -> dict[str, str]:
    """Headers of an error answer beyond the CORS ones: ``x-should-retry: false`` for a spent quota."""
    return {"x-should-retry": "false"} if error.code in NOT_RETRYABLE else {}


def models_body(model_ids: tuple[str, ...], created: int) -> dict[str, Any]:
    """``GET /v1/models``: the models this deployment serves, the default first."""
    return {
        "object": "list",
        "data": [
            {"id": model_id, "object": "model", "created": created, "owned_by": base_model_id(model_id).split(".")[0]}
            for model_id in model_ids
        ],
    }
