"""The app's one typed settings object, and where each value comes from.

Every value has a safe default. A user overrides it without editing code: an environment
variable (the UPPER_SNAKE name in each field's metadata) wins over the same key in
cdktf.json's ``context`` (the field name), which wins over the default. A bad value fails
synth with one line naming the setting, the value and what is allowed (``SettingsError``).

The settings the function reads are declared once, by the function (``HandlerSettings`` in
function/config.py: variable, default, range or choices, meaning); ``Settings`` inherits them
and adds the stack's own. The README's settings table is written from the same metadata, so a
setting documented there is a setting that exists (tests/test_docs.py checks both ways).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# The function declares the settings it reads, its budget arithmetic and the idle limit; the stack
# inherits that declaration and checks it with the same code (infrastructure imports runtime,
# never the other way).
from function.config import (
    STREAM_IDLE_TIMEOUT_SECONDS,
    STREAM_MAX_SECONDS,
    VARIABLES,
    HandlerSettings,
    worst_case_seconds,
)
from function.models import EFFORT_LEVELS, facts_for

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

# A deliberately slow writing speed to size the Lambda timeout by (the planning figure of
# issue 9): models usually write faster, so an answer that fits at this rate fits.
SLOW_OUTPUT_TOKENS_PER_SECOND = 30
# The one API key a stack has unless API_KEY_NAMES says otherwise: named <prefix>-<env>-key as
# before several keys existed, so an upgraded stack keeps its key.
DEFAULT_API_KEY_NAME = "key"
API_KEY_NAME = r"[a-z0-9][a-z0-9-]{0,31}"

# A Lambda layer version ARN, as the layer settings accept it.
LAYER_VERSION_ARN = r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+"

# What MODEL_ID accepts for each model: a model id or a system-defined inference profile id.
MODEL_ID = r"[a-z0-9-]+(\.[a-z0-9-]+)+([.:_-][A-Za-z0-9.:_-]*)?"
MODEL_ID_ALLOWED = (
    "a Bedrock model id (provider.model[-version][:n]) or an inference profile id (us./eu./apac./global. prefix)"
)
# A guardrail and its version as Converse's guardrailConfig takes them (Bedrock API reference,
# GuardrailConfiguration: guardrailIdentifier and guardrailVersion patterns).
GUARDRAIL_IDENTIFIER = r"[a-z0-9]+|arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+"
GUARDRAIL_VERSION = r"[1-9][0-9]{0,7}|DRAFT"


class SettingsError(ValueError):
    """A setting has a value the app refuses; the message is one line, fit to print as is."""


Check = Callable[[Any], "str | None"]


def setting(default: Any, *, env: str, help: str, check: Check | None = None, kind: type | None = None) -> Any:
    """Declare one setting: its default, its environment variable and its one-line meaning.

    ``kind`` is the type a given value is parsed as, for a setting whose default is None
    ("unset"); otherwise it is the default's type. The check never sees None.
    """
    return field(default=default, metadata={"env": env, "help": help, "check": check, "kind": kind or type(default)})


def matches(pattern: str, allowed: str) -> Check:
    compiled = re.compile(pattern)
    return lambda value: None if compiled.fullmatch(value) else allowed


def between(low: int | float, high: int | float) -> Check:
    return lambda value: None if low <= value <= high else f"a number from {low} to {high}"


def one_of(*choices: Any) -> Check:
    shown = ", ".join(str(c) for c in choices)
    return lambda value: None if value in choices else f"one of {shown}"


def model_list(ids: tuple[str, ...]) -> str | None:
    """MODEL_ID's check: one model or several, each a model or profile id, none twice."""
    allowed = f"{MODEL_ID_ALLOWED}, or several separated by commas"
    if not ids:
        return allowed
    for model_id in ids:
        if not model_id:
            return f"{allowed}; one entry between the commas is empty"
        if not re.fullmatch(MODEL_ID, model_id):
            return f"{allowed}; {model_id!r} is not one"
    repeated = next((model_id for index, model_id in enumerate(ids) if model_id in ids[:index]), None)
    return f"each model once; {repeated!r} is listed twice" if repeated else None


