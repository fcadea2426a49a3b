"""A local stand-in for Amazon Bedrock's Converse API, for running the handler with no AWS account.

It is NOT Bedrock and runs no model. It speaks just enough of the wire protocol
(``POST /model/{modelId}/converse``, rest-json, AWS error headers) for the real boto3 client
to talk to it through ``endpoint_url``, so the handler's real code path runs end to end.
Its answer is deterministic: a labelled summary of what it received, never generated text.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

STAND_IN_MODEL_ID = "local.stand-in-not-bedrock"
LABEL = "[local stand-in model, not Amazon Bedrock]"
_ROUTE = re.compile(r"^/model/(?P<model>[^/]+)/converse$")


def answer(request: dict[str, Any], model_id: str) -> dict[str, Any]:
    """The Converse response for ``request``: a summary, cut at maxTokens words or a stop sequence."""
    messages = request.get("messages", [])
    texts = [block.get("text", "") for m in messages for block in m.get("content", [])]
    system = [block.get("text", "") for block in request.get("system", [])]
    last = texts[-1] if texts else ""
    snippet = " ".join(last.split())[:60]
    text = (
        f"{LABEL} {model_id} received {len(messages)} message(s), {sum(map(len, texts))} characters"
        f"{' and a system prompt' if system else ''}. The last message begins: \"{snippet}\"."
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
    input_tokens = sum(len(t.split()) for t in texts + system)
    output_tokens = len(text.split())
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop_reason,
        "usage": {"inputTokens": input_tokens, "outputTokens": output_tokens, "totalTokens": input_tokens + output_tokens},
        "metrics": {"latencyMs": 0},
    }


class _ConverseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real endpoint
    server_version = "LocalBedrockStandIn/1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stall

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        route = _ROUTE.match(self.path.split("?")[0])
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if not route:
            return self._error(404, "UnknownOperationException", f"the stand-in only serves Converse, not {self.path}")
        try:
            request = json.loads(raw or b"{}")
        except ValueError:
            return self._error(400, "ValidationException", "request body is not JSON")
        self._send(200, answer(request, unquote(route.group("model"))))

    def _error(self, status: int, code: str, message: str) -> None:
        self._send(status, {"message": message}, {"x-amzn-ErrorType": code})

    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", "local-stand-in")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: the gateway logs
        pass


class FakeBedrock:
    """The stand-in on a loopback port of its own, served from a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = ThreadingHTTPServer((host, port), _ConverseHandler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-bedrock", daemon=True)

    def start(self) -> FakeBedrock:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeBedrock:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":  # python -m local.fake_bedrock [port]: the stand-in alone, for any client
    import signal
    import sys

    stand_in = FakeBedrock(port=int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"{LABEL} Converse stand-in at {stand_in.url}", flush=True)
    try:
        stand_in.server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        stand_in.server.server_close()
