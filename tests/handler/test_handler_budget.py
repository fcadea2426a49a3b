"""The time budget: the Bedrock call must end before API Gateway (29 s) and Lambda give up.

The handler computes the worst case from the same environment values with the same
arithmetic as the stack, and clamps a budget that does not fit rather than let the caller
get API Gateway's bare 504 (or a Lambda timeout's 502) instead of our JSON 504.
"""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

import bedrock
import handler
from config import API_GATEWAY_TIMEOUT_SECONDS, Budget, Settings, load_settings, worst_case_seconds
from constructs_lib.settings import Settings as StackSettings

DEFAULTS = {"BEDROCK_CONNECT_TIMEOUT_SECONDS": "2", "BEDROCK_READ_TIMEOUT_SECONDS": "10", "BEDROCK_MAX_ATTEMPTS": "2"}


def test_default_budget_ends_before_lambda_and_api_gateway():
    settings = load_settings(DEFAULTS)
    # 2 attempts x (2 s connect + 10 s read) + 1 s back-off
    assert settings.budget.worst_case == 25
    assert settings.budget.worst_case < settings.lambda_timeout == 28 < API_GATEWAY_TIMEOUT_SECONDS == 29
    assert settings.corrections == ()


def test_the_deployed_client_uses_the_default_budget():
    config = handler.BEDROCK.meta.config
    assert (config.connect_timeout, config.read_timeout) == (2, 10)
    assert config.retries == {"mode": "standard", "total_max_attempts": 2}


def test_same_arithmetic_as_the_stack_for_every_value_it_accepts():
    for attempts in range(1, 6):
        for connect in range(1, 11):
            for read in range(1, 26):
                stack = SimpleNamespace(bedrock_max_attempts=attempts, bedrock_connect_timeout_seconds=connect,
                                        bedrock_read_timeout_seconds=read)
                assert worst_case_seconds(connect, read, attempts) == StackSettings.bedrock_worst_case_seconds.fget(stack)


def test_a_budget_past_the_gateway_timeout_is_clamped_and_reported():
    # GIVEN 2 x (2 + 25) + 1 = 55 s, which API Gateway would cut at 29 s
    settings = load_settings({**DEFAULTS, "BEDROCK_READ_TIMEOUT_SECONDS": "25"})
    # THEN the read timeout gives way first: 2 x (2 + 11) + 1 = 27 s < 28 s
    assert settings.budget == Budget(connect=2, read=11, attempts=2)
    assert settings.budget.worst_case == 27
    [note] = settings.corrections
    assert "55 s does not end before 28 s" in note and "27 s" in note
    # AND the client is built with the clamped values
    client = bedrock.make_client(settings.budget)
    assert client.meta.config.read_timeout == 11


def test_retries_are_dropped_when_even_a_1_s_read_cannot_fit():
    # 5 x (10 + 1) + 1 + 2 + 4 + 8 = 70 s: too many attempts whatever the read timeout
    settings = load_settings({"BEDROCK_CONNECT_TIMEOUT_SECONDS": "10", "BEDROCK_READ_TIMEOUT_SECONDS": "25", "BEDROCK_MAX_ATTEMPTS": "5"})
    # 4 and 3 attempts cannot fit either; 2 x (10 + 3) + 1 = 27 s does
    assert settings.budget == Budget(connect=10, read=3, attempts=2)
    assert settings.budget.worst_case == 27


def test_a_shorter_lambda_timeout_shrinks_the_budget_below_it():
    settings = load_settings({**DEFAULTS, "LAMBDA_TIMEOUT_SECONDS": "10"})
    assert settings.budget_limit == 10
    assert settings.budget.worst_case < 10


def test_a_lambda_timeout_above_the_gateway_still_ends_before_29_s():
    settings = load_settings({**DEFAULTS, "BEDROCK_READ_TIMEOUT_SECONDS": "60", "LAMBDA_TIMEOUT_SECONDS": "120"})
    assert settings.budget_limit == 29
    assert settings.budget.worst_case < 29


@given(connect=st.integers(1, 60), read=st.integers(1, 900), attempts=st.integers(1, 10), lambda_timeout=st.integers(3, 900))
def test_any_configuration_ends_before_both_timeouts(connect, read, attempts, lambda_timeout):
    settings = load_settings({"BEDROCK_CONNECT_TIMEOUT_SECONDS": str(connect), "BEDROCK_READ_TIMEOUT_SECONDS": str(read),
                              "BEDROCK_MAX_ATTEMPTS": str(attempts), "LAMBDA_TIMEOUT_SECONDS": str(lambda_timeout)})
    budget = settings.budget
    assert budget.worst_case < min(API_GATEWAY_TIMEOUT_SECONDS, lambda_timeout)
    assert budget.connect <= connect and budget.read <= read and budget.attempts <= attempts
    if worst_case_seconds(connect, read, attempts) < min(29, lambda_timeout):
        assert budget == Budget(connect, read, attempts)  # a budget that fits is never touched


def test_unreadable_settings_fall_back_to_defaults_and_are_reported():
    settings = load_settings({"MAX_TOKENS_CAP": "lots", "BEDROCK_MAX_ATTEMPTS": "0", "PROMPT_MAX_CHARS": "-5"})
    assert (settings.max_tokens_cap, settings.budget.attempts, settings.prompt_max_chars) == (4096, 2, 20000)
    assert len(settings.corrections) == 3
    assert any("MAX_TOKENS_CAP='lots'" in note for note in settings.corrections)


def test_default_max_tokens_never_exceeds_the_cap():
    settings = load_settings({"MAX_TOKENS_CAP": "512", "MAX_TOKENS_DEFAULT": "1024"})
    assert (settings.max_tokens_default, settings.max_tokens_cap) == (512, 512)
    settings = load_settings({"MAX_TOKENS_CAP": "512"})  # the default 1024 quietly follows the cap
    assert (settings.max_tokens_default, settings.corrections) == (512, ())


def test_environment_strings_become_typed_settings():
    settings = load_settings({
        "MODEL_ID": "eu.anthropic.claude-haiku-5", "MAX_TOKENS_DEFAULT": "100", "MAX_TOKENS_CAP": "200",
        "PROMPT_MAX_CHARS": "500", "BODY_MAX_BYTES": "4096", "CORS_ALLOW_ORIGIN": "https://app.example.com",
        "LOG_CONTENT": "true", **DEFAULTS,
    })
    assert settings == Settings(
        model_id="eu.anthropic.claude-haiku-5", max_tokens_default=100, max_tokens_cap=200, prompt_max_chars=500,
        body_max_bytes=4096, cors_allow_origin="https://app.example.com", log_content=True,
    )
    assert load_settings({}) == Settings()
    assert load_settings({"LOG_CONTENT": "false"}).log_content is False