# What synth checks of a text setting the function declares, beyond the declaration: its form.
# The function takes such text as it is (a guardrail id it cannot parse reaches Bedrock and fails
# there, closed, rather than being dropped), so the check belongs to synth alone.
HANDLER_FORMATS: dict[str, Check] = {
    "model_ids": model_list,
    "guardrail_id": matches(
        f"|{GUARDRAIL_IDENTIFIER}", "empty, a guardrail id (lowercase letters and digits) or a guardrail ARN"
    ),
    "guardrail_version": matches(f"|{GUARDRAIL_VERSION}", "empty, a guardrail version number (1-99999999) or DRAFT"),
    "cors_allow_origin": matches(
        r"|\*|https?://[A-Za-z0-9.-]+(:\d+)?", "empty, '*' or an origin such as https://app.example.com"
    ),
}


def synth_check(item: dataclasses.Field[Any]) -> Check | None:
    """The check a setting's value must pass at synth: the stack's own (``setting(check=...)``),
    or for a setting the function declares, its declared range or choices, or its form above.
    EFFORT also takes the levels of function/models.py, which its declaration cannot import."""
    if item.name not in VARIABLES:
        own: Check | None = item.metadata["check"]  # setting(check=...) puts a Check or None there
        return own
    low, high, choices = item.metadata["low"], item.metadata["high"], item.metadata["choices"]
    if low is not None:
        return between(low, high)
    if choices:
        return one_of(*choices, *(EFFORT_LEVELS if item.name == "effort" else ()))
    return HANDLER_FORMATS.get(item.name)


