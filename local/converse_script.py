"""What the local Bedrock stand-in answers to one ConverseStream call: a Script, and the plan it becomes.

A ``Script`` is written by a test or benchmark (or left at its default, the labelled summary a
person sees with ``make serve --offline``); ``plan()`` turns it and the request into the exact
event-stream messages to send, in order, each with the pause before it. The order is the one
Bedrock sends for Claude: ``messageStart``; reasoning deltas, their signature and
``contentBlockStop`` when the model thinks; the text deltas and their ``contentBlockStop``;
each tool call as a block of its own (``contentBlockStart`` with its id and name, its input
JSON in ``toolUse`` delta fragments, ``contentBlockStop``); ``messageStop``; ``metadata``
(usage and latency). Member and field names come from the
bedrock-runtime service model (botocore/data/bedrock-runtime/2023-09-30/service-2.json,
``ConverseStreamOutput``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from local.eventstream import encode_event, encode_exception

LABEL = "[local stand-in model, not Amazon Bedrock]"
Ending = Literal["refused", "complete", "exception", "cut"]

# From the service model: the StopReason enum, and the exception members of ConverseStreamOutput
# (tests/test_fake_bedrock.py checks both against botocore's copy).
STOP_REASONS = frozenset(
    {
        "end_turn",
        "tool_use",
        "max_tokens",
        "stop_sequence",
        "guardrail_intervened",
        "content_filtered",
        "malformed_model_output",
        "malformed_tool_use",
        "model_context_window_exceeded",
    }
)
STREAM_EXCEPTIONS = frozenset(
    {
        "internalServerException",
        "modelStreamErrorException",
        "validationException",
        "throttlingException",
        "serviceUnavailableException",
    }
)


TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")  # ToolName in the service model


@dataclass(frozen=True)
class ToolCall:
    """One tool call the scripted model makes: its input JSON is sent in these fragments."""

    name: str
    input: Sequence[str] = ("{}",)
    tool_use_id: str = ""  # "": tooluse_<n>, n counting the script's calls from 0

    def __post_init__(self) -> None:
        if not TOOL_NAME.fullmatch(self.name):
            raise ValueError(f"ToolCall.name {self.name!r} is not 1 to 64 letters, digits, _ or -")
        if isinstance(self.input, str | bytes) or not all(isinstance(piece, str) for piece in self.input):
            raise TypeError("ToolCall.input is a list of str fragments of the input JSON, not one string")
        object.__setattr__(self, "input", tuple(self.input))


@dataclass(frozen=True)
class Script:
    """One ConverseStream answer. Every field has a default: ``Script()`` is the labelled summary.

    Counts (``pause_after``, ``fail_after``, ``cut_after``) are numbers of *text* deltas already
    sent; 0 means before the first one (after the reasoning block, if any).
    """

    text: Sequence[str] | None = None  # the text deltas; None: the labelled summary of the request
    count: int = 0  # instead of text: this many generated one-word deltas ("t0 ", "t1 ", ...)
    reasoning: Sequence[str] = ()  # reasoning deltas, sent first in a content block of their own
    tool_calls: Sequence[ToolCall] = ()  # after the text, each in a block of its own (stop reason: tool_use)
    signature: str = "stand-in-signature"  # the reasoning block's closing signature delta ("": none)
    redacted_reasoning: bytes = b""  # sent as a redactedContent delta in the reasoning block
    stop_reason: str | None = None  # None: end_turn (the summary: max_tokens / stop_sequence as it applies)
    usage: tuple[int, int] | None = None  # (inputTokens, outputTokens); None: words in the request, deltas sent
    delay_first: float = 0.0  # seconds before the first event (a stream's HTTP headers go at once) or the refusal
    delay_between: float = 0.0  # seconds before every later event
    pause_after: int | None = None  # after this many text deltas, pause ...
    pause_seconds: float = 0.0  # ... this long (on top of delay_between)
    fail_before: tuple[int, str, str] | None = None  # (HTTP status, error type, message) instead of a stream
    fail_after: int | None = None  # after this many text deltas, send `exception` and end the stream
    exception: tuple[str, str] | None = None  # (exception member, e.g. "throttlingException", message)
    cut_after: int | None = None  # after this many text deltas, close the connection: no end, no messageStop

    def __post_init__(self) -> None:
        for name in ("text", "reasoning"):
            value = getattr(self, name)
            if isinstance(value, str | bytes):
                raise TypeError(f"Script.{name} is a list of deltas, not one {type(value).__name__}")
            if value is not None and not all(isinstance(delta, str) for delta in value):
                raise TypeError(f"Script.{name} must hold str deltas only")
        if self.count < 0 or (self.count and self.text is not None):
            raise ValueError("Script.count is a number of deltas >= 0, and replaces text: give one or the other")
        if self.count:
            object.__setattr__(self, "text", tuple(f"t{i} " for i in range(self.count)))
        elif self.text is not None:
            object.__setattr__(self, "text", tuple(self.text))
        object.__setattr__(self, "reasoning", tuple(self.reasoning))
        if not all(isinstance(call, ToolCall) for call in self.tool_calls):
            raise TypeError("Script.tool_calls must hold ToolCall items")
        object.__setattr__(self, "tool_calls", tuple(self.tool_calls))
        if self.stop_reason is not None and self.stop_reason not in STOP_REASONS:
            raise ValueError(f"Script.stop_reason {self.stop_reason!r} is not one of {sorted(STOP_REASONS)}")
        if self.usage is not None and (len(self.usage) != 2 or min(self.usage) < 0):
            raise ValueError(f"Script.usage is (inputTokens, outputTokens), both >= 0, not {self.usage!r}")
        for name in ("delay_first", "delay_between", "pause_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"Script.{name} is a number of seconds >= 0, not {getattr(self, name)!r}")
        if (self.pause_after is None) != (self.pause_seconds == 0):
            raise ValueError("Script.pause_after and Script.pause_seconds go together: give both or neither")
        if (self.fail_after is None) != (self.exception is None):
            raise ValueError("Script.fail_after and Script.exception go together: give both or neither")
        if self.exception is not None and self.exception[0] not in STREAM_EXCEPTIONS:
            raise ValueError(f"Script.exception type {self.exception[0]!r} is not one of {sorted(STREAM_EXCEPTIONS)}")
        if self.fail_before is not None and not 400 <= self.fail_before[0] <= 599:
            raise ValueError(f"Script.fail_before status {self.fail_before[0]!r} is not an HTTP error (400-599)")
        failures = [name for name in ("fail_before", "fail_after", "cut_after") if getattr(self, name) is not None]
        if len(failures) > 1:
            raise ValueError(f"a Script fails one way only, not {' and '.join(failures)}")
        for name in ("pause_after", "fail_after", "cut_after"):  # the summary's length is known per request only
            after, most = getattr(self, name), len(self.text) if self.text is not None else float("inf")
            if after is not None and not 0 <= after <= most:
                raise ValueError(f"Script.{name}={after} is outside 0..{most}, the number of text deltas scripted")

    @cached_property
    def _encoded_text(self) -> tuple[bytes, ...] | None:
        """The scripted text deltas, encoded once (a 5,000-delta benchmark must not wait on the stand-in)."""
        if self.text is None:
            return None
        return tuple(_delta(self._text_index, {"text": delta}) for delta in self.text)

    @property
    def _text_index(self) -> int:
        return 1 if self._has_reasoning else 0

    @property
    def _has_reasoning(self) -> bool:
        return bool(self.reasoning or self.redacted_reasoning)

    def prepare(self) -> Script:
        """Encode the scripted deltas now rather than while serving; returns the script itself."""
        _ = self._encoded_text
        return self


@dataclass(frozen=True)
class Plan:
    """The wire form of one answer: an HTTP error, or the messages to stream and how the stream ends."""

    refusal: tuple[int, str, str] | None  # (status, error type, message): answer with this instead
    refusal_delay: float  # seconds before the refusal (a stream's first event carries its own delay)
    events: list[tuple[float, bytes]]  # (seconds to wait before it, one encoded message)
    ending: Ending  # "complete" / "exception": the body ends properly; "cut": the connection drops


def summary(request: Mapping[str, Any], model_id: str) -> tuple[str, str]:
    """The default answer's text and stop reason: a summary, cut at maxTokens words or a stop sequence."""
    texts, system = _texts(request)
    last = texts[-1] if texts else ""
    snippet = " ".join(last.split())[:60]
    text = (
        f"{LABEL} {model_id} received {len(request.get('messages', []))} message(s), {sum(map(len, texts))} characters"
        f'{" and a system prompt" if system else ""}. The last message begins: "{snippet}".'
    )
    config = request.get("inferenceConfig", {})
    stop_reason = "end_turn"
    for stop in config.get("stopSequences", []):
        if stop in text:
            text, stop_reason = text[: text.index(stop)], "stop_sequence"
    words = text.split(" ")
    max_tokens = config.get("maxTokens", len(words))
    if len(words) > max_tokens:
        text, stop_reason = " ".join(words[:max_tokens]), "max_tokens"
    return text, stop_reason


