"""The app's one typed settings object, and where each value comes from.

Every value has a safe default. A user overrides it without editing code: an environment
variable (the UPPER_SNAKE name in each field's metadata) wins over the same key in
cdktf.json's ``context`` (the field name), which wins over the default. A bad value fails
synth with one line naming the setting, the value and what is allowed (``SettingsError``).

The README's settings table is written from the same metadata, so a setting documented
there is a setting that exists (tests/test_docs.py checks both ways).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)

# API Gateway REST APIs end an integration after 29 s by default; the Lambda must end first.
API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS = 29

class SettingsError(ValueError):
    """A setting has a value the app refuses; the message is one line, fit to print as is."""


Check = Callable[[Any], "str | None"]


def setting(default: Any, *, env: str, help: str, check: Check | None = None) -> Any:
    """Declare one setting: its default, its environment variable and its one-line meaning."""
    return field(default=default, metadata={"env": env, "help": help, "check": check})


def matches(pattern: str, allowed: str) -> Check:
    compiled = re.compile(pattern)
    return lambda value: None if compiled.fullmatch(value) else allowed


def between(low: int | float, high: int | float) -> Check:
    return lambda value: None if low <= value <= high else f"a number from {low} to {high}"


def one_of(*choices: Any) -> Check:
    shown = ", ".join(str(c) for c in choices)
    return lambda value: None if value in choices else f"one of {shown}"


@dataclass(frozen=True)
class Settings:
    """Everything a user may change about the deployed stack, with a safe default each."""

    name_prefix: str = setting(
        "bedrock-api", env="NAME_PREFIX",
        help="Prefix of every resource name (function, role, API, log groups).",
        check=matches(r"[a-z][a-z0-9-]{1,23}", "2-24 lowercase letters, digits or '-', starting with a letter"),
    )
    environment: str = setting(
        "dev", env="ENVIRONMENT",
        help="Environment name: second part of every resource name, and the `environment` tag.",
        check=matches(r"[a-z][a-z0-9-]{0,15}", "1-16 lowercase letters, digits or '-', starting with a letter"),
    )
    region: str = setting(
        "us-east-1", env="AWS_REGION",
        help="AWS Region of the stack (the standard SDK variable).",
        check=matches(r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d", "an AWS Region code such as us-east-1"),
    )
    model_id: str = setting(
        "us.anthropic.claude-sonnet-5", env="MODEL_ID",
        help="Bedrock model id or cross-Region inference profile id; IAM is scoped to it.",
        check=matches(
            r"[a-z0-9-]+(\.[a-z0-9-]+)+([.:_-][A-Za-z0-9.:_-]*)?",
            "a Bedrock model id (provider.model[-version][:n]) or an inference profile id (us./eu./apac./global. prefix)",
        ),
    )
    lambda_memory_mb: int = setting(
        512, env="LAMBDA_MEMORY_MB",
        help="Lambda memory in MB (also scales its CPU).",
        check=between(128, 10240),
    )
    lambda_timeout_seconds: int = setting(
        28, env="LAMBDA_TIMEOUT_SECONDS",
        help="Lambda timeout; below API Gateway's 29 s so callers get the handler's 504, not the gateway's.",
        check=between(3, API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS - 1),
    )
    log_retention_days: int = setting(
        30, env="LOG_RETENTION_DAYS",
        help="Retention of the stack's CloudWatch log groups, in days.",
        check=one_of(*LOG_RETENTION_DAYS),
    )
    stage_name: str = setting(
        "v1", env="STAGE_NAME",
        help="API Gateway stage name: the first path segment of the endpoint URL.",
        check=matches(r"[A-Za-z0-9_]{1,64}", "1-64 letters, digits or '_'"),
    )
    powertools_layer_arn: str = setting(
        "", env="POWERTOOLS_LAYER_ARN",
        help="Lambda layer providing Powertools for AWS Lambda; empty means the AWS-managed layer for the region.",
        check=matches(r"(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+)?", "empty or a Lambda layer version ARN"),
    )
    # --- the handler's request contract and time budget (passed as environment variables) ---
    max_tokens_default: int = setting(
        1024, env="MAX_TOKENS_DEFAULT",
        help="`max_tokens` used when a request does not set it.",
        check=between(1, 64000),
    )
    max_tokens_cap: int = setting(
        4096, env="MAX_TOKENS_CAP",
        help="Largest `max_tokens` a caller may ask for.",
        check=between(1, 64000),
    )
    prompt_max_chars: int = setting(
        20000, env="PROMPT_MAX_CHARS",
        help="Longest accepted prompt (and message content), in characters; longer gets 413.",
        check=between(1, 1_000_000),
    )
    body_max_bytes: int = setting(
        65536, env="BODY_MAX_BYTES",
        help="Largest accepted request body in bytes; larger gets 413.",
        check=between(256, 6_000_000),
    )
    cors_allow_origin: str = setting(
        "", env="CORS_ALLOW_ORIGIN",
        help="Value of Access-Control-Allow-Origin on responses; empty sends no CORS headers.",
        check=matches(r"|\*|https?://[A-Za-z0-9.-]+(:\d+)?", "empty, '*' or an origin such as https://app.example.com"),
    )
    log_content: bool = setting(
        False, env="LOG_CONTENT",
        help="Log prompt and completion text (off: logs carry sizes, ids and token counts only).",
    )
    bedrock_connect_timeout_seconds: int = setting(
        2, env="BEDROCK_CONNECT_TIMEOUT_SECONDS",
        help="Connect timeout of each Bedrock attempt.",
        check=between(1, 10),
    )
    bedrock_read_timeout_seconds: int = setting(
        10, env="BEDROCK_READ_TIMEOUT_SECONDS",
        help="Read timeout of each Bedrock attempt; the whole budget must fit the Lambda timeout.",
        check=between(1, 25),
    )
    bedrock_max_attempts: int = setting(
        2, env="BEDROCK_MAX_ATTEMPTS",
        help="Attempts per request (botocore standard retry mode), the first included.",
        check=between(1, 5),
    )

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            check = item.metadata["check"]
            problem = check(value) if check else None
            if problem:
                raise SettingsError(_message(item, value, problem))
        self._check_together()

    def _check_together(self) -> None:
        if self.max_tokens_default > self.max_tokens_cap:
            raise SettingsError(
                f"invalid setting MAX_TOKENS_DEFAULT (max_tokens_default) = {self.max_tokens_default}: "
                f"must not exceed MAX_TOKENS_CAP ({self.max_tokens_cap})"
            )
        if self.bedrock_worst_case_seconds >= self.lambda_timeout_seconds:
            raise SettingsError(
                f"invalid setting BEDROCK_READ_TIMEOUT_SECONDS (bedrock_read_timeout_seconds) = "
                f"{self.bedrock_read_timeout_seconds}: {self.bedrock_max_attempts} attempt(s) of "
                f"{self.bedrock_connect_timeout_seconds} s connect + {self.bedrock_read_timeout_seconds} s read "
                f"plus retry back-off take up to {self.bedrock_worst_case_seconds:g} s, which must stay below "
                f"LAMBDA_TIMEOUT_SECONDS ({self.lambda_timeout_seconds})"
            )

    @property
    def bedrock_worst_case_seconds(self) -> float:
        """Longest time the Bedrock call can take: every attempt times out, with maximal back-off.

        botocore's standard retry mode sleeps at most ``min(2 ** (attempt - 1), 20)`` seconds
        before retry number ``attempt`` (random jitter in [0, 1) times that base).
        """
        backoff = sum(min(2 ** retry, 20) for retry in range(self.bedrock_max_attempts - 1))
        per_attempt = self.bedrock_connect_timeout_seconds + self.bedrock_read_timeout_seconds
        return self.bedrock_max_attempts * per_attempt + backoff


def describe() -> Iterator[tuple[str, str, Any, str]]:
    """(field name, environment variable, default, meaning) for every setting, in order."""
    for item in dataclasses.fields(Settings):
        yield item.name, item.metadata["env"], item.default, item.metadata["help"]


def load_settings(context: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    """Build Settings: environment variable over cdktf.json context over default."""
    known = {item.name: item for item in dataclasses.fields(Settings)}
    for key in context:
        if key.islower() and key not in known:  # cdktf's own context keys are camelCase
            raise SettingsError(f"unknown setting '{key}' in cdktf.json context: known settings are {', '.join(known)}")
    values = {}
    for name, item in known.items():
        raw = environ.get(item.metadata["env"])
        if raw is not None and raw != "":
            values[name] = _parse(item, raw)
        elif name in context:
            values[name] = _parse(item, context[name])
    return Settings(**values)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _parse(item: dataclasses.Field, raw: Any) -> Any:
    """Turn an environment string (or a cdktf.json JSON value) into the field's type."""
    kind = type(item.default)
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise SettingsError(_message(item, raw, "true or false"))
    if kind is int:
        if isinstance(raw, bool):
            raise SettingsError(_message(item, raw, "a whole number"))
        try:
            return int(str(raw).strip(), 10)
        except ValueError:
            raise SettingsError(_message(item, raw, "a whole number")) from None
    if not isinstance(raw, str):
        raise SettingsError(_message(item, raw, "a string"))
    return raw.strip()


def _message(item: dataclasses.Field, value: Any, allowed: str) -> str:
    return f"invalid setting {item.metadata['env']} ({item.name}) = {value!r}: expected {allowed}"
