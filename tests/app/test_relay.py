"""The hand-over from Bedrock's worker thread to the event loop (relay.py).

An empty batch means "the deadline passed": the answer then ends with ``time_limit``. So an
empty batch must never come from anything else, such as a stale wake-up left behind by
pushes whose items an earlier batch already took.
"""

from __future__ import annotations

import asyncio
import queue
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from bedrock import Stopped, TextDelta, Usage
from errors import ApiError
from relay import Ended, Failed, Opened, Relay

MODEL = "eu.anthropic.claude-test-model"


class ScriptedStream:
    """Stands in for ``client.converse_stream`` and its EventStream: the events the test puts, until None."""

    def __init__(self) -> None:
        self.events: queue.Queue = queue.Queue()
        self.arguments: dict[str, Any] | None = None
        self.closed = threading.Event()

    def converse_stream(self, **arguments: Any) -> dict[str, Any]:
        self.arguments = arguments
        return {"stream": self}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for event in iter(self.events.get, None):
            if isinstance(event, BaseException):
                raise event
            yield event

    def put(self, event: dict[str, Any] | BaseException | None) -> None:
        """An event, an exception the stream raises there, or None: the stream's end."""
        self.events.put(event)

    def close(self) -> None:
        """botocore's EventStream has it; the worker calls it when the stream ends."""
        self.closed.set()


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


async def read_until_the_end(relay: Relay) -> list[Any]:
    """Every item up to the last (``Ended`` or ``Failed``), each batch waited for up to 5 s."""
    items: list[Any] = []
    while not items or not isinstance(items[-1], (Ended, Failed)):
        batch = await relay.next_batch(5)
        assert batch, f"nothing more after {items}"
        items += batch
    return items


def started_relay(events: ScriptedStream, arguments: dict[str, Any] | None = None) -> tuple[Relay, threading.Thread]:
    """A relay on ``events`` and its worker thread (the one thread it started)."""
    before = set(threading.enumerate())
    relay = Relay(events.converse_stream, arguments or {}, MODEL)
    [worker] = set(threading.enumerate()) - before
    return relay, worker


def test_the_call_runs_on_a_daemon_thread_of_its_own_named_bedrock_stream():
    async def main() -> threading.Thread:
        events = ScriptedStream()
        relay, worker = started_relay(events)
        events.put(None)
        await read_until_the_end(relay)
        return worker

    worker = asyncio.run(main())
    # a daemon: a stream still open never keeps the process from exiting
    assert (worker.name, worker.daemon) == ("bedrock-stream", True)


def test_the_stream_is_opened_translated_and_ended_and_the_worker_closes_it():
    async def main() -> tuple[list[Any], ScriptedStream, threading.Thread]:
        events = ScriptedStream()
        relay, worker = started_relay(events, {"modelId": MODEL, "messages": []})
        for event in (
            {"messageStart": {"role": "assistant"}},
            {"contentBlockStart": {"start": {}, "contentBlockIndex": 0}},
            {"contentBlockDelta": {"delta": {"text": "Hi"}, "contentBlockIndex": 0}},
            {"contentBlockStop": {"contentBlockIndex": 0}},
            {"messageStop": {"stopReason": "end_turn"}},
            {"metadata": {"usage": {"inputTokens": 3, "outputTokens": 1}}},
            None,
        ):
            events.put(event)
        return await read_until_the_end(relay), events, worker

    items, events, worker = asyncio.run(main())
    assert events.arguments == {"modelId": MODEL, "messages": []}
    # the events that carry nothing (block start and stop) are not passed on
    assert items == [Opened(), TextDelta("Hi"), Stopped("end_turn"), Usage(3, 1), Ended()]
    worker.join(5)
    assert events.closed.is_set()


def test_a_stream_with_no_event_at_all_is_still_opened_before_it_ends():
    async def main() -> list[Any]:
        events = ScriptedStream()
        relay, _ = started_relay(events)
        events.put(None)
        return await read_until_the_end(relay)

    assert asyncio.run(main()) == [Opened(), Ended()]


def access_denied() -> ClientError:
    return ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}, "ConverseStream")


def test_a_refused_call_is_one_failed_item_that_names_the_model():
    class Refusing:
        def converse_stream(self, **_: Any) -> dict[str, Any]:
            raise access_denied()

    async def main() -> list[Any]:
        relay = Relay(Refusing().converse_stream, {}, MODEL)
        return await read_until_the_end(relay)

    [item] = asyncio.run(main())
    assert item == Failed(
        ApiError(
            "model_misconfigured",
            f"this function cannot use its configured model {MODEL!r}; the operator should "
            "check the MODEL_ID setting and the model's access in Bedrock",
            internal=f"ClientError: {access_denied()}",
        )
    )