def plan(script: Script, request: Mapping[str, Any], model_id: str) -> Plan:
    """The messages ``script`` sends in answer to ``request`` (the parsed ConverseStream body)."""
    if script.fail_before is not None:
        return Plan(script.fail_before, script.delay_first, [], "refused")
    if script.text is None:
        text, default_stop = summary(request, model_id)
        deltas = re.findall(r"\S+\s*", text)  # a word per delta, spacing kept: the deltas join to the text
        encoded = [_delta(script._text_index, {"text": delta}) for delta in deltas]
    else:
        encoded, default_stop = list(script._encoded_text or ()), "end_turn"
    if script.tool_calls:
        default_stop = "tool_use"
    frames = [encode_event("messageStart", {"role": "assistant"})]
    frames += _reasoning_block(script)
    pauses: dict[int, float] = {}  # index in frames → extra seconds before it
    stop_at = {
        name: min(getattr(script, name), len(encoded))
        for name in ("pause_after", "fail_after", "cut_after")
        if getattr(script, name) is not None
    }
    for sent in range(len(encoded) + 1):
        if stop_at.get("pause_after") == sent:
            pauses[len(frames)] = script.pause_seconds
        if stop_at.get("fail_after") == sent:
            return _plan(script, [*frames, encode_exception(*script.exception)], pauses, "exception")
        if stop_at.get("cut_after") == sent:
            return _plan(script, frames, pauses, "cut")
        if sent < len(encoded):
            frames.append(encoded[sent])
    frames.append(encode_event("contentBlockStop", {"contentBlockIndex": script._text_index}))
    frames += _tool_blocks(script)
    frames.append(encode_event("messageStop", {"stopReason": script.stop_reason or default_stop}))
    fragments = sum(len(call.input) for call in script.tool_calls)
    input_tokens, output_tokens = script.usage or (
        _word_count(request),
        len(encoded) + len(script.reasoning) + fragments,
    )
    latency = script.delay_first + script.delay_between * len(frames) + sum(pauses.values())  # metadata's wait included
    frames.append(
        encode_event(
            "metadata",
            {
                "usage": {
                    "inputTokens": input_tokens,
                    "outputTokens": output_tokens,
                    "totalTokens": input_tokens + output_tokens,
                },
                "metrics": {"latencyMs": round(latency * 1000)},
            },
        )
    )
    return _plan(script, frames, pauses, "complete")


