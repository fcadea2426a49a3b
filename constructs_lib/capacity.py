"""Does what API Gateway admits fit in what Lambda may run at once? The defaults' arithmetic.

API Gateway throttles with a token bucket: ``THROTTLE_BURST_LIMIT`` requests at once, refilled at
``THROTTLE_RATE_LIMIT`` a second (API Gateway developer guide, "Throttle requests to your REST
APIs"). Each admitted request holds one Lambda execution for as long as its answer is written
(Lambda developer guide, "Understanding Lambda function scaling": concurrency = requests per second
× duration). So within one answer's time the gateway admits up to

    burst + rate × answer seconds

requests, and all of them may be running at once. When that exceeds the reserved concurrency,
Lambda throttles the rest and callers get the gateway's 5xx (and the 5XX alarm), not a 429 they
could retry. A new account's whole Lambda quota may be 10, which leaves nothing to reserve
(``RESERVED_CONCURRENCY=off``); then the cap is the account's unreserved pool, unknown at synth,
and nothing is checked here.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs_lib.settings import Settings

# Output tokens a second Claude Sonnet writes on Bedrock, at the slow end: issue 9 measured
# 50-80, and Artificial Analysis reports a median of 53-54 for Claude 3.5 Sonnet on Amazon Bedrock
# (artificialanalysis.ai/models/claude-35-sonnet/providers). Slower means longer answers, which
# hold an execution longer.
OUTPUT_TOKENS_PER_SECOND = 50

# How many tokens (thinking and text together) a typical answer takes. An assumption, not a
# measurement: the short prompts an HTTP API like this one serves, at EFFORT=medium, an effort
# below the default at which "Claude may skip thinking for simpler problems" (Bedrock's adaptive
# thinking page). It is not MAX_TOKENS_DEFAULT: that is a ceiling answers rarely reach, and
# sizing concurrency by it would reserve for the worst case. The dashboard shows the real figure
# (output tokens / invocations); when yours is higher, raise RESERVED_CONCURRENCY or lower the
# throttle.
TYPICAL_ANSWER_TOKENS = 1_000


@dataclass(frozen=True)
class Capacity:
    """The arithmetic for one set of settings."""

    answer_seconds: float  # a typical answer (TYPICAL_ANSWER_TOKENS) at OUTPUT_TOKENS_PER_SECOND
    admitted_at_once: float  # burst + rate × answer_seconds: requests that may run at once
    concurrency: int | None  # reserved concurrency; None when `off`

    @property
    def fits(self) -> bool:
        return self.concurrency is None or self.admitted_at_once <= self.concurrency


def capacity(settings: Settings) -> Capacity:
    """What the gateway admits within one answer's time, against what Lambda may run."""
    answer_seconds = TYPICAL_ANSWER_TOKENS / OUTPUT_TOKENS_PER_SECOND
    return Capacity(
        answer_seconds=answer_seconds,
        admitted_at_once=settings.throttle_burst_limit + settings.throttle_rate_limit * answer_seconds,
        concurrency=settings.reserved_concurrency_limit,
    )


def capacity_warning(settings: Settings) -> str | None:
    """A synth warning when the throttle admits more requests at once than Lambda may run."""
    found = capacity(settings)
    if found.fits:
        return None
    return (
        f"THROTTLE_BURST_LIMIT={settings.throttle_burst_limit} + THROTTLE_RATE_LIMIT={settings.throttle_rate_limit}/s "
        f"× {found.answer_seconds:.1f} s (a typical {TYPICAL_ANSWER_TOKENS}-token answer at "
        f"{OUTPUT_TOKENS_PER_SECOND} tokens/s) admits up to {found.admitted_at_once:.0f} requests at once, but "
        f"RESERVED_CONCURRENCY={found.concurrency} runs only {found.concurrency}: the rest get API Gateway's 5xx, "
        "not a 429. Lower the throttle or raise the reserved concurrency (README: Capacity)."
    )