def test_a_refused_call_ends_its_worker_without_an_unhandled_exception(monkeypatch):
    unhandled: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: unhandled.append(args.exc_value))

    go = threading.Event()

    class Refusing:
        def converse_stream(self, **_: Any) -> dict[str, Any]:
            go.wait(5)  # until the test has found the worker thread
            raise access_denied()

    async def main() -> tuple[list[Any], threading.Thread]:
        before = set(threading.enumerate())
        relay = Relay(Refusing().converse_stream, {}, MODEL)
        [worker] = set(threading.enumerate()) - before
        go.set()
        return await read_until_the_end(relay), worker

    items, worker = asyncio.run(main())
    worker.join(5)
    assert [type(item) for item in items] == [Failed]
    assert unhandled == []  # no stream was opened, so there is none to close


def test_a_failure_mid_stream_follows_what_came_before_it():
    async def main() -> list[Any]:
        events = ScriptedStream()
        relay, _ = started_relay(events)
        events.put({"contentBlockDelta": {"delta": {"text": "Hi"}}})
        events.put(ConnectionResetError("reset"))
        return await read_until_the_end(relay)

    assert asyncio.run(main()) == [
        Opened(),
        TextDelta("Hi"),
        Failed(ApiError("internal_error", internal="ConnectionResetError: reset")),
    ]


def test_after_close_nothing_more_is_passed_on_not_even_a_failure():
    async def main() -> tuple[list[Any], list[Any], ScriptedStream, threading.Thread]:
        events = ScriptedStream()
        relay, worker = started_relay(events)
        events.put({"messageStart": {"role": "assistant"}})
        first = await relay.next_batch(5)
        relay.close()
        events.put({"contentBlockDelta": {"delta": {"text": "nobody reads this"}}})
        worker.join(5)  # the worker stops at the event after the close
        after_event = await relay.next_batch(0.2)

        events = ScriptedStream()
        relay, worker = started_relay(events)
        events.put({"messageStart": {"role": "assistant"}})
        await relay.next_batch(5)
        relay.close()
        events.put(ConnectionResetError("the close cut the connection"))
        worker.join(5)
        return first, after_event + await relay.next_batch(0.2), events, worker

    first, after, events, worker = asyncio.run(main())
    assert first == [Opened()]
    assert after == []
    assert not worker.is_alive()
    assert events.closed.is_set()


def test_a_timeout_already_passed_returns_at_once():
    async def main() -> tuple[list[Any], float]:
        events = ScriptedStream()
        relay, _ = started_relay(events)
        started = time.monotonic()
        batch = await asyncio.wait_for(relay.next_batch(-5), 3)  # a bug that waits forever fails in 3 s
        waited = time.monotonic() - started
        events.put(None)
        relay.close()
        return batch, waited

    batch, waited = asyncio.run(main())
    assert batch == []
    assert waited < 0.9  # not the 1 s a floor of 1 would wait


def test_items_pushed_while_the_loop_is_busy_cost_one_wake_up():
    async def main() -> tuple[list[Any], int]:
        events = ScriptedStream()
        relay, _ = started_relay(events)
        wake = relay._wake
        wake_ups = 0

        def counted() -> None:
            nonlocal wake_ups
            wake_ups += 1
            wake()

        relay._wake = counted  # type: ignore[method-assign]
        for text in ("a", "b", "c"):
            events.put({"contentBlockDelta": {"delta": {"text": text}}})
        deadline = time.monotonic() + 5
        while len(relay._items) < 4 and time.monotonic() < deadline:  # the loop is busy (blocked here)
            time.sleep(0.01)  # while the worker pushes Opened and three deltas
        batch = await relay.next_batch(5)
        await asyncio.sleep(0.05)  # the wake-ups scheduled so far run
        counted_then = wake_ups
        events.put(None)
        relay.close()
        return batch, counted_then

    batch, wake_ups = asyncio.run(main())
    assert batch == [Opened(), TextDelta("a"), TextDelta("b"), TextDelta("c")]
    assert wake_ups == 1


class SocketStream(ScriptedStream):
    """A stream with botocore's private path to its socket: ``_raw_stream._connection.sock``."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        connection = type("Connection", (), {"sock": sock})()
        self._raw_stream = type("Response", (), {"_connection": connection})()


def test_close_shuts_the_socket_under_the_stream_down_waking_a_blocked_read():
    ours, peer = socket.socketpair()
    peer.settimeout(2)

    async def main() -> bytes:
        events = SocketStream(ours)
        relay, _ = started_relay(events)
        events.put({"messageStart": {"role": "assistant"}})
        assert await relay.next_batch(5) == [Opened()]
        relay.close()
        relay.close()  # safe twice
        received = peer.recv(1)  # b"" at once: the connection was shut down, not left open
        events.put(None)
        return received

    try:
        assert asyncio.run(main()) == b""
    finally:
        ours.close()
        peer.close()


def test_close_of_a_stream_whose_socket_is_already_closed_does_not_fail():
    ours, peer = socket.socketpair()
    ours.close()
    peer.close()

    async def main() -> None:
        events = SocketStream(ours)
        relay, _ = started_relay(events)
        events.put({"messageStart": {"role": "assistant"}})
        assert await relay.next_batch(5) == [Opened()]
        relay.close()  # the socket's OSError is swallowed: already closed by either side
        events.put(None)

    asyncio.run(main())
