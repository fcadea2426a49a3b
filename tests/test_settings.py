"""Settings: safe defaults, where overrides come from, and one clear line per bad value."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from constructs_lib.settings import (
    SLOW_OUTPUT_TOKENS_PER_SECOND,
    STREAM_MAX_SECONDS,
    Settings,
    SettingsError,
    describe,
    load_settings,
)
from tests.support import PROJECT_DIR


def test_defaults_are_valid_and_safe():
    settings = Settings()
    assert settings.model_id == "us.anthropic.claude-sonnet-5"
    assert settings.region == "us-east-1"
    assert settings.log_retention_days == 365
    assert settings.log_content is False  # prompts stay out of logs unless asked for
    assert settings.cors_allow_origin == ""
    assert settings.playground is False  # no public page unless asked for


def test_logs_are_kept_a_year_by_default_every_log_group_with_them():
    # Audits expect a year; the logs hold sizes, ids and token counts, not prompts, so a year of
    # them costs cents. Every log group of the stack takes the setting.
    from constructs_lib.aws import CloudwatchLogGroup
    from tests.support.stack import resources_of, synth_stack

    assert Settings().log_retention_days == 365
    groups = resources_of(synth_stack(), CloudwatchLogGroup.TF_RESOURCE_TYPE)
    assert groups and {group["retention_in_days"] for group in groups} == {365}


def test_environment_wins_over_context_which_wins_over_default():
    context = {"model_ids": ["eu.anthropic.claude-sonnet-5"], "lambda_memory_mb": 1024}
    environ = {"MODEL_ID": "anthropic.claude-3-5-sonnet-20241022-v2:0"}

    settings = load_settings(context, environ)

    assert settings.model_ids == ("anthropic.claude-3-5-sonnet-20241022-v2:0",)  # environment
    assert settings.lambda_memory_mb == 1024  # context
    assert settings.stage_name == "v1"  # default


def test_region_comes_from_the_standard_aws_region_variable():
    assert load_settings({}, {"AWS_REGION": "eu-west-1"}).region == "eu-west-1"


def test_empty_environment_variable_means_unset():
    assert load_settings({"lambda_memory_mb": 256}, {"LAMBDA_MEMORY_MB": ""}).lambda_memory_mb == 256


@pytest.mark.parametrize("text, expected", [("true", True), ("1", True), ("ON", True), ("false", False), ("0", False)])
def test_booleans_accept_the_usual_spellings(text, expected):
    assert load_settings({}, {"LOG_CONTENT": text}).log_content is expected


@pytest.mark.parametrize(
    "variable, value, allowed",
    [
        ("NAME_PREFIX", "Bedrock_API", "lowercase letters"),
        ("ENVIRONMENT", "", None),  # empty is unset: default, no error
        ("AWS_REGION", "mars-1", "an AWS Region code"),
        ("MODEL_ID", "claude", "a Bedrock model id"),
        ("MODEL_ID", "us.anthropic.claude-sonnet-5,claude", "'claude' is not one"),
        (
            "MODEL_ID",
            "us.anthropic.claude-sonnet-5,,anthropic.claude-sonnet-4-6",
            "one entry between the commas is empty",
        ),
        (
            "MODEL_ID",
            "us.anthropic.claude-sonnet-5,us.anthropic.claude-sonnet-5",
            "'us.anthropic.claude-sonnet-5' is listed twice",
        ),
        ("GUARDRAIL_ID", "MyGuardrail", "a guardrail id (lowercase letters and digits) or a guardrail ARN"),
        ("GUARDRAIL_ID", "arn:aws:bedrock:us-east-1:123456789012:agent/abc123", "a guardrail ARN"),
        ("GUARDRAIL_VERSION", "v1", "a guardrail version number (1-99999999) or DRAFT"),
        ("GUARDRAIL_VERSION", "draft", "or DRAFT"),
        ("GUARDRAIL_STREAM_MODE", "later", "one of sync, async"),
        ("LAMBDA_MEMORY_MB", "64", "a number from 128 to 10240"),
        ("LAMBDA_MEMORY_MB", "lots", "a whole number"),
        ("LAMBDA_TIMEOUT_SECONDS", "901", "a number from 3 to 900"),
        ("LOG_RETENTION_DAYS", "45", "one of 1, 3, 5"),
        ("STAGE_NAME", "v1/beta", "letters, digits or '_'"),
        ("POWERTOOLS_LAYER_ARN", "layer-27", "a Lambda layer version ARN"),
        (
            "WEB_ADAPTER_LAYER_ARN",
            "arn:aws:lambda:us-east-1:753240598075:layer:LambdaAdapterLayerArm64",
            "a Lambda layer version ARN",
        ),
        ("MAX_TOKENS_CAP", "0", "a number from 1"),
        ("PROMPT_MAX_CHARS", "1.5", "a whole number"),
        ("BODY_MAX_BYTES", "10", "a number from 256"),
        ("CORS_ALLOW_ORIGIN", "example.com", "an origin such as"),
        ("LOG_CONTENT", "maybe", "true or false"),
        ("BEDROCK_MAX_ATTEMPTS", "9", "a number from 1 to 5"),
        ("BEDROCK_READ_TIMEOUT_SECONDS", "300", "a number from 1 to 299"),
    ],
)
def test_each_invalid_value_names_the_setting_the_value_and_what_is_allowed(variable, value, allowed):
    if allowed is None:
        load_settings({}, {variable: value})
        return
    with pytest.raises(SettingsError) as raised:
        load_settings({}, {variable: value})
    message = str(raised.value)
    assert "\n" not in message
    assert variable in message and value in message and allowed in message


def test_model_id_takes_a_list_the_first_being_the_default():
    settings = load_settings(
        {}, {"MODEL_ID": " us.anthropic.claude-sonnet-5 , anthropic.claude-haiku-4-5-20251001-v1:0"}
    )
    assert settings.model_ids == ("us.anthropic.claude-sonnet-5", "anthropic.claude-haiku-4-5-20251001-v1:0")
    assert settings.model_id == "us.anthropic.claude-sonnet-5"
    # cdktf.json context: a list, or the same comma-separated string
    assert load_settings(
        {"model_ids": ["eu.anthropic.claude-sonnet-5", "anthropic.claude-sonnet-4-6"]}, {}
    ).model_ids == ("eu.anthropic.claude-sonnet-5", "anthropic.claude-sonnet-4-6")
    assert load_settings({"model_ids": "eu.anthropic.claude-sonnet-5"}, {}).model_ids == (
        "eu.anthropic.claude-sonnet-5",
    )
    with pytest.raises(
        SettingsError, match=r"MODEL_ID \(model_ids\) = 7: expected a comma-separated string or a list of strings"
    ):
        load_settings({"model_ids": 7}, {})


def test_a_guardrail_needs_its_version_and_its_settings_need_a_guardrail():
    with pytest.raises(SettingsError) as raised:
        load_settings({}, {"GUARDRAIL_ID": "abc123"})
    assert str(raised.value).startswith(
        "invalid setting GUARDRAIL_VERSION (guardrail_version) = '': GUARDRAIL_ID 'abc123'"
    )
    assert "DRAFT" in str(raised.value)
    for variable, value in (("GUARDRAIL_VERSION", "3"), ("GUARDRAIL_STREAM_MODE", "async")):
        with pytest.raises(
            SettingsError, match=f"invalid setting {variable} .* no guardrail to apply it to: set GUARDRAIL_ID"
        ):
            load_settings({}, {variable: value})
    arn = "arn:aws:bedrock:eu-west-1:123456789012:guardrail/abc123"
    for identifier, version in (("abc123", "DRAFT"), ("abc123", "12"), (arn, "1")):
        settings = load_settings({}, {"GUARDRAIL_ID": identifier, "GUARDRAIL_VERSION": version})
        assert (settings.guardrail_id, settings.guardrail_version, settings.guardrail_stream_mode) == (
            identifier,
            version,
            "sync",
        )


def test_default_max_tokens_may_not_exceed_the_cap():
    with pytest.raises(SettingsError, match=r"MAX_TOKENS_DEFAULT .* must not exceed MAX_TOKENS_CAP"):
        load_settings({}, {"MAX_TOKENS_DEFAULT": "5000", "MAX_TOKENS_CAP": "4096"})
    # a default nobody set follows a lower cap, as the function's does
    assert load_settings({}, {"MAX_TOKENS_CAP": "2048"}).max_tokens_default == 2048
    assert load_settings({"max_tokens_cap": 100_000}, {}).max_tokens_default == Settings().max_tokens_default


def test_the_playground_goes_with_an_api_key_or_no_auth_never_with_sigv4():
    assert load_settings({}, {"PLAYGROUND": "true"}).playground is True
    assert load_settings({"playground": True, "auth": "none"}, {}).playground is True
    with pytest.raises(
        SettingsError,
        match=r"^invalid setting PLAYGROUND .*AUTH is 'iam', and a page in a browser "
        r"cannot sign SigV4 requests; use AUTH=api_key",
    ):
        load_settings({}, {"PLAYGROUND": "1", "AUTH": "iam"})


def test_bedrock_time_budget_must_fit_inside_the_lambda_timeout():
    # Defaults: 2 attempts x (2 s connect + 30 s read) + 1 s back-off = 65 s < 210 s.
    assert Settings().bedrock_worst_case_seconds == 65
    with pytest.raises(SettingsError, match=r"take up to 65 s, which must stay below LAMBDA_TIMEOUT_SECONDS \(60\)"):
        load_settings({}, {"LAMBDA_TIMEOUT_SECONDS": "60"})


def test_a_bedrock_budget_equal_to_the_lambda_timeout_is_refused_and_one_second_less_is_not():
    # 65 s must end strictly before the timeout: at a tie, the platform's cut would race our 504
    small = {"MAX_TOKENS_CAP": "100", "MAX_TOKENS_DEFAULT": "100"}  # so no other timeout check applies
    with pytest.raises(SettingsError, match=r"take up to 65 s, which must stay below LAMBDA_TIMEOUT_SECONDS \(65\)"):
        load_settings({}, {**small, "LAMBDA_TIMEOUT_SECONDS": "65"})
    assert load_settings({}, {**small, "LAMBDA_TIMEOUT_SECONDS": "66"}).lambda_timeout_seconds == 66


def test_bedrock_time_budget_must_end_before_api_gateway_drops_a_silent_stream():
    # Nothing reaches the caller before the model's first event; API Gateway ends a stream idle for 300 s.
    assert (
        load_settings(
            {}, {"LAMBDA_TIMEOUT_SECONDS": "900", "BEDROCK_READ_TIMEOUT_SECONDS": "140"}
        ).bedrock_worst_case_seconds
        == 285
    )
    with pytest.raises(
        SettingsError, match=r"take up to 405 s, which must stay below .* and API Gateway's 300 s stream idle timeout"
    ):
        load_settings({}, {"LAMBDA_TIMEOUT_SECONDS": "900", "BEDROCK_READ_TIMEOUT_SECONDS": "200"})


def test_default_timeout_fits_a_full_answer_at_a_slow_30_tokens_a_second_after_a_retry():
    # the Bedrock budget before the first token, then MAX_TOKENS_CAP tokens at 30 a second
    settings = Settings()
    assert settings.long_answer_seconds == (
        settings.bedrock_worst_case_seconds + settings.max_tokens_cap / SLOW_OUTPUT_TOKENS_PER_SECOND
    )
    assert settings.long_answer_seconds < settings.lambda_timeout_seconds <= STREAM_MAX_SECONDS


def test_unknown_context_key_is_refused_but_cdktf_own_keys_pass():
    with pytest.raises(SettingsError, match=r"unknown setting 'modle_id' in cdktf\.json context"):
        load_settings({"modle_id": "x"}, {})
    load_settings({"excludeStackIdFromLogicalIds": "true"}, {})


def test_every_setting_has_an_environment_variable_and_a_meaning():
    rows = list(describe())
    assert len({env for _, env, _, _ in rows}) == len(rows)
    assert all(env.isupper() and meaning.endswith(".") for _, env, _, meaning in rows)


def test_bad_setting_fails_synth_with_one_line_and_no_traceback():
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "LAMBDA_MEMORY_MB": "64"},
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: invalid setting LAMBDA_MEMORY_MB (lambda_memory_mb) = 64: expected a number from 128 to 10240"
    ]


@pytest.mark.parametrize(
    ("context", "environ", "message"),
    [
        ({}, {"WAF_ENABLED": "maybe"}, "WAF_ENABLED (waf_enabled) = 'maybe': expected true or false"),
        (
            {},
            {"PRICE_INPUT_USD_PER_MTOK": "cheap"},
            "PRICE_INPUT_USD_PER_MTOK (price_input_usd_per_mtok) = 'cheap': expected a number",
        ),
        (
            {"price_input_usd_per_mtok": True},
            {},
            "PRICE_INPUT_USD_PER_MTOK (price_input_usd_per_mtok) = True: expected a number",
        ),
        ({}, {"LAMBDA_MEMORY_MB": "1.5"}, "LAMBDA_MEMORY_MB (lambda_memory_mb) = '1.5': expected a whole number"),
        ({"lambda_memory_mb": True}, {}, "LAMBDA_MEMORY_MB (lambda_memory_mb) = True: expected a whole number"),
        ({"name_prefix": 7}, {}, "NAME_PREFIX (name_prefix) = 7: expected a string"),
        ({"model_ids": 7}, {}, "MODEL_ID (model_ids) = 7: expected a comma-separated string or a list of strings"),
    ],
    ids=["flag", "number", "number-not-a-boolean", "whole-number", "whole-number-not-a-boolean", "string", "list"],
)
def test_a_value_of_the_wrong_type_is_refused_naming_the_setting_the_value_and_the_type(context, environ, message):
    with pytest.raises(SettingsError) as refused:
        load_settings(context, environ)
    assert str(refused.value) == f"invalid setting {message}"


@pytest.mark.parametrize("names", ["web,web", "web,batch,web,web"])
def test_an_api_key_name_given_twice_is_refused_naming_it(names):
    with pytest.raises(SettingsError, match=r"API_KEY_NAMES .*each name once \(web is repeated\)"):
        load_settings({}, {"API_KEY_NAMES": names})
    assert load_settings({}, {"API_KEY_NAMES": "web,batch"}).key_names == ("web", "batch")


def test_a_choice_setting_takes_only_its_own_choices_not_the_effort_levels():
    # EFFORT alone adds the model table's levels to its declared choices
    with pytest.raises(SettingsError, match=r"GUARDRAIL_STREAM_MODE .* = 'high': expected one of sync, async"):
        load_settings({}, {"GUARDRAIL_ID": "gr1", "GUARDRAIL_VERSION": "1", "GUARDRAIL_STREAM_MODE": "high"})
    assert load_settings({}, {"EFFORT": "high"}).effort == "high"


def test_a_cap_of_one_token_takes_the_unset_default_down_to_one():
    assert load_settings({}, {"MAX_TOKENS_CAP": "1"}).max_tokens_default == 1


def test_an_unknown_context_key_is_refused_listing_the_known_ones():
    with pytest.raises(SettingsError) as refused:
        load_settings({"modle_id": "x"}, {})
    known = ", ".join(item.name for item in dataclasses.fields(Settings))
    assert str(refused.value) == f"unknown setting 'modle_id' in cdktf.json context: known settings are {known}"


def test_the_settings_are_described_the_stacks_own_first_then_the_functions():
    from function.config import VARIABLES

    names = [name for name, *_ in describe()]
    assert len(names) == len(dataclasses.fields(Settings))
    function_part = [name in VARIABLES for name in names]
    assert function_part == sorted(function_part)  # False (stack's own) before True (the function's)
    assert not function_part[0] and function_part[-1]


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"GUARDRAIL_ID": "gr1"},
            "invalid setting GUARDRAIL_VERSION (guardrail_version) = '': GUARDRAIL_ID 'gr1' needs its version: a "
            "version number (`aws bedrock list-guardrails --guardrail-identifier <id>`) or DRAFT (the working copy)",
        ),
        (
            {"GUARDRAIL_VERSION": "3"},
            "invalid setting GUARDRAIL_VERSION (guardrail_version) = '3': there is no guardrail to apply it to: "
            "set GUARDRAIL_ID too, or unset it",
        ),
        (
            {"GUARDRAIL_STREAM_MODE": "async"},
            "invalid setting GUARDRAIL_STREAM_MODE (guardrail_stream_mode) = 'async': there is no guardrail to apply "
            "it to: set GUARDRAIL_ID too, or unset it",
        ),
        (
            {"API_KEY_NAMES": "web,batch,web,batch"},
            "invalid setting API_KEY_NAMES (api_key_names) = 'web,batch,web,batch': each name once (batch, web is "
            "repeated)",
        ),
    ],
    ids=["guardrail-without-version", "version-without-guardrail", "stream-mode-without-guardrail", "repeated-keys"],
)
def test_settings_that_only_make_sense_together_are_refused_with_the_whole_reason(environ, message):
    with pytest.raises(SettingsError) as refused:
        load_settings({}, environ)
    assert str(refused.value) == message


def test_an_effort_no_listed_model_offers_is_refused_saying_what_each_offers():
    # Claude Sonnet 4.5 (no effort control) beside a model whose row offers levels but not this one
    with pytest.raises(SettingsError) as refused:
        load_settings(
            {},
            {
                "MODEL_ID": "anthropic.claude-sonnet-4-5-20250929-v1:0,anthropic.claude-haiku-4-5-20251001-v1:0",
                "EFFORT": "max",
            },
        )
    message = str(refused.value)
    assert message.startswith("invalid setting EFFORT (effort) = 'max': no model of MODEL_ID offers it: ")
    assert message.endswith("; set EFFORT to a level one of them offers, auto or default (send none)")
