"""The app's settings, read once from the environment, and its Bedrock time budget.

The stack (constructs_lib/settings.py) validates these values at synth, so in AWS they are
sound. The app still never trusts them blindly: a value edited by hand in the console must
not turn every request into a crash. A bad value falls back to its default, a budget that
cannot end before the Lambda timeout is clamped, and each correction is kept in
``Settings.corrections`` for the start-up log.

The budget bounds only the wait for Bedrock's *first* answer: the read timeout is the longest
silence allowed between two stream events, and botocore retries only the opening request,
before any output has been sent. How long an answer may run is the deadline's business
(``Settings.lambda_timeout`` or the adapter's ``deadline``), not the budget's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

LAMBDA_TIMEOUT_SECONDS = 630  # the stack's default; LAMBDA_TIMEOUT_SECONDS overrides it
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
    return attempts * (connect + read) + backoff


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
        return {"guardrailIdentifier": self.identifier, "guardrailVersion": self.version,
                "streamProcessingMode": self.stream_mode}


@dataclass(frozen=True)
class Settings:
    """Everything the handler reads from its environment (all strings there), typed."""

    # The models this deployment may call (IAM grants exactly these); the first is the default.
    model_ids: tuple[str, ...] = ("us.anthropic.claude-sonnet-5",)
    max_tokens_default: int = 6000
    max_tokens_cap: int = 16000
    # EFFORT as set: resolved per model on each request (models.resolve_effort), because a
    # deployment with several models may serve some without effort control.
    effort: str = "auto"
    guardrail: Guardrail | None = None
    prompt_max_chars: int = 20000
    body_max_bytes: int = 65536
    cors_allow_origin: str = ""
    log_content: bool = False
    budget: Budget = Budget(connect=2, read=30, attempts=2)
    lambda_timeout: int = LAMBDA_TIMEOUT_SECONDS
    corrections: tuple[str, ...] = ()

    @property
    def model_id(self) -> str:
        """The default model: the one a request that names none is answered by."""
        return self.model_ids[0]

    @property
    def budget_limit(self) -> int:
        """Bedrock's first event must come strictly before this, so our 504 beats the platform's."""
        return min(self.lambda_timeout, STREAM_IDLE_TIMEOUT_SECONDS)


_DEFAULTS = Settings()


def load_settings(environ: Mapping[str, str], effort_levels: tuple[str, ...] | None = None) -> Settings:
    """Settings from environment variables; bad values are replaced and noted, never raised.

    ``effort_levels`` are the levels EFFORT may name besides auto and default: app.py passes
    models.EFFORT_LEVELS (this module imports no sibling: the stack imports it as
    ``function.config``); None accepts any."""
    notes: list[str] = []

    def number(name: str, default: int, low: int, high: int) -> int:
        raw = environ.get(name, "").strip()
        if not raw:
            return default
        try:
            value = int(raw, 10)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            notes.append(f"{name}={raw!r} is not a whole number from {low} to {high}; using {default}")
            return default
        return value

    cap = number("MAX_TOKENS_CAP", _DEFAULTS.max_tokens_cap, 1, 1_000_000)
    default_tokens = number("MAX_TOKENS_DEFAULT", min(_DEFAULTS.max_tokens_default, cap), 1, 1_000_000)
    if default_tokens > cap:
        notes.append(f"MAX_TOKENS_DEFAULT={default_tokens} exceeds MAX_TOKENS_CAP={cap}; using {cap}")
        default_tokens = cap
    lambda_timeout = number("LAMBDA_TIMEOUT_SECONDS", LAMBDA_TIMEOUT_SECONDS, 3, 900)
    wanted = Budget(
        connect=number("BEDROCK_CONNECT_TIMEOUT_SECONDS", _DEFAULTS.budget.connect, 1, 60),
        read=number("BEDROCK_READ_TIMEOUT_SECONDS", _DEFAULTS.budget.read, 1, 900),
        attempts=number("BEDROCK_MAX_ATTEMPTS", _DEFAULTS.budget.attempts, 1, 10),
    )
    effort = environ.get("EFFORT", _DEFAULTS.effort).strip().lower() or "default"  # empty: as before, none
    if effort_levels is not None and effort not in (*EFFORT_WORDS, *effort_levels):
        choices = ", ".join((*EFFORT_WORDS, *effort_levels))
        notes.append(f"EFFORT={effort[:40]!r} is not one of {choices}; using {_DEFAULTS.effort}")
        effort = _DEFAULTS.effort
    settings = Settings(
        model_ids=model_ids(environ.get("MODEL_ID", "")) or _DEFAULTS.model_ids,
        max_tokens_default=default_tokens,
        max_tokens_cap=cap,
        effort=effort,
        guardrail=_guardrail(environ, notes),
        prompt_max_chars=number("PROMPT_MAX_CHARS", _DEFAULTS.prompt_max_chars, 1, 10_000_000),
        body_max_bytes=number("BODY_MAX_BYTES", _DEFAULTS.body_max_bytes, 1, 10_000_000),
        cors_allow_origin=environ.get("CORS_ALLOW_ORIGIN", "").strip(),
        log_content=environ.get("LOG_CONTENT", "").strip().lower() in {"1", "true", "yes", "on"},
        budget=wanted,
        lambda_timeout=lambda_timeout,
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


def _guardrail(environ: Mapping[str, str], notes: list[str]) -> Guardrail | None:
    """The guardrail, when GUARDRAIL_ID is set. A bad stream mode falls back to ``sync``, the
    mode that lets nothing unscreened through; a missing version is refused at synth, and
    here means the working draft rather than no guardrail at all."""
    identifier = environ.get("GUARDRAIL_ID", "").strip()
    if not identifier:
        return None
    version = environ.get("GUARDRAIL_VERSION", "").strip()
    if not version:
        notes.append("GUARDRAIL_VERSION is not set; using DRAFT")
        version = "DRAFT"
    mode = environ.get("GUARDRAIL_STREAM_MODE", "").strip().lower() or "sync"
    if mode not in GUARDRAIL_STREAM_MODES:
        notes.append(f"GUARDRAIL_STREAM_MODE={mode[:40]!r} is not sync or async; using sync")
        mode = "sync"
    return Guardrail(identifier, version, mode)
