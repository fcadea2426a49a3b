"""What the function's benches share: the offline environment, the app started by run.sh as the
Lambda Web Adapter starts it, the Bedrock stand-in in a process of its own, an SSE reader, verdicts.

Nothing here reaches AWS: dummy credentials, a fixed Region, no instance metadata lookups, and
the app's Bedrock client pointed at the local stand-in (local/fake_bedrock.py) through
botocore's own ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from local.fake_bedrock import STAND_IN_MODEL_ID

ROOT = Path(__file__).resolve().parents[1]
FUNCTION_DIR = ROOT / "function"

# Lambda's own variables (Region, credentials) and the stack's Powertools names; bytecode is
# never written, as in Lambda, where /var/task is read-only. PATH starts with this interpreter's
# directory, so run.sh's `python3` is the one running the bench (the project's environment).
BASE_ENV = {
    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    "PYTHONDONTWRITEBYTECODE": "1",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_EC2_METADATA_DISABLED": "true",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_METRICS_NAMESPACE": "BedrockInferenceApi",
}
READY_TIMEOUT_S = 30


def stage_function(target: Path) -> Path:
    """A copy of function/ as the zip holds it (our files, no __pycache__, modes kept) in ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for path in FUNCTION_DIR.iterdir():
        if path.is_file():
            shutil.copy2(path, target / path.name)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunSh:
    """``run.sh`` as the adapter runs it: ``task_root`` as working directory and LAMBDA_TASK_ROOT,
    PORT set. The app's log lines and EMF metrics go to /dev/null (to CloudWatch in Lambda), its
    errors to a file (a full pipe would block the app), shown if it fails to start."""

    def __init__(self, task_root: Path, port: int, **env: str) -> None:
        self.port = port
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process it records
        self.process = subprocess.Popen(
            [str(task_root / "run.sh")],
            cwd=task_root,
            env={**BASE_ENV, "LAMBDA_TASK_ROOT": str(task_root), "PORT": str(port), **env},
            stdout=subprocess.DEVNULL,
            stderr=self.errors,
        )

    def first_answer(self, started: float, poll_s: float) -> float:
        """Seconds from ``started`` (perf_counter) to the first answer of ``GET /``, polling every ``poll_s``."""
        deadline = started + READY_TIMEOUT_S
        while time.perf_counter() < deadline:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=READY_TIMEOUT_S)
            try:
                connection.request("GET", "/")
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    return time.perf_counter() - started
            except OSError:  # not listening yet
                pass
            finally:
                connection.close()
            if self.process.poll() is not None:
                self.errors.seek(0)
                sys.exit(f"run.sh exited with {self.process.returncode} before serving:\n{self.errors.read().decode()}")
            time.sleep(poll_s)
        sys.exit(f"run.sh did not answer GET / within {READY_TIMEOUT_S} s")

    def stop(self) -> None:
        stop(self.process)
        self.errors.close()


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (uvicorn and the stand-in shut down cleanly on it), then wait."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class StandIn:
    """The Bedrock stand-in in a process of its own, answering every call with one Script:
    remote, as Bedrock is, so it never takes the GIL from the client or app under test."""

    def __init__(self, **script: Any) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local.fake_bedrock", "--script", json.dumps(script)],
            cwd=ROOT,
            env=BASE_ENV,
            stdout=subprocess.PIPE,
            text=True,
        )
        words = self.process.stdout.readline().split()  # its one line ends with the URL
        self.url = words[-1] if words else ""
        if not self.url.startswith("http://"):
            stop(self.process)
            sys.exit("the Bedrock stand-in did not start")

    def raw_client(self) -> Any:
        """A plain bedrock-runtime client to the stand-in: the baseline side of a bench."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "bedrock-runtime",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            config=Config(retries={"total_max_attempts": 1}),
        )

    def __enter__(self) -> StandIn:
        return self

    def __exit__(self, *exc: object) -> None:
        stop(self.process)


class App:
    """The app served by run.sh on a free loopback port, its Bedrock client sent to ``stand_in``."""

    def __init__(self, stand_in: StandIn) -> None:
        self._stage = tempfile.TemporaryDirectory(prefix="bench-function-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = RunSh(
            stage_function(Path(self._stage.name)),
            self.port,
            AWS_ENDPOINT_URL_BEDROCK_RUNTIME=stand_in.url,
            MODEL_ID=STAND_IN_MODEL_ID,
        )
        self.server.first_answer(time.perf_counter(), 0.05)

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
        self._stage.cleanup()


def converse_arguments(prompt: str) -> dict[str, Any]:
    """What the app sends Bedrock for ``{"prompt": prompt}``, for the raw client to send too."""
    return {
        "modelId": STAND_IN_MODEL_ID,
        "messages": [{"role": "user", "content": [{"text": prompt}]}],
        "inferenceConfig": {"maxTokens": 1024},
    }


class SseReader:
    """Server-sent events out of a byte stream, chunk by chunk: ``feed`` returns the events
    completed so far as ``(name, data)``, ``data`` decoded from JSON, as a client would."""

    def __init__(self) -> None:
        self._tail = b""

    def feed(self, chunk: bytes) -> list[tuple[str, Any]]:
        *blocks, self._tail = (self._tail + chunk).split(b"\n\n")
        events = []
        for block in blocks:
            name, data = block.split(b"\n", 1)
            if not (name.startswith(b"event: ") and data.startswith(b"data: ")):
                raise ValueError(f"not a server-sent event: {block[:200]!r}")
            events.append((name[7:].decode(), json.loads(data[6:])))
        return events


def read_answer(chunks: Iterator[bytes]) -> tuple[int, str, Any]:
    """Every event of a streamed answer: (number of deltas, last event's name, its data)."""
    reader, deltas, last = SseReader(), 0, ("none", None)
    for chunk in chunks:
        for last in reader.feed(chunk):
            deltas += last[0] == "delta"
    return deltas, *last


def completeness(problems: list[str], answers: int) -> bool:
    """The verdict on the answers themselves: a fast answer that lost its end is no answer."""
    detail = f"; first: {problems[0]}" if problems else ""
    return verdict(not problems, f"answers complete: {answers - len(problems)} of {answers} through the app{detail}")


def median_ms(label: str, runs_s: list[float]) -> float:
    """Print ``label``, the median of ``runs_s`` and every run, in ms; return the median."""
    median = statistics.median(runs_s) * 1000
    print(f"  {label}  {median:7.1f} ms  (runs: {' '.join(f'{s * 1000:.0f}' for s in runs_s)})")
    return median


def verdict(ok: bool, what: str) -> bool:
    """One line per target: PASS or FAIL, with the figures that decided it."""
    print(f"{'PASS' if ok else 'FAIL'}  {what}")
    return ok
