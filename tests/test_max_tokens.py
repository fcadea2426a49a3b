"""The max_tokens defaults leave room for thinking and still fit the deadlines (README: max_tokens).

max_tokens bounds thinking plus answer. The default must leave a typical answer room and end a
JSON answer inside API Gateway's idle timeout; the cap must fit the model's output limit and the
Lambda timeout, at the slow planning rate, after the worst-case Bedrock budget.
"""

from __future__ import annotations

from constructs_lib.capacity import TYPICAL_ANSWER_TOKENS
from constructs_lib.settings import (
    SLOW_OUTPUT_TOKENS_PER_SECOND,
    STREAM_IDLE_TIMEOUT_SECONDS,
    STREAM_MAX_SECONDS,
    Settings,
    load_settings,
)
from constructs_lib.stack import synth_warnings
from function.models import facts_for

OLD_DEFAULT = 1024  # what answers came back cut off or empty at, once Claude Sonnet 5 thought first


def test_the_default_leaves_room_for_thinking_before_a_typical_answer():
    defaults = Settings()
    assert OLD_DEFAULT < TYPICAL_ANSWER_TOKENS * 2 < defaults.max_tokens_default <= defaults.max_tokens_cap


def test_a_default_json_answer_ends_inside_api_gateways_idle_timeout_at_the_slow_rate():
    defaults = Settings()
    assert defaults.default_json_answer_seconds == (
        defaults.bedrock_worst_case_seconds + defaults.max_tokens_default / SLOW_OUTPUT_TOKENS_PER_SECOND
    )
    assert defaults.default_json_answer_seconds < STREAM_IDLE_TIMEOUT_SECONDS


def test_the_cap_fits_the_default_models_output_and_the_lambda_timeout():
    defaults = Settings()
    assert defaults.max_tokens_cap <= facts_for(defaults.model_id).max_output_tokens
    assert defaults.long_answer_seconds < defaults.lambda_timeout_seconds <= STREAM_MAX_SECONDS
    # the latency alarm can still fire before the function ends
    assert defaults.alarm_latency_p99_ms < defaults.lambda_timeout_seconds * 1000


def test_the_defaults_synthesize_without_a_warning():
    assert synth_warnings(Settings()) == []


def test_synth_warns_when_the_default_cannot_end_a_json_answer_in_time():
    # 65 s of Bedrock budget + 8000 tokens at 30 a second (266.7 s) = 331.7 s > 300 s
    settings = load_settings({}, {"MAX_TOKENS_DEFAULT": "8000"})
    [warning] = [w for w in synth_warnings(settings) if w.startswith("MAX_TOKENS_DEFAULT=")]
    assert "= 332 s" in warning and "300 s" in warning and "time_limit" in warning
