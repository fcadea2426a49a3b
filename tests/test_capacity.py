"""The defaults admit no more requests at once than Lambda may run; synth warns when settings do.

The arithmetic (constructs_lib/capacity.py, README "Capacity"): within one answer's time API
Gateway admits up to burst + rate × answer seconds requests, and each holds a Lambda execution
until its answer is written, so that sum must fit in the reserved concurrency.
"""

from __future__ import annotations

import pytest

from constructs_lib.capacity import OUTPUT_TOKENS_PER_SECOND, TYPICAL_ANSWER_TOKENS, capacity, capacity_warning
from constructs_lib.settings import Settings, load_settings
from constructs_lib.stack import synth_warnings


def test_the_defaults_admit_no_more_at_once_than_reserved_concurrency_runs():
    # burst + rate x (a typical answer at the slow end of Bedrock's writing speed) fits the reservation
    defaults = Settings()
    found = capacity(defaults)

    assert found.answer_seconds == pytest.approx(TYPICAL_ANSWER_TOKENS / OUTPUT_TOKENS_PER_SECOND)
    assert found.answer_seconds >= 20  # answers stream for tens of seconds, not one or two
    assert found.admitted_at_once == pytest.approx(
        defaults.throttle_burst_limit + defaults.throttle_rate_limit * found.answer_seconds
    )
    assert found.admitted_at_once <= defaults.reserved_concurrency_limit
    assert capacity_warning(defaults) is None


def test_a_typical_answer_not_the_max_tokens_ceiling_sizes_the_arithmetic():
    # max_tokens bounds an answer; answers rarely reach it, so raising it reserves nothing more
    assert capacity(load_settings({}, {"MAX_TOKENS_DEFAULT": "16000"})) == capacity(Settings())
    assert Settings().max_tokens_default > TYPICAL_ANSWER_TOKENS


@pytest.mark.parametrize(
    "environ, admitted",
    [
        (
            {"THROTTLE_RATE_LIMIT": "10", "THROTTLE_BURST_LIMIT": "20", "RESERVED_CONCURRENCY": "10"},
            220,
        ),  # the old defaults
        ({"RESERVED_CONCURRENCY": "20"}, 25),
        ({"THROTTLE_RATE_LIMIT": "2"}, 45),  # twice the rate, twice the answers running
    ],
)
def test_synth_warns_when_the_throttle_admits_more_than_lambda_runs(environ, admitted):
    settings = load_settings({}, environ)

    warnings = [w for w in synth_warnings(settings) if "RESERVED_CONCURRENCY" in w]

    assert warnings == [capacity_warning(settings)]
    assert f"admits up to {admitted} requests at once" in warnings[0]
    assert f"RESERVED_CONCURRENCY={settings.reserved_concurrency}" in warnings[0] and "5xx" in warnings[0]


def test_no_warning_when_concurrency_is_off_or_raised_to_fit():
    # `off`: the cap is the account's unreserved pool, unknown at synth.
    assert capacity_warning(load_settings({}, {"THROTTLE_RATE_LIMIT": "10", "RESERVED_CONCURRENCY": "off"})) is None
    assert capacity_warning(load_settings({}, {"THROTTLE_RATE_LIMIT": "10", "RESERVED_CONCURRENCY": "210"})) is None
