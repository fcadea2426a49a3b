"""A local stand-in for Amazon Bedrock's ConverseStream API, for running the function with no AWS account.

It is NOT Bedrock and runs no model. It speaks ConverseStream on the wire, as Bedrock does:
``POST /model/{modelId}/converse-stream`` answered with HTTP 200,
``application/vnd.amazon.eventstream`` and the binary event-stream framing (local/eventstream.py),
one HTTP chunk per event, written as it happens; refusals are rest-json errors (JSON body,
``x-amzn-ErrorType``). So the real boto3 client, pointed here with ``endpoint_url`` or
``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``, decodes real frames. Unless scripted, each answer is a
deterministic summary of the request that says it is not Bedrock's.

For tests and benchmarks, ``script()`` queues one ``Script`` per call (local/converse_script.py):
text and reasoning deltas, tool calls, pauses, HTTP errors, mid-stream exception events, a dropped connection.
Every call is recorded (``calls``) with how its answer ended, including a client that went away
before the end (``wait_for_disconnect``).
"""

from __future__ import annotations

import contextlib
import json
import re
import select
import socket
import sys
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from local.converse_script import LABEL, Plan, Script, ToolCall, plan

__all__ = ["LABEL", "STAND_IN_MODEL_ID", "Call", "FakeBedrock", "Script", "ToolCall"]

STAND_IN_MODEL_ID = "local.stand-in-not-bedrock"
_ROUTE = re.compile(r"^/model/(?P<model>[^/]+)/converse-stream$")


@dataclass(eq=False)
class Call:
    """One ConverseStream request the stand-in received, and what became of its answer."""

    model_id: str  # from the path, URL-decoded
    body: dict[str, Any]  # the request's JSON body
    headers: dict[str, str]
    script: Script
    events_planned: int = 0  # event-stream messages the script would send
    events_sent: int = 0  # messages written before the answer ended
    outcome: str = "answering"  # then: refused | complete | exception | cut | disconnected | stopped
    ended: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def disconnected(self) -> bool:
        """The client went away before the end: a write failed, or it hung up during a pause."""
        return self.outcome == "disconnected"

    def wait_ended(self, timeout: float = 5.0) -> Call:
        """Block until the stand-in has stopped answering this call (any outcome)."""
        if not self.ended.wait(timeout):
            raise TimeoutError(
                f"the answer to {self.model_id} still streaming after {timeout} s "
                f"({self.events_sent}/{self.events_planned} events sent)"
            )
        return self


class _HungUp(Exception):
    """The client closed its end while the stand-in was waiting to send."""


