"""An answer being written: Bedrock's stream read against a deadline, in either answer mode.

``Answer.open`` starts the call and waits for Bedrock to accept it, so everything refused
before the model starts (throttling, access, validation) is still an HTTP status. After that,
``batches`` yields what the model writes as it arrives and always ends with one final item:
``Done`` (the stop reason and usage) or ``Failed``. The deadline (the Lambda timeout, less a
margin to say goodbye) ends an unfinished answer with ``Done("time_limit")``, never with the
platform cutting the connection.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from bedrock import ReasoningDelta, Stopped, TextDelta, ToolUseInput, ToolUseStart, Usage
from errors import ApiError
from relay import Ended, Failed, Item, Relay

TIME_LIMIT = "time_limit"  # the stop reason of an answer the deadline ended


@dataclass(frozen=True)
class Done:
    """The answer is complete (or the deadline ended it). Usage is None when Bedrock did not
    report it, which happens only when the deadline cut the stream before its last event."""

    stop_reason: str
    usage: Usage | None


Final = Done | Failed
Out = TextDelta | ReasoningDelta | ToolUseStart | ToolUseInput | Done | Failed


class Answer:
    """One open ConverseStream call and the deadline it must end by (``time.monotonic()``)."""

    def __init__(self, relay: Relay, deadline: float, first: list[Item], started_at: float) -> None:
        self._relay = relay
        self._deadline = deadline
        self._pending = first
        self.started_at = started_at  # when the call to Bedrock began
        self.first_text_at: float | None = None

    @classmethod
    async def open(cls, client: Any, arguments: dict[str, Any], model_id: str, deadline: float) -> Answer | ApiError:
        """Start the call with these ConverseStream ``arguments``; the open ``Answer``, or the
        error that refused it before any output."""
        started_at = time.monotonic()
        relay = Relay(client.converse_stream, arguments, model_id)
        batch = await relay.next_batch(deadline - time.monotonic())
        if not batch:
            relay.close()
            return ApiError("model_timeout", "the model did not start answering before the deadline")
        first, rest = batch[0], batch[1:]
        if isinstance(first, Failed):
            return first.error
        return cls(relay, deadline, rest, started_at)  # the relay begins with Opened or Failed

    @property
    def bedrock_ms(self) -> float:
        """Milliseconds since the call to Bedrock began."""
        return (time.monotonic() - self.started_at) * 1000

    @property
    def first_text_ms(self) -> float | None:
        """Milliseconds from the call to the first piece of answer text (None: no text yet)."""
        return None if self.first_text_at is None else (self.first_text_at - self.started_at) * 1000

    async def batches(self) -> AsyncIterator[list[Out]]:
        """What the model writes, batch by batch; the last batch ends with the ``Final`` item."""
        stop_reason: str | None = None
        usage: Usage | None = None
        try:
            while True:
                items, self._pending = self._pending, []
                if not items:
                    items = await self._relay.next_batch(self._deadline - time.monotonic())
                if not items:  # the deadline passed with nothing new
                    yield [Done(TIME_LIMIT, None)]
                    return
                out: list[Out] = []
                for item in items:
                    if isinstance(item, TextDelta):
                        if self.first_text_at is None:
                            self.first_text_at = time.monotonic()
                        out.append(item)
                    elif isinstance(item, (ReasoningDelta, ToolUseStart, ToolUseInput)):
                        out.append(item)
                    elif isinstance(item, Stopped):
                        stop_reason = item.stop_reason
                    elif isinstance(item, Usage):
                        usage = item
                    elif isinstance(item, Failed):
                        yield [*out, item]
                        return
                    elif isinstance(item, Ended):
                        yield [*out, Done(stop_reason or "unknown", usage)]
                        return
                if out:
                    yield out
        finally:
            self.close()

    def close(self) -> None:
        """Close the connection to Bedrock: called when the answer ends, fails, or nobody reads."""
        self._relay.close()


@dataclass(frozen=True)
class ToolCall:
    """One tool call the model made, whole: its input is the JSON text its fragments join to."""

    tool_use_id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Gathered:
    """A whole answer (the JSON mode): text, reasoning (never part of the text), tool calls, end."""

    text: str
    reasoning: str
    tool_calls: tuple[ToolCall, ...]
    final: Final


async def gather(answer: Answer) -> Gathered:
    """The whole answer at once, from the same stream a streamed answer reads."""
    text: list[str] = []
    reasoning: list[str] = []
    calls: dict[int, tuple[ToolUseStart, list[str]]] = {}  # by content block, in the order they began
    final: Final = Done("unknown", None)
    async for batch in answer.batches():
        for item in batch:
            if isinstance(item, TextDelta):
                text.append(item.text)
            elif isinstance(item, ReasoningDelta):
                reasoning.append(item.text)
            elif isinstance(item, ToolUseStart):
                calls[item.block] = (item, [])
            elif isinstance(item, ToolUseInput):
                if item.block in calls:
                    calls[item.block][1].append(item.fragment)
            else:
                final = item
    tool_calls = tuple(ToolCall(start.tool_use_id, start.name, "".join(parts)) for start, parts in calls.values())
    return Gathered("".join(text), "".join(reasoning), tool_calls, final)
