"""Helpers of the handler tests: the offline environment, events by name, a stubbed real client, log capture.

The handler runs in-process against a real ``bedrock-runtime`` client with botocore's Stubber:
every request the handler makes is checked against the real service model, and nothing
leaves the machine. The environment is fixed here, before anything imports the handler.
"""

from __future__ import annotations

import copy
import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FUNCTION_DIR = ROOT / "function"
EVENTS_DIR = ROOT / "tests" / "events"
sys.path[:0] = [p for p in (str(FUNCTION_DIR), str(ROOT)) if p not in sys.path]

# Offline and deterministic: fake credentials, a fixed Region, no instance metadata lookups,
# and the handler's own settings at their defaults (a developer's shell must not leak in).
HANDLER_ENV = (
    "MODEL_ID", "MAX_TOKENS_DEFAULT", "MAX_TOKENS_CAP", "PROMPT_MAX_CHARS", "BODY_MAX_BYTES",
    "CORS_ALLOW_ORIGIN", "LOG_CONTENT", "BEDROCK_CONNECT_TIMEOUT_SECONDS",
    "BEDROCK_READ_TIMEOUT_SECONDS", "BEDROCK_MAX_ATTEMPTS", "LAMBDA_TIMEOUT_SECONDS",
    "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN",
)
for _name in HANDLER_ENV:
    os.environ.pop(_name, None)
os.environ.update({
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
    "POWERTOOLS_SERVICE_NAME": "bedrock-api-test",
    "POWERTOOLS_METRICS_NAMESPACE": "BedrockInferenceApi",
})

from botocore.stub import Stubber  # noqa: E402
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

from local.gateway import LambdaContext  # noqa: E402, F401 (re-exported for the tests)

# Hypothesis profiles of the handler's property tests, chosen by HYPOTHESIS_PROFILE ("ci" by
# default): "ci" runs 2,000 examples, derandomized so CI is repeatable; "fuzz" 50,000 random
# ones for a local bug hunt. The tests apply ``PROPERTY_SETTINGS`` themselves instead of
# loading a global profile, so other suites in the same pytest run keep Hypothesis' defaults.
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
hypothesis_settings.register_profile(
    "handler-ci", max_examples=2000, derandomize=True, deadline=None, database=None, suppress_health_check=_QUIET)
hypothesis_settings.register_profile(
    "handler-fuzz", max_examples=50_000, deadline=None, suppress_health_check=_QUIET)
PROPERTY_SETTINGS = hypothesis_settings.get_profile(f"handler-{os.environ.get('HYPOTHESIS_PROFILE', 'ci')}")

CONVERSE_OK = {
    "output": {"message": {"role": "assistant", "content": [{"text": "Bedrock is a managed service for foundation models."}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 14, "outputTokens": 9, "totalTokens": 23},
    "metrics": {"latencyMs": 321},
}


def load_event(name: str, **changes: Any) -> dict[str, Any]:
    """The event tests/events/<name>.json, with top-level keys replaced by ``changes``."""
    event = json.loads((EVENTS_DIR / f"{name}.json").read_text())
    event.update(copy.deepcopy(changes))
    return event


def post(body: Any = None, *, raw: str | None = None, headers: dict[str, str] | None = None, **changes: Any) -> dict[str, Any]:
    """A POST event whose body is ``body`` as JSON, or ``raw`` as is; ``headers`` replace all headers."""
    event = load_event("apigw_post_prompt", **changes)
    if raw is not None or body is not None:
        event["body"] = raw if raw is not None else json.dumps(body)
    if headers is not None:
        event["headers"] = headers
        event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    return event


@dataclass
class Reply:
    """A proxy response, decoded for assertions."""

    status: int
    headers: dict[str, str]
    body: Any

    @property
    def code(self) -> str | None:
        return self.body["error"]["code"] if isinstance(self.body, dict) and "error" in self.body else None

    @property
    def message(self) -> str:
        return self.body["error"]["message"]


def reply(response: dict[str, Any]) -> Reply:
    body = json.loads(response["body"]) if response.get("body") else None
    return Reply(response["statusCode"], response["headers"], body)


class StubbedBedrock:
    """A real bedrock-runtime client under Stubber, counting the Converse calls it receives."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.stubber = Stubber(client)
        self.calls: list[dict[str, Any]] = []
        client.meta.events.register("before-parameter-build.bedrock-runtime.Converse", self._count)

    def _count(self, params: dict[str, Any], **_: Any) -> None:
        self.calls.append(params)

    def answers(self, response: dict[str, Any] | None = None, expected: dict[str, Any] | None = None) -> None:
        self.stubber.add_response("converse", response or CONVERSE_OK, expected)

    def fails(self, code: str, status: int, message: str = "stubbed failure", headers: dict[str, str] | None = None) -> None:
        self.stubber.add_client_error("converse", service_error_code=code, service_message=message,
                                      http_status_code=status, response_meta={"HTTPHeaders": headers or {}})

    def close(self) -> None:
        self.client.meta.events.unregister("before-parameter-build.bedrock-runtime.Converse", self._count)
        self.stubber.deactivate()


class LogCapture:
    """The handler's structured log lines written while the fixture is active."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]

    @property
    def text(self) -> str:
        return self.stream.getvalue()