def _plan(script: Script, frames: list[bytes], pauses: dict[int, float], ending: Ending) -> Plan:
    delays = [script.delay_first if i == 0 else script.delay_between + pauses.get(i, 0.0) for i in range(len(frames))]
    return Plan(None, 0.0, list(zip(delays, frames, strict=True)), ending)


def _reasoning_block(script: Script) -> list[bytes]:
    """Claude's extended thinking on ConverseStream: reasoning text, then its signature, in block 0."""
    if not script._has_reasoning:
        return []
    deltas = [{"text": text} for text in script.reasoning]
    if script.redacted_reasoning:
        deltas.append({"redactedContent": base64.b64encode(script.redacted_reasoning).decode("ascii")})
    if script.signature:
        deltas.append({"signature": script.signature})
    return [_delta(0, {"reasoningContent": delta}) for delta in deltas] + [
        encode_event("contentBlockStop", {"contentBlockIndex": 0})
    ]


def _tool_blocks(script: Script) -> list[bytes]:
    """Claude's tool calls on ConverseStream: one block each, after the text block."""
    frames = []
    for number, call in enumerate(script.tool_calls):
        index = script._text_index + 1 + number
        start = {"toolUse": {"toolUseId": call.tool_use_id or f"tooluse_{number}", "name": call.name}}
        frames.append(encode_event("contentBlockStart", {"contentBlockIndex": index, "start": start}))
        frames += [_delta(index, {"toolUse": {"input": piece}}) for piece in call.input]
        frames.append(encode_event("contentBlockStop", {"contentBlockIndex": index}))
    return frames


def _delta(index: int, delta: Mapping[str, Any]) -> bytes:
    return encode_event("contentBlockDelta", {"contentBlockIndex": index, "delta": delta})


def _texts(request: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The text of the messages (text blocks, and the text of tool results) and of the system
    prompt; images, tool calls and other blocks have none."""
    texts = []
    for message in request.get("messages", []):
        for block in message.get("content", []):
            inner = block.get("toolResult", {}).get("content", [block])
            texts += [piece["text"] for piece in inner if "text" in piece]
    return texts, [block.get("text", "") for block in request.get("system", [])]


def _word_count(request: Mapping[str, Any]) -> int:
    texts, system = _texts(request)
    return sum(len(t.split()) for t in texts + system)
