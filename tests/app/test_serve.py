"""The local server (scripts/serve.py): the function's own app on uvicorn, as run.sh serves it in Lambda.

Started as a subprocess in --offline mode on a free loopback port, called over real HTTP as
a developer would (JSON with urllib, a stream read line by line as ``curl -N`` shows it),
and stopped with a signal.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import openai
import pytest

from local.fake_bedrock import LABEL, STAND_IN_MODEL_ID
from tests.support import FUNCTION_DIR, PROJECT_DIR

SERVE = [sys.executable, "-m", "scripts.serve"]  # as `make serve` runs it, from the project root


def environment(**extra: str) -> dict[str, str]:
    """This environment without any AWS variable: no AWS account is needed, or found."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {
        **env,
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "PYTHONPATH": str(FUNCTION_DIR),
        **extra,
    }  # function/: the app's import root, as in Lambda


class Server:
    """serve.py running in a subprocess, its output collected line by line."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [*SERVE, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(),
            cwd=PROJECT_DIR,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stdout: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()
        self.url = self._wait_for("Listening on ").split()[2]
        self._wait_for("       curl -N ")  # the banner's last line

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

    def stream(self, body: dict) -> tuple[http.client.HTTPResponse, list[str]]:
        """POST and read the answer line by line as it arrives, as ``curl -N`` does."""
        address = urlsplit(self.url)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        connection.request("POST", address.path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        lines = [line.decode() for line in iter(response.readline, b"")]  # chunk by chunk, until the last
        connection.close()
        return response, lines

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
def test_the_offline_server_answers_like_the_deployed_api_and_stops_cleanly_on_ctrl_c(server):
    # GIVEN the server says where it listens (loopback only by default) and that the model is a stand-in
    banner = "".join(server.stdout)
    assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/invoke")
    assert "not Amazon Bedrock" in banner and STAND_IN_MODEL_ID in banner and "curl -N" in banner
    # AND where the playground page is, which it serves
    page = server.url.removesuffix("/invoke") + "/playground"
    assert f"Page:  {page}  " in banner
    with urllib.request.urlopen(page, timeout=10) as response:
        assert (response.status, response.headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    base_url = server.url.removesuffix("/invoke") + "/v1"
    assert f"{base_url}/chat/completions" in banner and f"{base_url}/models" in banner

    # AND the OpenAI SDK, given only the base URL and any key, gets its answer
    sdk = openai.OpenAI(base_url=base_url, api_key="local", max_retries=0)
    completion = sdk.chat.completions.create(model=STAND_IN_MODEL_ID, messages=[{"role": "user", "content": "Hi SDK"}])
    assert (
        completion.choices[0].message.content.startswith(LABEL) and '"Hi SDK"' in completion.choices[0].message.content
    )

    # WHEN a client POSTs a prompt THEN the app answers through the real boto3 client
    status, answer = server.post(json.dumps({"prompt": "Hello from the test", "max_tokens": 100}).encode())
    assert status == 200
    assert answer["model"] == STAND_IN_MODEL_ID
    assert answer["completion"].startswith(LABEL) and '"Hello from the test"' in answer["completion"]
    assert answer["usage"]["input_tokens"] == 4 and answer["usage"]["output_tokens"] > 0
    assert answer["stop_reason"] == "end_turn" and answer["request_id"]

    # AND bad input gets the app's errors, bytes and all
    status, answer = server.post(b'{"prompt": ')
    assert (status, answer["error"]["code"]) == (400, "invalid_json")
    status, answer = server.post('{"prompt": "café"}'.encode("latin-1"))  # not UTF-8
    assert (status, answer["error"]["code"]) == (400, "invalid_encoding")
    assert server.post(b'{"prompt": "hi"}', "text/plain")[0] == 415

    # WHEN Ctrl-C THEN it exits 0, without a traceback
    code, stderr = server.stop(signal.SIGINT)
    assert (code, "Traceback" in stderr) == (0, False), stderr
    assert server.stdout[-1].strip() == "Stopped."


@pytest.mark.slow
def test_the_offline_server_streams_server_sent_events_as_curl_n_shows_them(server):
    response, lines = server.stream({"prompt": "Hello from the test", "stream": True})
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/event-stream; charset=utf-8"
    assert response.getheader("Transfer-Encoding") == "chunked"  # sent as written, not gathered first
    assert response.getheader("Content-Length") is None and response.getheader("Server") is None
    blocks = "".join(lines).split("\n\n")[:-1]
    events = [(block.split("\n")[0], json.loads(block.split("\n")[1].removeprefix("data: "))) for block in blocks]
    assert {name for name, _ in events[:-1]} == {"event: delta"} and len(events) > 5  # a word or so per event
    assert "".join(data["text"] for _, data in events[:-1]).startswith(LABEL)
    name, done = events[-1]
    assert name == "event: done"
    assert (done["model"], done["stop_reason"]) == (STAND_IN_MODEL_ID, "end_turn")
    assert done["usage"]["input_tokens"] == 4 and done["request_id"]


@pytest.mark.slow
def test_the_offline_server_stops_cleanly_on_sigterm(server):
    code, stderr = server.stop(signal.SIGTERM)
    assert (code, "Traceback" in stderr) == (0, False), stderr
    assert server.stdout[-1].strip() == "Stopped."


@pytest.mark.slow
def test_real_mode_without_a_region_refuses_to_start_and_says_why():
    done = subprocess.run(
        [*SERVE, "--port", "0"], capture_output=True, text=True, env=environment(), cwd=PROJECT_DIR, timeout=60
    )
    assert done.returncode == 2
    assert "AWS_REGION" in done.stderr and "--offline" in done.stderr
    assert "Listening" not in done.stdout


@pytest.mark.slow
def test_a_busy_port_is_one_clear_line_and_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*SERVE, "--offline", "--port", str(port)],
            capture_output=True,
            text=True,
            env=environment(),
            cwd=PROJECT_DIR,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"serve.py: cannot listen on 127.0.0.1:{port}: Address already in use"]
    assert "Listening" not in done.stdout
