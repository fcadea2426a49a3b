"""API Gateway (REST API, Lambda proxy integration) on localhost, in front of a Lambda handler.

What ``sam local start-api`` does, without Docker: each HTTP request becomes a v1 proxy event
(httpMethod, path, headers, multiValueHeaders, body, isBase64Encoded, requestContext...), the
handler's answer becomes the HTTP response. Like one Lambda container, the handler runs one
request at a time. A body that is not UTF-8 is passed base64-encoded, as API Gateway does
for binary media types, so the handler sees the bytes the caller sent.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

RESOURCE_PATH = "/invoke"  # the stack's one resource (constructs_lib/api_gateway.py)
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that the handler and Powertools read."""

    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_name: str = "bedrock-api-local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:bedrock-api-local"
    log_group_name: str = "/aws/lambda/bedrock-api-local"
    log_stream_name: str = "local"
    timeout_seconds: float = 28
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_seconds - time.monotonic()) * 1000))


def build_event(method: str, target: str, headers: Message, body: bytes, *, stage: str, source_ip: str) -> dict[str, Any]:
    """The REST API v1 proxy event API Gateway would send for this request."""
    url = urlsplit(target)
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers.items():
        single[name] = value  # API Gateway keeps the last value of a repeated header
        multi.setdefault(name, []).append(value)
    query = parse_qs(url.query, keep_blank_values=True)
    try:
        text, is_base64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_base64 = base64.b64encode(body).decode("ascii"), True
    now = time.time()
    return {
        "resource": RESOURCE_PATH,
        "path": RESOURCE_PATH,
        "httpMethod": method,
        "headers": single or None,
        "multiValueHeaders": multi or None,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "local",
            "resourcePath": RESOURCE_PATH,
            "httpMethod": method,
            "path": f"/{stage}{RESOURCE_PATH}",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "protocol": "HTTP/1.1",
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": headers.get("Host", "localhost"),
            "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent")},
        },
        "body": text if body else None,
        "isBase64Encoded": is_base64 if body else False,
    }


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LocalApiGateway/1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stall
    server: LocalApiGateway

    def do_POST(self) -> None:  # noqa: N802
        self._proxy()

    do_GET = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_POST  # the handler decides (405)

    def _proxy(self) -> None:
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding"):
            return self._reply(411, {"message": "send a Content-Length (chunked bodies are not supported here)"}, close=True)
        size = int(length) if length and length.isdigit() else 0
        if size > MAX_BODY_BYTES:
            return self._reply(413, {"message": "Request Too Long"}, close=True)
        body = self.rfile.read(size) if size else b""
        path = urlsplit(self.path).path
        if path not in (RESOURCE_PATH, f"/{self.server.stage}{RESOURCE_PATH}"):
            return self._reply(404, {"message": f"no route for {path}; POST to {RESOURCE_PATH}"})
        event = build_event(self.command, self.path, self.headers, body, stage=self.server.stage,
                            source_ip=self.client_address[0])
        try:
            with self.server.one_at_a_time:
                result = self.server.handler(event, LambdaContext())
            status = int(result["statusCode"])
            headers = dict(result.get("headers") or {})
            payload = result.get("body") or ""
            data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode("utf-8")
        except Exception as error:  # noqa: BLE001 - API Gateway answers a failed invocation with 502
            self.log_error("handler failed: %r", error)
            return self._reply(502, {"message": "Internal server error"})
        self._send(status, headers, data)

    def _reply(self, status: int, body: dict[str, Any], close: bool = False) -> None:
        self._send(status, {"Content-Type": "application/json"}, json.dumps(body).encode(), close)

    def _send(self, status: int, headers: dict[str, str], data: bytes, close: bool = False) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the handler logs requests
        pass


class LocalApiGateway(ThreadingHTTPServer):
    """``POST http://host:port/invoke`` (or ``/<stage>/invoke``) → ``handler(event, context)``."""

    daemon_threads = True

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 3000, stage: str = "local") -> None:
        self.handler = handler
        self.stage = stage
        self.one_at_a_time = threading.Lock()
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _ProxyHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}{RESOURCE_PATH}"
