"""One ConverseStream call, run on a worker thread, its events handed to the event loop.

boto3 is synchronous: opening the stream and reading each event block. A worker thread of its
own per answer does both, so the event loop never blocks and any number of streams proceed
at once (anyio's default pool would cap them at 40). The worker appends events to a queue
and wakes the loop, unless a wake-up is already on its way; the loop takes whatever has
arrived in one batch, so a fast stream costs one wake-up per batch, not per event.

The loop side decides when to stop waiting (the deadline) and may ``close`` at any time: a
client that went away, or a deadline that passed, shuts the HTTP connection to Bedrock down,
so the model stops writing tokens nobody will read. It shuts the socket down rather than
closing the response: the worker may be blocked reading it, holding the reader's lock, and a
close from the loop would wait for that read (up to the read timeout) with the loop blocked.
The shutdown wakes the read at once; the worker then closes the response itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import bedrock
from bedrock import StreamEvent
from errors import ApiError


@dataclass(frozen=True)
class Opened:
    """The model has started: its first event arrived. A failure before this one (an HTTP
    error, or an exception as the stream's first event) is still the caller's HTTP status."""


@dataclass(frozen=True)
class Failed:
    """The call failed, before or during the stream; nothing follows."""

    error: ApiError


@dataclass(frozen=True)
class Ended:
    """The stream ended normally; nothing follows."""


Item = Opened | Failed | Ended | StreamEvent


class Relay:
    """A ConverseStream call on its own thread; ``await next_batch(timeout)`` reads its items.

    Items arrive in this order: ``Opened`` or ``Failed``; then stream events; then ``Ended``
    or ``Failed``. ``next_batch`` returns ``[]`` when ``timeout`` passes with nothing new.
    """

    def __init__(self, call: Callable[..., Any], arguments: dict[str, Any], model_id: str) -> None:
        self._call = call
        self._arguments = arguments
        self._model_id = model_id
        self._items: deque[Item] = deque()
        self._ready = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._stream: Any = None
        self._closed = threading.Event()
        self._wake_pending = False  # a wake-up is scheduled on the loop and has not run yet
        threading.Thread(target=self._work, name="bedrock-stream", daemon=True).start()

    async def next_batch(self, timeout: float) -> list[Item]:
        """Every item that has arrived, waiting up to ``timeout`` seconds for one; [] if none came.

        A wake-up may be stale: a push schedules one unless one is on its way, and a batch can take the items of
        several pushes before their wake-ups run. Woken to an empty queue, it waits again
        for what is left of ``timeout``, so [] always means the time ran out.
        """
        if not self._items:
            try:
                async with asyncio.timeout(max(timeout, 0)):  # cheaper than wait_for: no extra task
                    while not self._items:  # a wake-up left over from items already taken: wait on
                        self._ready.clear()
                        await self._ready.wait()
            except TimeoutError:
                return []
        batch = list(self._items)
        for _ in batch:
            self._items.popleft()
        return batch

    def close(self) -> None:
        """Stop reading and end the connection to Bedrock; never blocks (safe to call twice)."""
        self._closed.set()
        if self._stream is not None:
            _shut_down(self._stream)

    def _work(self) -> None:
        try:
            response = self._call(**self._arguments)
            self._stream = response["stream"]
            opened = False
            for raw in self._stream:
                if self._closed.is_set():
                    return
                if not opened:  # the first event (messageStart): the model has started
                    opened = True
                    self._push(Opened())
                event = bedrock.translate(raw)
                if event is not None:
                    self._push(event)
            if not opened:
                self._push(Opened())
            self._push(Ended())
        except BaseException as error:  # noqa: BLE001 - every failure becomes an item, none a crash
            if not self._closed.is_set():
                self._push(Failed(bedrock.error_for(error, self._model_id)))
        finally:
            if self._stream is not None:
                self._stream.close()  # on this thread, which holds no reader lock now

    def _push(self, item: Item) -> None:
        self._items.append(item)
        if self._wake_pending:  # the loop has not run the last wake-up yet: it will see this item
            return
        self._wake_pending = True
        try:
            self._loop.call_soon_threadsafe(self._wake)
        except RuntimeError:  # the loop has shut down: nobody is listening any more
            self._closed.set()

    def _wake(self) -> None:
        self._wake_pending = False
        self._ready.set()


def _shut_down(stream: Any) -> None:
    """Shut the socket under a botocore EventStream down, waking a read blocked on it.

    The socket is reached through the urllib3 response botocore streams from (its
    ``_raw_stream`` and that response's ``_connection``): private attributes, so anything
    missing is skipped, and the worker still stops at its next event or read timeout.
    """
    connection = getattr(getattr(stream, "_raw_stream", None), "_connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):  # already closed by either side
            sock.shutdown(socket.SHUT_RDWR)
