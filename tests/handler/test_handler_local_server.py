"""The local server (scripts/serve.py): the real handler behind localhost HTTP, as API Gateway calls it.

Started as a subprocess in --offline mode on a free loopback port, called with a real HTTP
client, and stopped with a signal, as a developer would use it.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message

import pytest
from handler_support import ROOT, load_event

import bedrock
from config import Budget
from local.fake_bedrock import LABEL, STAND_IN_MODEL_ID, FakeBedrock
from local.gateway import build_event

SERVE = ROOT / "scripts" / "serve.py"


class Server:
    """serve.py running in a subprocess, its output collected line by line."""

    def __init__(self, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}  # no AWS account needed
        self.process = subprocess.Popen([sys.executable, str(SERVE), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=env, cwd=ROOT)
        self.lines: queue.Queue[str] = queue.Queue()
        self.stdout: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()
        self.url = self._wait_for("Listening on ").split()[2]
        self._wait_for("Try: ")  # the banner's last line

    def _collect(self) -> None:
        for line in self.process.stdout:
            self.stdout.append(line)
            self.lines.put(line)

    def _wait_for(self, prefix: str, timeout: float = 30) -> str:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                self.process.kill()
                pytest.fail(f"serve.py printed no {prefix!r} line; stderr: {self.process.stderr.read()}")
            if line.startswith(prefix):
                return line

    def post(self, body: bytes, content_type: str = "application/json") -> tuple[int, dict]:
        request = urllib.request.Request(self.url, data=body, method="POST", headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def stop(self, signum: int) -> tuple[int, str]:
        self.process.send_signal(signum)
        code = self.process.wait(timeout=15)
        return code, self.process.stderr.read()


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server("--offline", "--port", "0")
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


@pytest.mark.slow
def test_offline_server_answers_like_the_deployed_api_and_stops_cleanly_on_ctrl_c(server):
    # GIVEN the server says where it listens (loopback only by default) and that the model is a stand-in
    banner = "".join(server.stdout)
    assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/invoke")
    assert "not Amazon Bedrock" in banner and STAND_IN_MODEL_ID in banner and "curl" in banner

    # WHEN a client POSTs a prompt THEN the real handler answers through the real boto3 client
    status, answer = server.post(json.dumps({"prompt": "Hello from the test", "max_tokens": 100}).encode())
    assert status == 200
    assert answer["model"] == STAND_IN_MODEL_ID
    assert answer["completion"].startswith(LABEL) and '"Hello from the test"' in answer["completion"]
    assert answer["usage"]["input_tokens"] == 4 and answer["usage"]["output_tokens"] > 0
    assert answer["stop_reason"] == "end_turn" and answer["request_id"]

    # AND bad input gets the handler's errors, bytes and all
    status, answer = server.post(b'{"prompt": ')
    assert (status, answer["error"]["code"]) == (400, "invalid_json")
    status, answer = server.post(b'{"prompt": "caf\xe9"}')  # Latin-1, not UTF-8: passed on base64-encoded
    assert (status, answer["error"]["code"]) == (400, "invalid_encoding")
    assert server.post(b'{"prompt": "hi"}', "text/plain")[0] == 415

    # WHEN Ctrl-C THEN it exits 0, without a traceback
    code, stderr = server.stop(signal.SIGINT)
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert server.stdout[-1].strip() == "Stopped."


@pytest.mark.slow
def test_offline_server_stops_cleanly_on_sigterm(server):
    code, stderr = server.stop(signal.SIGTERM)
    assert (code, "Traceback" in stderr) == (0, False)


@pytest.mark.slow
def test_real_mode_without_a_region_refuses_to_start_and_says_why():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
    done = subprocess.run([sys.executable, str(SERVE), "--port", "0"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2
    assert "AWS_REGION" in done.stderr and "--offline" in done.stderr


def test_stand_in_speaks_converse_to_the_real_client():
    with FakeBedrock() as stand_in:
        client = bedrock.make_client(Budget(connect=1, read=2, attempts=1), endpoint_url=stand_in.url)
        answer = client.converse(modelId=STAND_IN_MODEL_ID, messages=[{"role": "user", "content": [{"text": "one two three"}]}],
                                 inferenceConfig={"maxTokens": 3})
    assert answer["stopReason"] == "max_tokens"
    assert answer["usage"]["inputTokens"] == 3 and answer["usage"]["outputTokens"] == 3
    assert answer["output"]["message"]["content"][0]["text"] == " ".join(LABEL.split()[:3])


def test_local_gateway_builds_the_same_event_shape_as_api_gateway():
    headers = Message()
    headers["Content-Type"] = "application/json"
    headers["X-Tag"] = "a"
    headers["X-Tag"] = "b"
    event = build_event("POST", "/invoke?debug=1", headers, '{"prompt": "hi"}'.encode(), stage="local", source_ip="127.0.0.1")
    recorded = load_event("apigw_post_prompt")
    assert set(event) == set(recorded)
    assert {"requestId", "stage", "resourcePath", "httpMethod", "path", "identity"} <= set(event["requestContext"])
    assert (event["httpMethod"], event["body"], event["isBase64Encoded"]) == ("POST", '{"prompt": "hi"}', False)
    assert (event["headers"]["X-Tag"], event["multiValueHeaders"]["X-Tag"]) == ("b", ["a", "b"])
    assert event["queryStringParameters"] == {"debug": "1"}
    binary = build_event("POST", "/invoke", headers, b"\xff\xfe", stage="local", source_ip="127.0.0.1")
    assert (binary["body"], binary["isBase64Encoded"]) == ("//4=", True)
