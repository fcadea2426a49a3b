"""The hand-over from Bedrock's worker thread to the event loop (relay.py).

An empty batch means "the deadline passed": the answer then ends with ``time_limit``. So an
empty batch must never come from anything else, such as a stale wake-up left behind by
pushes whose items an earlier batch already took.
"""

from __future__ import annotations

import asyncio
import queue
import time
from collections.abc import Iterator
from typing import Any

from bedrock import TextDelta
from relay import Opened, Relay


class ScriptedStream:
    """Stands in for ``client.converse_stream`` and its EventStream: the events the test puts, until None."""

    def __init__(self) -> None:
        self.events: queue.Queue = queue.Queue()

    def converse_stream(self, **_: Any) -> dict[str, Any]:
        return {"stream": self}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.events.get, None)

    def put(self, event: dict[str, Any] | None) -> None:
        self.events.put(event)

    def close(self) -> None:
        """botocore's EventStream has it; the worker calls it when the stream ends."""


def test_a_stale_wake_up_is_not_mistaken_for_the_deadline():
    async def main() -> tuple[list[Any], list[Any], float]:
        events = ScriptedStream()
        relay = Relay(events.converse_stream, {}, "model")
        events.put({"messageStart": {"role": "assistant"}})
        events.put({"contentBlockDelta": {"delta": {"text": "first"}}})
        # GIVEN the worker pushes Opened and a delta while the loop is busy (two wake-ups queued)
        time.sleep(0.3)
        first = await relay.next_batch(5)  # takes both items at once; their wake-ups still pending
        # WHEN the next batch waits, and the model's next delta comes 0.5 s later
        started = time.monotonic()
        asyncio.get_running_loop().call_later(0.5, events.put, {"contentBlockDelta": {"delta": {"text": "second"}}})
        second = await relay.next_batch(5)
        waited = time.monotonic() - started
        events.put(None)
        relay.close()
        return first, second, waited

    first, second, waited = asyncio.run(main())
    assert first == [Opened(), TextDelta("first")]
    # THEN it is woken by the stale wake-ups, finds nothing, and keeps waiting for the delta
    assert second == [TextDelta("second")]
    assert waited >= 0.45


def test_nothing_before_the_timeout_is_an_empty_batch_at_the_timeout():
    async def main() -> tuple[list[Any], float]:
        events = ScriptedStream()
        relay = Relay(events.converse_stream, {}, "model")
        started = time.monotonic()
        batch = await relay.next_batch(0.3)
        waited = time.monotonic() - started
        events.put(None)
        relay.close()
        return batch, waited

    batch, waited = asyncio.run(main())
    assert batch == []
    assert 0.25 <= waited < 2
