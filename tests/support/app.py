"""Helpers of the app tests (tests/app/): the offline environment, the stand-in model, the app over HTTP.

The app runs in-process (Starlette's TestClient, over httpx) or on a real uvicorn server on a
free loopback port, and talks through a real ``bedrock-runtime`` client to the local
ConverseStream stand-in (local/fake_bedrock.py), which speaks Bedrock's binary event-stream
framing: botocore parses real frames, and nothing leaves the machine. The environment is
fixed here, before anything imports the app.
"""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from config import VARIABLES  # reads no environment: the declaration only

# Offline and deterministic: fake credentials, a fixed Region, no instance metadata lookups,
# and the app's own settings at their defaults (a developer's shell must not leak in).
APP_ENV = (
    *(item.metadata["env"] for item in VARIABLES.values()),
    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
)
for _name in APP_ENV:
    os.environ.pop(_name, None)
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "bedrock-api-test",
        "POWERTOOLS_METRICS_NAMESPACE": "BedrockInferenceApi",
    }
)

import botocore.session
import uvicorn
from botocore.validate import ParamValidator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from starlette.testclient import TestClient

import app as app_module
import bedrock
from config import Settings
from local.fake_bedrock import FakeBedrock, Script, ToolCall  # noqa: F401 (Script, ToolCall re-exported for the tests)

# Hypothesis profiles of the app's property tests, chosen by HYPOTHESIS_PROFILE ("ci" by
# default): "ci" runs 2,000 examples, derandomized so CI is repeatable; "fuzz" 50,000 random
# ones for a local bug hunt; "mutation" 200, derandomized, for `make mutate`, which reruns the
# tests once per surviving mutant. The tests apply ``PROPERTY_SETTINGS`` themselves instead of
# loading a global profile, so other suites in the same pytest run keep Hypothesis' defaults.
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
hypothesis_settings.register_profile(
    "app-ci", max_examples=2000, derandomize=True, deadline=None, database=None, suppress_health_check=_QUIET
)
hypothesis_settings.register_profile("app-fuzz", max_examples=50_000, deadline=None, suppress_health_check=_QUIET)
hypothesis_settings.register_profile(
    "app-mutation", max_examples=200, derandomize=True, deadline=None, database=None, suppress_health_check=_QUIET
)
PROPERTY_SETTINGS = hypothesis_settings.get_profile(f"app-{os.environ.get('HYPOTHESIS_PROFILE', 'ci')}")

JSON = {"Content-Type": "application/json"}


def make_client(stand_in: FakeBedrock, settings: Settings) -> Any:
    """A real bedrock-runtime client with the app's budget, pointed at the stand-in."""
    return bedrock.make_client(settings.budget, endpoint_url=stand_in.url)


def make_test_client(stand_in: FakeBedrock, settings: Settings | None = None) -> TestClient:
    """The app in-process, answering through a real client to the stand-in."""
    settings = settings or Settings()
    return TestClient(app_module.create_app(settings, make_client(stand_in, settings)), raise_server_exceptions=True)


@dataclass
class Reply:
    """A JSON answer, decoded for assertions."""

    status: int
    headers: Any
    body: Any

    @property
    def code(self) -> str | None:
        return self.body["error"]["code"] if isinstance(self.body, dict) and "error" in self.body else None

    @property
    def message(self) -> str:
        return self.body["error"]["message"]


def reply(response: Any) -> Reply:
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = response.text
    return Reply(response.status_code, response.headers, body)


def sse_events(text: str) -> list[tuple[str, dict[str, Any]]]:
    """``(event name, data)`` of every server-sent event in ``text``; fails on a malformed one."""
    events = []
    for block in text.split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]  # comments
        if not lines:
            continue
        fields = dict(line.split(": ", 1) for line in lines)
        assert set(fields) == {"event", "data"}, block
        events.append((fields["event"], json.loads(fields["data"])))
    assert text.endswith("\n\n"), "the stream must end after a complete event"
    return events


class LiveServer:
    """The app on a real uvicorn server, on a free loopback port, in a background thread."""

    def __init__(self, web_app: Any) -> None:
        config = uvicorn.Config(
            web_app, host="127.0.0.1", port=0, log_level="warning", access_log=False, lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        for _ in range(500):
            if self.server.started:
                return self
            threading.Event().wait(0.01)
        raise RuntimeError("uvicorn did not start in 5 s")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class LogCapture:
    """The app's structured log lines written while the fixture is active."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@contextmanager
def captured_logs() -> Iterator[LogCapture]:
    from observability import logger

    capture = LogCapture()
    previous = logger.registered_handler.setStream(capture.stream)
    try:
        yield capture
    finally:
        logger.registered_handler.setStream(previous)


def converse_stream_shape() -> Any:
    """botocore's own input shape of ConverseStream, as the SDK validates requests against it."""
    model = botocore.session.get_session().get_service_model("bedrock-runtime")
    return model.operation_model("ConverseStream").input_shape


def valid_for_botocore(arguments: dict) -> None:
    """Fails unless botocore's own service model accepts ``arguments`` for ConverseStream."""
    report = ParamValidator().validate(arguments, converse_stream_shape())
    assert not report.has_errors(), report.generate_report()