class _ConverseStreamHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked bodies, like the real endpoint
    server_version = "LocalBedrockStandIn/2"
    disable_nagle_algorithm = True  # TCP_NODELAY: each event leaves when written, so first-byte times are real
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.open_connections.discard(self.connection)
        super().finish()

    def do_POST(self) -> None:  # http.server's naming
        route = _ROUTE.match(urlsplit(self.path).path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not route:
            return self._refuse(
                404,
                "UnknownOperationException",
                "the stand-in serves only ConverseStream "
                f"(POST /model/{{modelId}}/converse-stream), not {self.command} {self.path}",
            )
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self._refuse(400, "ValidationException", "the request body is not a JSON object")
        call = self.server.stand_in._receive(unquote(route.group("model")), body, dict(self.headers.items()))
        answer = plan(call.script, body, call.model_id)
        call.events_planned = len(answer.events)
        call_ended = self._answer(answer, call)
        self.server.stand_in._end(call, call_ended)

    def _answer(self, answer: Plan, call: Call) -> str:
        """Send ``answer``; returns how it ended (Call.outcome)."""
        try:
            if answer.refusal:
                self._wait(answer.refusal_delay)
                self._refuse(*answer.refusal)
                return "refused"
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.amazon.eventstream")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.end_headers()
            for delay, message in answer.events:
                if delay:
                    self._wait(delay)
                self.wfile.write(b"%X\r\n%b\r\n" % (len(message), message))  # unbuffered: one send per event
                call.events_sent += 1
            if answer.ending == "cut":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)  # no last chunk: the body ends mid-stream
                return "cut"
            self.wfile.write(b"0\r\n\r\n")
            return answer.ending
        except (_HungUp, OSError):
            self.close_connection = True
            return "stopped" if self.server.stopping.is_set() else "disconnected"

    def _wait(self, seconds: float) -> None:
        """Sleep, but notice at once a client that hangs up (or stop(), which shuts every connection)."""
        deadline = time.monotonic() + seconds
        watch = select.poll()
        watch.register(self.connection, select.POLLIN)
        while (left := deadline - time.monotonic()) > 0:
            if not watch.poll(left * 1000 + 1):
                continue
            try:
                hung_up = self.connection.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                hung_up = True
            if hung_up:
                raise _HungUp
            watch.unregister(self.connection)  # bytes from a client mid-answer: not ours to read now; sleep on
            time.sleep(max(0.0, deadline - time.monotonic()))

    def _refuse(self, status: int, error_type: str, message: str) -> None:
        """A rest-json error, as Bedrock sends one: botocore raises ClientError with ``error_type`` as code."""
        data = json.dumps({"message": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-ErrorType", error_type)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the app logs its calls
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # 64 streams opened at once must not overflow the listen backlog

    def __init__(self, stand_in: FakeBedrock, port: int) -> None:
        self.stand_in = stand_in
        self.stopping = threading.Event()
        self.open_connections: set[socket.socket] = set()  # for stop() to end streams in progress
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _ConverseStreamHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that drops its idle keep-alive connection is not an error worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeBedrock:
    """The stand-in on a loopback port of its own (0: any free one), served from daemon threads."""

    def __init__(self, port: int = 0, default: Script | None = None) -> None:
        self.default = (default or Script()).prepare()  # the answer when no script is queued
        self.server = _Server(self, port)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-bedrock", daemon=True)
        self._queue: deque[Script] = deque()
        self._calls: list[Call] = []
        self._changed = threading.Condition()

    def script(self, *scripts: Script) -> FakeBedrock:
        """Queue answers, one per call in arrival order; once they are used up, ``default`` answers.

        A botocore retry is a call of its own: a refusal botocore retries takes one script per attempt.
        """
        with self._changed:
            self._queue.extend(script.prepare() for script in scripts)
        return self

    @property
    def calls(self) -> list[Call]:
        """Every ConverseStream call received so far, oldest first."""
        with self._changed:
            return list(self._calls)

    def wait_for_calls(self, count: int, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls have arrived; returns all calls so far."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._calls) >= count, timeout):
                raise TimeoutError(f"{len(self._calls)} call(s) arrived in {timeout} s, not {count}")
            return list(self._calls)

    def wait_for_disconnect(self, timeout: float = 5.0) -> Call:
        """Block until a client goes away mid-answer; returns that call (the first such)."""

        def disconnected() -> Call | None:
            return next((call for call in self._calls if call.disconnected), None)

        with self._changed:
            if not self._changed.wait_for(disconnected, timeout):
                seen = [f"{c.outcome} ({c.events_sent}/{c.events_planned} events)" for c in self._calls]
                raise TimeoutError(f"no client went away within {timeout} s; calls: {seen or 'none'}")
            return disconnected()

    def reset(self) -> None:
        """Forget the calls and drop the queued scripts (for a stand-in shared by several tests)."""
        with self._changed:
            self._queue.clear()
            self._calls.clear()

    def _receive(self, model_id: str, body: dict[str, Any], headers: dict[str, str]) -> Call:
        with self._changed:
            script = self._queue.popleft() if self._queue else self.default
            call = Call(model_id, body, headers, script)
            self._calls.append(call)
            self._changed.notify_all()
            return call

    def _end(self, call: Call, outcome: str) -> None:
        with self._changed:
            call.outcome = outcome
            call.ended.set()
            self._changed.notify_all()

    def start(self) -> FakeBedrock:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and end every open connection, streams in progress included."""
        self.server.stopping.set()
        self.server.shutdown()
        with self.server.connections_lock:
            open_connections = list(self.server.open_connections)
        for connection in open_connections:
            with contextlib.suppress(OSError):  # already closed by its client
                connection.shutdown(socket.SHUT_RDWR)
        self.server.server_close()

    def __enter__(self) -> FakeBedrock:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":  # python -m local.fake_bedrock [port] [--script JSON]: the stand-in alone, for any client
    import argparse
    import signal

    parser = argparse.ArgumentParser(description="the local ConverseStream stand-in, on 127.0.0.1")
    parser.add_argument("port", nargs="?", type=int, default=0, help="port (default 0: any free one)")
    parser.add_argument(
        "--script",
        type=json.loads,
        default={},
        help="Script fields as JSON, the answer to every call, e.g. '{\"count\": 5000}'",
    )
    args = parser.parse_args()
    stand_in = FakeBedrock(port=args.port, default=Script(**args.script))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"{LABEL} ConverseStream stand-in at {stand_in.url}", flush=True)  # bench/ reads the URL as the last word
    try:
        stand_in.server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        stand_in.server.server_close()