@dataclass(frozen=True)
class Settings(HandlerSettings):
    """Everything a user may change about the deployed stack, with a safe default each.

    The settings the function reads are inherited from its declaration (function/config.py's
    ``HandlerSettings``); those below are the stack's own. ``synth_check`` gives each its check.
    """

    name_prefix: str = setting(
        "bedrock-api",
        env="NAME_PREFIX",
        help="Prefix of every resource name (function, role, API, log groups).",
        check=matches(r"[a-z][a-z0-9-]{1,23}", "2-24 lowercase letters, digits or '-', starting with a letter"),
    )
    environment: str = setting(
        "dev",
        env="ENVIRONMENT",
        help="Environment name: second part of every resource name, and the `environment` tag.",
        check=matches(r"[a-z][a-z0-9-]{0,15}", "1-16 lowercase letters, digits or '-', starting with a letter"),
    )
    region: str = setting(
        "us-east-1",
        env="AWS_REGION",
        help="AWS Region of the stack (the standard SDK variable).",
        check=matches(r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d", "an AWS Region code such as us-east-1"),
    )
    lambda_memory_mb: int = setting(
        512,
        env="LAMBDA_MEMORY_MB",
        help="Lambda memory in MB (also scales its CPU).",
        check=between(128, 10240),
    )
    log_retention_days: int = setting(
        365,
        env="LOG_RETENTION_DAYS",
        help=(
            "Retention of the stack's CloudWatch log groups, in days (a year: audits expect it; the logs hold no "
            "prompt text by default)."
        ),
        check=one_of(*LOG_RETENTION_DAYS),
    )
    stage_name: str = setting(
        "v1",
        env="STAGE_NAME",
        help="API Gateway stage name: the first path segment of the endpoint URL.",
        check=matches(r"[A-Za-z0-9_]{1,64}", "1-64 letters, digits or '_'"),
    )
    powertools_layer_arn: str = setting(
        "",
        env="POWERTOOLS_LAYER_ARN",
        help="Lambda layer providing Powertools for AWS Lambda; empty means the AWS-managed layer for the region.",
        check=matches(f"({LAYER_VERSION_ARN})?", "empty or a Lambda layer version ARN"),
    )
    web_adapter_layer_arn: str = setting(
        "",
        env="WEB_ADAPTER_LAYER_ARN",
        help=(
            "Lambda layer providing the AWS Lambda Web Adapter (arm64); empty means the layer AWS publishes for the "
            "region (v1.1.0)."
        ),
        check=matches(f"({LAYER_VERSION_ARN})?", "empty or a Lambda layer version ARN"),
    )
    # --- security: who may call, how often, and what is recorded (README "Security") ---
    auth: str = setting(
        "api_key",
        env="AUTH",
        help=(
            "Who may call: `api_key` (an API key as `Authorization: Bearer` or `x-api-key`, usage plan), `iam` "
            "(SigV4-signed requests) or `none` (public; synth warns)."
        ),
        check=one_of("api_key", "iam", "none"),
    )
    playground: bool = setting(
        False,
        env="PLAYGROUND",
        help=(
            "Serve the playground page (try `/invoke` in a browser) publicly at `<stage>/playground`: the page only; "
            "it asks for the API key and calls the API on the same stage (README: Playground)."
        ),
    )
    throttle_rate_limit: int = setting(
        1,
        env="THROTTLE_RATE_LIMIT",
        help="Steady requests per second allowed by the stage and the API key's usage plan (README: Capacity).",
        check=between(1, 10000),
    )
    throttle_burst_limit: int = setting(
        5,
        env="THROTTLE_BURST_LIMIT",
        help="Burst of requests allowed above the rate by the stage and the usage plan (README: Capacity).",
        check=between(1, 5000),
    )
    api_key_daily_quota: int = setting(
        1000,
        env="API_KEY_DAILY_QUOTA",
        help="Requests per day the API key may make (usage plan quota; `auth=api_key` only).",
        check=between(1, 10_000_000),
    )
    api_key_names: str = setting(
        DEFAULT_API_KEY_NAME,
        env="API_KEY_NAMES",
        help=(
            "Comma-separated names of the API keys to create (`auth=api_key`), one per caller or team, all on the one "
            "usage plan: each key gets the throttle and the daily quota on its own."
        ),
        check=matches(
            f"{API_KEY_NAME}(,{API_KEY_NAME})*",
            "comma-separated names of 1-32 lowercase letters, digits or '-' (no spaces), such as web,batch",
        ),
    )
    reserved_concurrency: str = setting(
        "30",
        env="RESERVED_CONCURRENCY",
        help=(
            "Lambda reserved concurrency, the hard cap on parallel Bedrock calls, sized to what the throttle admits "
            "(README: Capacity); `off` where the account's concurrency quota is the minimum (10)."
        ),
        check=matches(r"off|[1-9][0-9]{0,3}", "`off` or a whole number from 1 to 9999"),
    )
    waf_enabled: bool = setting(
        True,
        env="WAF_ENABLED",
        help="Attach a WAF web ACL to the stage (per-IP rate limit, AWS known-bad-inputs rules).",
    )
    waf_rate_limit: int = setting(
        300,
        env="WAF_RATE_LIMIT",
        help="Requests one IP address may make in any 5 minutes before WAF blocks it.",
        check=between(10, 2_000_000_000),
    )
    api_gateway_account_role: bool = setting(
        True,
        env="API_GATEWAY_ACCOUNT_ROLE",
        help=(
            "Set this Region's account-wide API Gateway CloudWatch Logs role (needed for stage logging); `false` if "
            "the account already has one."
        ),
    )
    log_kms_key: str = setting(
        "create",
        env="LOG_KMS_KEY",
        help=(
            "KMS key for every log group and the function's environment: `create` a key, `off`, or an existing key ARN."
        ),
        check=matches(
            r"create|off|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}", "`create`, `off` or a KMS key ARN"
        ),
    )
    # --- operations: alarms, dashboard, Terraform state (README "Operate it") ---
    alarm_email: str = setting(
        "",
        env="ALARM_EMAIL",
        help=(
            "Email address every alarm notifies through an SNS topic (confirm the subscription mail); empty: no topic,"
            " alarms only change state."
        ),
        check=matches(r"|[^@\s]+@[^@\s]+\.[^@\s]+", "empty or an email address"),
    )
    alarm_api_5xx_percent: int = setting(
        5,
        env="ALARM_API_5XX_PERCENT",
        help="Alarm when more than this percent of API requests end in a 5XX, in 2 of 3 five-minute periods.",
        check=between(1, 100),
    )
    alarm_latency_p99_ms: int = setting(
        600_000,
        env="ALARM_LATENCY_P99_MS",
        help=(
            "Alarm when p99 integration latency exceeds this many ms, in 2 of 3 five-minute periods: near the Lambda "
            "timeout, answers are being cut short (synth warns when it is not below the timeout)."
        ),
        check=between(100, STREAM_MAX_SECONDS * 1000),
    )
    alarm_lambda_errors: int = setting(
        1,
        env="ALARM_LAMBDA_ERRORS",
        help="Alarm when the function fails (crash, timeout) this many times in five minutes.",
        check=between(1, 1_000_000),
    )
    alarm_lambda_throttles: int = setting(
        1,
        env="ALARM_LAMBDA_THROTTLES",
        help="Alarm when Lambda refuses this many invocations in five minutes (reserved concurrency reached).",
        check=between(1, 1_000_000),
    )
    alarm_bedrock_throttles: int = setting(
        5,
        env="ALARM_BEDROCK_THROTTLES",
        help="Alarm when Bedrock throttles this many requests in five minutes (the handler's `throttled` errors).",
        check=between(1, 1_000_000),
    )
    daily_output_tokens_budget: int = setting(
        1_000_000,
        env="DAILY_OUTPUT_TOKENS_BUDGET",
        help="Alarm when the model writes more output tokens than this in 24 hours.",
        check=between(1000, 100_000_000_000),
    )
    price_input_usd_per_mtok: float | None = setting(
        None,
        env="PRICE_INPUT_USD_PER_MTOK",
        kind=float,
        help=(
            "USD per million input tokens, for the dashboard's cost line and the budget alarm; unset: the list price "
            "of MODEL_ID's first model (README: model capabilities)."
        ),
        check=between(0, 1000),
    )
    price_output_usd_per_mtok: float | None = setting(
        None,
        env="PRICE_OUTPUT_USD_PER_MTOK",
        kind=float,
        help=(
            "USD per million output tokens, for the dashboard's cost line and the budget alarm; unset: the list price "
            "of MODEL_ID's first model (README: model capabilities)."
        ),
        check=between(0, 1000),
    )
    state_bucket: str = setting(
        "",
        env="STATE_BUCKET",
        help="S3 bucket for Terraform state (S3 backend, encrypted, one key per stack); empty: local state file.",
        check=matches(r"|[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "empty or an S3 bucket name"),
    )
    state_key_prefix: str = setting(
        "",
        env="STATE_KEY_PREFIX",
        help="Folder in the state bucket; the key is `<prefix>/<stack>/terraform.tfstate`.",
        check=matches(
            r"|[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*",
            "empty or a key prefix such as teams/ml (no leading or trailing '/')",
        ),
    )
    state_region: str = setting(
        "",
        env="STATE_REGION",
        help="Region of the state bucket; empty: the stack's AWS_REGION.",
        check=matches(r"|[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d", "empty or an AWS Region code such as us-east-1"),
    )
    state_lock_table: str = setting(
        "",
        env="STATE_LOCK_TABLE",
        help="DynamoDB table for state locking instead of the S3 lock file (`use_lockfile`, Terraform 1.10+).",
        check=matches(r"|[A-Za-z0-9_.-]{3,255}", "empty or a DynamoDB table name"),
    )

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            check = synth_check(item)
            problem = check(value) if check and value is not None else None
            if problem:
                raise SettingsError(_message(item, value, problem))
        self._check_together()

    def _check_together(self) -> None:
        repeated = sorted({name for name in self.key_names if self.key_names.count(name) > 1})
        if repeated:
            raise SettingsError(
                f"invalid setting API_KEY_NAMES (api_key_names) = {self.api_key_names!r}: "
                f"each name once ({', '.join(repeated)} is repeated)"
            )
        if self.max_tokens_default > self.max_tokens_cap:
            raise SettingsError(
                f"invalid setting MAX_TOKENS_DEFAULT (max_tokens_default) = {self.max_tokens_default}: "
                f"must not exceed MAX_TOKENS_CAP ({self.max_tokens_cap})"
            )
        if self.bedrock_worst_case_seconds >= self.bedrock_budget_limit_seconds:
            raise SettingsError(
                f"invalid setting BEDROCK_READ_TIMEOUT_SECONDS (bedrock_read_timeout_seconds) = "
                f"{self.bedrock_read_timeout_seconds}: {self.bedrock_max_attempts} attempt(s) of "
                f"{self.bedrock_connect_timeout_seconds} s connect + {self.bedrock_read_timeout_seconds} s read "
                f"plus retry back-off take up to {self.bedrock_worst_case_seconds:g} s, which must stay below "
                f"LAMBDA_TIMEOUT_SECONDS ({self.lambda_timeout_seconds}) and API Gateway's "
                f"{STREAM_IDLE_TIMEOUT_SECONDS} s stream idle timeout"
            )
        if self.playground and self.auth == "iam":
            raise SettingsError(
                "invalid setting PLAYGROUND (playground) = True: AUTH is 'iam', and a page in a browser "
                "cannot sign SigV4 requests; use AUTH=api_key (or none), or leave PLAYGROUND off"
            )
        self._check_effort()
        self._check_guardrail()

    def _check_effort(self) -> None:
        """An EFFORT level no listed model offers is refused. The function skips the level for a
        model of the list that lacks it (that model's requests carry no effort unless they name
        one: a synth warning says so), so one model offering it is enough; a model without a row
        may offer it too (it is sent unchecked, with a warning)."""
        if self.effort not in EFFORT_LEVELS:
            return
        found = {model_id: facts_for(model_id) for model_id in self.model_ids}
        rows = {model_id: row for model_id, row in found.items() if row is not None}
        if len(rows) < len(found) or any(self.effort in row.effort_levels for row in rows.values()):
            return
        if len(rows) == 1:
            [(model_id, row)] = rows.items()
            offered = (
                f"it offers only {', '.join(row.effort_levels)}, or"
                if row.effort_levels
                else "it has no effort control: set EFFORT to"
            )
            raise SettingsError(
                f"invalid setting EFFORT (effort) = {self.effort!r}: MODEL_ID {model_id!r} is {row.name}, "
                f"and {offered} auto or default (send none)"
            )
        each = "; ".join(
            f"{model_id!r} ({row.name}) offers {', '.join(row.effort_levels) or 'no effort control'}"
            for model_id, row in rows.items()
        )
        raise SettingsError(
            f"invalid setting EFFORT (effort) = {self.effort!r}: no model of MODEL_ID offers it: {each}; "
            "set EFFORT to a level one of them offers, auto or default (send none)"
        )

    def _check_guardrail(self) -> None:
        """A guardrail needs its version (Converse takes none without it); the version and stream
        mode mean nothing without a guardrail, so setting them alone is a mistake to name."""
        if self.guardrail_id and not self.guardrail_version:
            raise SettingsError(
                f"invalid setting GUARDRAIL_VERSION (guardrail_version) = '': GUARDRAIL_ID {self.guardrail_id!r} "
                "needs its version: a version number (`aws bedrock list-guardrails --guardrail-identifier <id>`) "
                "or DRAFT (the working copy)"
            )
        if not self.guardrail_id:
            for name, env, value, default in (
                ("guardrail_version", "GUARDRAIL_VERSION", self.guardrail_version, ""),
                ("guardrail_stream_mode", "GUARDRAIL_STREAM_MODE", self.guardrail_stream_mode, "sync"),
            ):
                if value != default:
                    raise SettingsError(
                        f"invalid setting {env} ({name}) = {value!r}: there is no guardrail to apply it to: "
                        "set GUARDRAIL_ID too, or unset it"
                    )

    @property
    def model_id(self) -> str:
        """The default model: the one a request that names none is answered by."""
        return self.model_ids[0]

    @property
    def resource_name(self) -> str:
        """``<name_prefix>-<environment>``: the name (or name prefix) of every resource."""
        return f"{self.name_prefix}-{self.environment}"

    @property
    def key_names(self) -> tuple[str, ...]:
        """API_KEY_NAMES as a tuple, in the order given (the first is `make api-key`'s)."""
        return tuple(self.api_key_names.split(","))

    @property
    def reserved_concurrency_limit(self) -> int | None:
        """Reserved concurrency as a number, or None when the setting is `off`."""
        return None if self.reserved_concurrency == "off" else int(self.reserved_concurrency)

    @property
    def bedrock_worst_case_seconds(self) -> float:
        """Longest wait for Bedrock's first event: every attempt times out, with maximal back-off
        (function/config.py's ``worst_case_seconds``, which the function uses to clamp it)."""
        return worst_case_seconds(
            self.bedrock_connect_timeout_seconds,
            self.bedrock_read_timeout_seconds,
            self.bedrock_max_attempts,
        )

    @property
    def bedrock_budget_limit_seconds(self) -> int:
        """What the Bedrock budget must stay below: the Lambda timeout, and API Gateway's idle
        timeout, since nothing reaches the caller until the model's first event does."""
        return min(self.lambda_timeout_seconds, STREAM_IDLE_TIMEOUT_SECONDS)

    @property
    def long_answer_seconds(self) -> float:
        """How long a ``MAX_TOKENS_CAP`` answer may take: the Bedrock budget spent before the
        first token (every attempt but the last timed out, the last one's first event came just
        before its read timeout), then the cap written at a slow ``SLOW_OUTPUT_TOKENS_PER_SECOND``.
        A shorter Lambda timeout cuts such answers short."""
        return self.bedrock_worst_case_seconds + self.max_tokens_cap / SLOW_OUTPUT_TOKENS_PER_SECOND

    @property
    def default_json_answer_seconds(self) -> float:
        """How long a JSON answer of ``MAX_TOKENS_DEFAULT`` tokens may take, the same way. A JSON
        answer sends nothing until it is complete, so API Gateway's idle timeout bounds all of it."""
        return self.bedrock_worst_case_seconds + self.max_tokens_default / SLOW_OUTPUT_TOKENS_PER_SECOND


def describe() -> Iterator[tuple[str, str, Any, str]]:
    """(field name, environment variable, default, meaning) for every setting: the stack's own
    first, in order, then those the function reads (which a dataclass puts first, inherited)."""
    for item in sorted(dataclasses.fields(Settings), key=lambda item: item.name in VARIABLES):
        yield item.name, item.metadata["env"], item.default, item.metadata["help"]


# Not a setting: per-environment context blocks, read by constructs_lib/environments.py.
ENVIRONMENTS_CONTEXT_KEY = "environments"


def load_settings(context: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    """Build Settings: environment variable over cdktf.json context over default."""
    known = {item.name: item for item in dataclasses.fields(Settings)}
    for key in context:
        if key.islower() and key not in known and key != ENVIRONMENTS_CONTEXT_KEY:  # cdktf's own keys are camelCase
            raise SettingsError(f"unknown setting '{key}' in cdktf.json context: known settings are {', '.join(known)}")
    values = {}
    for name, item in known.items():
        raw = environ.get(item.metadata["env"])
        if raw is not None and raw != "":
            values[name] = _parse(item, raw)
        elif name in context:
            values[name] = _parse(item, context[name])
    if "max_tokens_cap" in values and "max_tokens_default" not in values:  # an unset default follows a lower cap
        values["max_tokens_default"] = max(1, min(known["max_tokens_default"].default, values["max_tokens_cap"]))
    return Settings(**values)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _parse(item: dataclasses.Field[Any], raw: Any) -> Any:
    """Turn an environment string (or a cdktf.json JSON value) into the field's type."""
    kind = item.metadata["kind"]
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise SettingsError(_message(item, raw, "true or false"))
    if kind is float:
        if isinstance(raw, bool):
            raise SettingsError(_message(item, raw, "a number"))
        try:
            return float(str(raw).strip())
        except ValueError:
            raise SettingsError(_message(item, raw, "a number")) from None
    if kind is int:
        if isinstance(raw, bool):
            raise SettingsError(_message(item, raw, "a whole number"))
        try:
            return int(str(raw).strip(), 10)
        except ValueError:
            raise SettingsError(_message(item, raw, "a whole number")) from None
    if kind is tuple:  # a list: comma-separated in the environment, a string or a list in cdktf.json
        items = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(items, list) or not all(isinstance(part, str) for part in items):
            raise SettingsError(_message(item, raw, "a comma-separated string or a list of strings"))
        return tuple(part.strip() for part in items)
    if not isinstance(raw, str):
        raise SettingsError(_message(item, raw, "a string"))
    return raw.strip()


def _message(item: dataclasses.Field[Any], value: Any, allowed: str) -> str:
    shown = ",".join(value) if isinstance(value, tuple) else value  # a list as it is written
    return f"invalid setting {item.metadata['env']} ({item.name}) = {shown!r}: expected {allowed}"
