"""The app's settings, read once from the environment, and its Bedrock time budget.

``HandlerSettings`` declares every variable the function reads, once: its name, type, default,
range or choices, and meaning. The stack (constructs_lib/settings.py) inherits that declaration
and validates the same values at synth, so in AWS they are sound. The app still never trusts
them blindly: a value edited by hand in the console must not turn every request into a crash.
A value outside its declared range or choices falls back to its default, a budget that cannot
end before the Lambda timeout is clamped, and each correction is kept in
``Settings.corrections`` for the start-up log.

The budget bounds only the wait for Bedrock's *first* answer: the read timeout is the longest
silence allowed between two stream events, and botocore retries only the opening request,
before any output has been sent. How long an answer may run is the deadline's business
(``Settings.lambda_timeout`` or the adapter's ``deadline``), not the budget's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# API Gateway ends a regional streamed response after 5 minutes without a byte (API Gateway
# guide, "Stream the integration response for your proxy integrations"). Nothing reaches the
# caller before Bedrock's first event, nor before a JSON answer is complete.
STREAM_IDLE_TIMEOUT_SECONDS = 300
MAX_BACKOFF_SECONDS = 20  # botocore standard retry mode caps each back-off here


def worst_case_seconds(connect: float, read: float, attempts: int) -> float:
    """Longest a Bedrock call can take: every attempt times out, every back-off is maximal.

    The stack's ``Settings.bedrock_worst_case_seconds`` calls this too: botocore's
    standard mode sleeps at most ``min(2 ** k, 20)`` s before retry ``k + 1``.
    """
    backoff = sum(min(2**k, MAX_BACKOFF_SECONDS) for k in range(attempts - 1))
    return float(attempts * (connect + read) + backoff)


@dataclass(frozen=True)
class Budget:
    """Per-attempt timeouts and attempt count of the Bedrock client."""

    connect: int
    read: int
    attempts: int

    @property
    def worst_case(self) -> float:
        return worst_case_seconds(self.connect, self.read, self.attempts)

    def fit(self, limit: float) -> Budget:
        """This budget if it ends strictly before ``limit`` seconds, else the closest one that does.

        The read timeout gives way first (keeping the retries the operator asked for), then
        retries are dropped one by one, and only a lone attempt shrinks its connect timeout.
        """
        if self.worst_case < limit:
            return self
        for attempts in range(self.attempts, 0, -1):
            for read in range(self.read, 0, -1):
                if worst_case_seconds(self.connect, read, attempts) < limit:
                    return Budget(self.connect, read, attempts)
        connect = max(1, min(self.connect, int(limit) - 2))
        return Budget(connect, 1, 1)


EFFORT_WORDS = ("auto", "default")  # besides the levels of models.py
GUARDRAIL_STREAM_MODES = ("sync", "async")  # ConverseStream's GuardrailStreamConfiguration


@dataclass(frozen=True)
class Guardrail:
    """The Bedrock guardrail applied to every call (``guardrailConfig``).

    ``sync`` (the default) screens each piece of the answer before it is sent, so nothing
    unscreened reaches the caller; ``async`` sends at once and screens alongside (Bedrock user
    guide, "Use a guardrail with the Converse API": streaming).
    """

    identifier: str
    version: str
    stream_mode: str = "sync"

    def converse_config(self) -> dict[str, str]:
        return {
            "guardrailIdentifier": self.identifier,
            "guardrailVersion": self.version,
            "streamProcessingMode": self.stream_mode,
        }


# --- what the function reads: each setting declared once ---------------------------------------

# A REST API streams an integration response for up to 15 minutes (API Gateway guide, "Stream the
# integration response for your proxy integrations"): the Lambda timeout needs no more.
STREAM_MAX_SECONDS = 900
# The largest max output of any model in models.py (Claude Sonnet 5's model card: 128k tokens):
# no max_tokens above it can be useful.
LARGEST_MAX_OUTPUT_TOKENS = 128_000


def variable(
    default: Any, *, env: str, help: str, low: int | None = None, high: int | None = None, choices: tuple[str, ...] = ()
) -> Any:
    """Declare one environment variable the function reads: its default, its meaning, and the
    whole numbers from ``low`` to ``high`` or the ``choices`` it accepts (text is taken as it is).

    The metadata keys match the stack's ``setting()`` (constructs_lib/settings.py), which checks
    the same range or choices at synth and writes the README row from ``help``.
    """
    return field(
        default=default,
        metadata={"env": env, "help": help, "kind": type(default), "low": low, "high": high, "choices": choices},
    )


@dataclass(frozen=True)
class HandlerSettings:
    """Every environment variable the function reads, declared once: one field each, named as
    its cdktf.json context key. Adding a setting the function reads is one field here.

    The stack's ``Settings`` inherits these fields, so synth checks the same ranges and choices,
    ``handler_environment`` passes every one to the function, the README table lists it, and the
    tests try each (tests/app/test_app_config.py). ``load_settings`` reads each the same way.
    """

    model_ids: tuple[str, ...] = variable(
        ("us.anthropic.claude-sonnet-5",),
        env="MODEL_ID",
        help=(
            "Bedrock model id or cross-Region inference profile id, or several separated by commas: the first is the "
            "default, a request may name any of them (`model`), and IAM is scoped to exactly these."
        ),
    )
    max_tokens_default: int = variable(
        6000,
        env="MAX_TOKENS_DEFAULT",
        low=1,
        high=LARGEST_MAX_OUTPUT_TOKENS,
        help=(
            "`max_tokens` (thinking plus answer) used when a request does not set it; the default leaves room for "
            "thinking and still ends a JSON answer inside API Gateway's 5-minute idle limit at a slow 30 tokens/s "
            "(README: max_tokens)."
        ),
    )
    max_tokens_cap: int = variable(
        16000,
        env="MAX_TOKENS_CAP",
        low=1,
        high=LARGEST_MAX_OUTPUT_TOKENS,
        help="Largest `max_tokens` a caller may ask for: bounds one answer's time and cost (README: max_tokens).",
    )
    # EFFORT also accepts the levels of models.py, which this module cannot import (the stack
    # imports it as ``function.config``): app.py passes them to ``load_settings``.
    effort: str = variable(
        "auto",
        env="EFFORT",
        choices=EFFORT_WORDS,
        help=(
            "How hard the model works on an answer (Bedrock's `outputConfig.effort`): `auto` is `medium` where the "
            "model offers effort control and nothing elsewhere; `default` sends none (the model's own, `high` on "
            "Claude Sonnet 5); or `low`, `medium`, `high`, `xhigh`, `max` (synth refuses a level no model of MODEL_ID "
            "offers). Requests may override it."
        ),
    )
    guardrail_id: str = variable(
        "",
        env="GUARDRAIL_ID",
        help=(
            "Bedrock guardrail (its id or ARN) that screens every prompt and answer (`guardrailConfig`); the function "
            "may apply this one only (`bedrock:ApplyGuardrail`); empty: no guardrail."
        ),
    )
    guardrail_version: str = variable(
        "",
        env="GUARDRAIL_VERSION",
        help=(
            "Version of GUARDRAIL_ID to apply, required with it: a version number (fixed), or `DRAFT` (the working "
            "copy, which changes whenever the guardrail is edited)."
        ),
    )
    guardrail_stream_mode: str = variable(
        "sync",
        env="GUARDRAIL_STREAM_MODE",
        choices=GUARDRAIL_STREAM_MODES,
        help=(
            "How GUARDRAIL_ID screens a streamed answer: `sync` checks each piece before it is sent, so nothing "
            "unscreened reaches the caller; `async` sends at once and screens alongside (a blocked answer is cut off "
            "after part of it was sent, and sensitive information is not masked)."
        ),
    )
    prompt_max_chars: int = variable(
        20000,
        env="PROMPT_MAX_CHARS",
        low=1,
        high=1_000_000,
        help="Longest accepted prompt (and message content), in characters; longer gets 413.",
    )
    body_max_bytes: int = variable(
        65536,
        env="BODY_MAX_BYTES",
        low=256,
        high=6_000_000,
        help="Largest accepted request body in bytes; larger gets 413.",
    )
    cors_allow_origin: str = variable(
        "",
        env="CORS_ALLOW_ORIGIN",
        help="Value of Access-Control-Allow-Origin on responses; empty sends no CORS headers.",
    )
    log_content: bool = variable(
        False,
        env="LOG_CONTENT",
        help="Log prompt and completion text (off: logs carry sizes, ids and token counts only).",
    )
    bedrock_connect_timeout_seconds: int = variable(
        2,
        env="BEDROCK_CONNECT_TIMEOUT_SECONDS",
        low=1,
        high=10,
        help="Connect timeout of each Bedrock attempt.",
    )
    bedrock_read_timeout_seconds: int = variable(
        30,
        env="BEDROCK_READ_TIMEOUT_SECONDS",
        low=1,
        high=STREAM_IDLE_TIMEOUT_SECONDS - 1,
        help=(
            "Longest silence Bedrock's answer stream may keep, before its first event or between two; the whole budget"
            " must fit the Lambda timeout."
        ),
    )
    bedrock_max_attempts: int = variable(
        2,
        env="BEDROCK_MAX_ATTEMPTS",
        low=1,
        high=5,
        help="Attempts per request (botocore standard retry mode), the first included.",
    )
    lambda_timeout_seconds: int = variable(
        630,
        env="LAMBDA_TIMEOUT_SECONDS",
        low=3,
        high=STREAM_MAX_SECONDS,
        help=(
            "Lambda timeout, up to 900 (API Gateway streams for 15 minutes); the default fits a MAX_TOKENS_CAP answer "
            "at a slow 30 tokens/s after a retried first attempt (synth warns when the timeout does not)."
        ),
    )


DECLARED = HandlerSettings()  # every variable at its default
VARIABLES = {item.name: item for item in dataclasses.fields(HandlerSettings)}


def environment(values: HandlerSettings) -> dict[str, str]:
    """The environment variables that make ``load_settings`` read back these values."""

    def written(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, tuple):
            return ",".join(value)
        return str(value)

    return {item.metadata["env"]: written(getattr(values, name)) for name, item in VARIABLES.items()}


_TRUE = {"1", "true", "yes", "on"}


def read_variable(
    environ: Mapping[str, str],
    name: str,
    notes: list[str],
    *,
    default: Any = None,
    more_choices: tuple[str, ...] | None = (),
) -> Any:
    """One declared variable from ``environ``, typed; unset or blank is its default (or
    ``default``), and a value outside its range or choices is its default plus a note.
    ``more_choices`` adds to the row's choices; None accepts any text."""
    item = VARIABLES[name]
    env, kind = item.metadata["env"], item.metadata["kind"]
    default = item.default if default is None else default
    raw = environ.get(env, "").strip()
    if kind is tuple:
        return model_ids(raw) or default
    if kind is bool:
        return raw.lower() in _TRUE if raw else default
    if not raw:
        return default
    if kind is int:
        low, high = item.metadata["low"], item.metadata["high"]
        number: int | None
        try:
            number = int(raw, 10)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            notes.append(f"{env}={raw!r} is not a whole number from {low} to {high}; using {default}")
            return default
        return number
    choices = item.metadata["choices"]
    if not choices:
        return raw
    value = raw.lower()
    if more_choices is not None and value not in (*choices, *more_choices):
        notes.append(f"{env}={value[:40]!r} is not one of {', '.join((*choices, *more_choices))}; using {default}")
        return default
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the handler reads from its environment, typed and shaped as the app uses it.

    A field named as a ``HandlerSettings`` field is read as declared there and takes its default
    from there; the budget, the guardrail and the Lambda timeout are assembled from theirs.
    """

    # The models this deployment may call (IAM grants exactly these); the first is the default.
    model_ids: tuple[str, ...] = DECLARED.model_ids
    max_tokens_default: int = DECLARED.max_tokens_default
    max_tokens_cap: int = DECLARED.max_tokens_cap
    # EFFORT as set: resolved per model on each request (models.resolve_effort), because a
    # deployment with several models may serve some without effort control.
    effort: str = DECLARED.effort
    guardrail: Guardrail | None = None
    prompt_max_chars: int = DECLARED.prompt_max_chars
    body_max_bytes: int = DECLARED.body_max_bytes
    cors_allow_origin: str = DECLARED.cors_allow_origin
    log_content: bool = DECLARED.log_content
    budget: Budget = Budget(
        connect=DECLARED.bedrock_connect_timeout_seconds,
        read=DECLARED.bedrock_read_timeout_seconds,
        attempts=DECLARED.bedrock_max_attempts,
    )
    lambda_timeout: int = DECLARED.lambda_timeout_seconds
    corrections: tuple[str, ...] = ()

    @property
    def model_id(self) -> str:
        """The default model: the one a request that names none is answered by."""
        return self.model_ids[0]

    @property
    def budget_limit(self) -> int:
        """Bedrock's first event must come strictly before this, so our 504 beats the platform's."""
        return min(self.lambda_timeout, STREAM_IDLE_TIMEOUT_SECONDS)


# Settings fields the app takes exactly as declared; load_settings assembles the others.
_AS_DECLARED = tuple(
    item.name
    for item in dataclasses.fields(Settings)
    if item.name in VARIABLES and item.name not in {"max_tokens_cap", "max_tokens_default", "effort"}
)


def load_settings(environ: Mapping[str, str], effort_levels: tuple[str, ...] | None = None) -> Settings:
    """Settings from environment variables; bad values are replaced and noted, never raised.

    ``effort_levels`` are the levels EFFORT may name besides auto and default: app.py passes
    models.EFFORT_LEVELS (this module imports no sibling: the stack imports it as
    ``function.config``); None accepts any."""
    notes: list[str] = []

    def read(name: str, default: Any = None) -> Any:
        return read_variable(environ, name, notes, default=default)

    cap = read("max_tokens_cap")
    default_tokens = read("max_tokens_default", min(DECLARED.max_tokens_default, cap))
    if default_tokens > cap:
        notes.append(f"MAX_TOKENS_DEFAULT={default_tokens} exceeds MAX_TOKENS_CAP={cap}; using {cap}")
        default_tokens = cap
    lambda_timeout = read("lambda_timeout_seconds")
    wanted = Budget(
        connect=read("bedrock_connect_timeout_seconds"),
        read=read("bedrock_read_timeout_seconds"),
        attempts=read("bedrock_max_attempts"),
    )
    # Set but empty, EFFORT means `default` (send none), as it did when the stack resolved it.
    effort = (
        "default"
        if environ.get("EFFORT") is not None and not environ["EFFORT"].strip()
        else read_variable(environ, "effort", notes, more_choices=effort_levels)
    )
    settings = Settings(
        max_tokens_default=default_tokens,
        max_tokens_cap=cap,
        effort=effort,
        guardrail=_guardrail(read, notes),
        budget=wanted,
        lambda_timeout=lambda_timeout,
        **{name: read(name) for name in _AS_DECLARED},
    )
    fitted = wanted.fit(settings.budget_limit)
    if fitted != wanted:
        notes.append(
            f"Bedrock budget {wanted.attempts} x ({wanted.connect} s connect + {wanted.read} s read) + back-off"
            f" = {wanted.worst_case:g} s does not end before {settings.budget_limit} s"
            f" (the Lambda timeout, and API Gateway's {STREAM_IDLE_TIMEOUT_SECONDS} s stream idle timeout); using"
            f" {fitted.attempts} x ({fitted.connect} s + {fitted.read} s) = {fitted.worst_case:g} s"
        )
    return dataclasses.replace(settings, budget=fitted, corrections=tuple(notes))


def model_ids(value: str) -> tuple[str, ...]:
    """MODEL_ID as a list: one id, or several separated by commas (blanks and repeats dropped)."""
    ids = (part.strip() for part in value.split(","))
    return tuple(dict.fromkeys(part for part in ids if part))


def _guardrail(read: Callable[[str], Any], notes: list[str]) -> Guardrail | None:
    """The guardrail, when GUARDRAIL_ID is set. A bad stream mode falls back to ``sync``, the
    mode that lets nothing unscreened through; a missing version is refused at synth, and
    here means the working draft rather than no guardrail at all."""
    identifier = read("guardrail_id")
    if not identifier:
        return None
    version = read("guardrail_version")
    if not version:
        notes.append("GUARDRAIL_VERSION is not set; using DRAFT")
        version = "DRAFT"
    return Guardrail(identifier, version, read("guardrail_stream_mode"))
