"""config.py read value by value: each variable as typed, each fallback's note, and the budget's arithmetic.

tests/app/test_app_config.py shows the settings reach the app and agree with the stack; these pin
what the pure functions answer. An operator reads the start-up log's corrections to mend a
value, so each note is compared whole; each range is tested on both sides; and the budget is
tested at its ties (a budget equal to its limit does not fit) and at each step of its fitting.
"""

from __future__ import annotations

import pytest

from config import (
    Budget,
    Guardrail,
    HandlerSettings,
    Settings,
    environment,
    load_settings,
    model_ids,
    read_variable,
    worst_case_seconds,
)

LEVELS = ("low", "medium", "high", "xhigh", "max")


def read(environ: dict[str, str], name: str, **options) -> tuple[object, list[str]]:
    """One variable as ``read_variable`` reads it, and the notes it leaves."""
    notes: list[str] = []
    return read_variable(environ, name, notes, **options), notes


# --- the Bedrock budget --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("connect", "read_", "attempts", "seconds"),
    [
        (2, 30, 1, 32.0),  # one attempt: no back-off
        (2, 30, 3, 3 * 32 + 1 + 2),  # back-offs of 1 s and 2 s before retries 1 and 2
        (1, 1, 7, 7 * 2 + 1 + 2 + 4 + 8 + 16 + 20),  # the sixth back-off is capped at 20 s, not 32
    ],
)
def test_the_worst_case_is_every_attempt_timing_out_after_the_longest_back_offs(connect, read_, attempts, seconds):
    assert worst_case_seconds(connect, read_, attempts) == seconds
    assert Budget(connect, read_, attempts).worst_case == seconds


@pytest.mark.parametrize(
    ("budget", "limit", "fitted"),
    [
        (Budget(2, 30, 1), 33, Budget(2, 30, 1)),  # 32 s < 33: kept
        (Budget(2, 30, 1), 32, Budget(2, 29, 1)),  # 32 s is not before 32: the read gives a second
        (Budget(2, 30, 1), 30, Budget(2, 27, 1)),  # 29 s < 30, and 28 would tie
        (Budget(2, 30, 2), 30, Budget(2, 12, 2)),  # 2 x 14 + 1 = 29: the retry is kept
        (Budget(2, 30, 2), 8, Budget(2, 1, 2)),  # a 1 s read is the last one kept with the retry
        (Budget(2, 30, 2), 7, Budget(2, 4, 1)),  # then the retry goes: 2 + 4 < 7
        (Budget(2, 30, 3), 8, Budget(2, 1, 2)),  # retries go one by one, 3 attempts before 2
        (Budget(10, 30, 2), 5, Budget(3, 1, 1)),  # nothing fits: a lone attempt, connect = limit - 2
        (Budget(10, 30, 2), 3, Budget(1, 1, 1)),  # and never below 1 s
        (Budget(1, 30, 2), 2, Budget(1, 1, 1)),
    ],
)
def test_a_budget_is_kept_only_strictly_below_its_limit_else_fitted_read_first(budget, limit, fitted):
    assert budget.fit(limit) == fitted


def test_the_budget_limit_is_the_lambda_timeout_up_to_the_stream_idle_timeout():
    assert Settings(lambda_timeout=299).budget_limit == 299
    assert Settings(lambda_timeout=301).budget_limit == 300


# --- single values -------------------------------------------------------------------------------


def test_the_guardrail_config_names_its_id_version_and_stream_mode():
    assert Guardrail("gr-1", "3", "async").converse_config() == {
        "guardrailIdentifier": "gr-1",
        "guardrailVersion": "3",
        "streamProcessingMode": "async",
    }


@pytest.mark.parametrize(
    ("value", "ids"),
    [
        ("m1", ("m1",)),
        (" m1 , m2,,m1, ", ("m1", "m2")),  # blanks and repeats dropped, order kept
        ("m2,m1", ("m2", "m1")),
        (" , ", ()),
    ],
)
def test_model_id_is_a_comma_separated_list(value, ids):
    assert model_ids(value) == ids


def test_the_default_model_is_the_first():
    assert Settings(model_ids=("m2", "m1")).model_id == "m2"


def test_environment_writes_each_variable_as_load_settings_reads_it():
    values = HandlerSettings(model_ids=("m1", "m2"), log_content=True, max_tokens_cap=900, guardrail_id="gr")
    written = environment(values)
    assert written == {
        "MODEL_ID": "m1,m2",
        "MAX_TOKENS_DEFAULT": "6000",
        "MAX_TOKENS_CAP": "900",
        "EFFORT": "auto",
        "GUARDRAIL_ID": "gr",
        "GUARDRAIL_VERSION": "",
        "GUARDRAIL_STREAM_MODE": "sync",
        "PROMPT_MAX_CHARS": "20000",
        "BODY_MAX_BYTES": "65536",
        "CORS_ALLOW_ORIGIN": "",
        "LOG_CONTENT": "true",
        "BEDROCK_CONNECT_TIMEOUT_SECONDS": "2",
        "BEDROCK_READ_TIMEOUT_SECONDS": "30",
        "BEDROCK_MAX_ATTEMPTS": "2",
        "LAMBDA_TIMEOUT_SECONDS": "630",
    }
    assert environment(HandlerSettings())["LOG_CONTENT"] == "false"


# --- read_variable: one declared variable, typed ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1", True), ("true", True), ("Yes", True), (" ON ", True), ("0", False), ("false", False), ("nah", False)],
)
def test_a_switch_is_on_for_1_true_yes_or_on_in_any_case(raw, value):
    assert read({"LOG_CONTENT": raw}, "log_content") == (value, [])


@pytest.mark.parametrize("environ", [{}, {"LOG_CONTENT": "  "}])
def test_an_unset_or_blank_switch_is_its_default(environ):
    assert read(environ, "log_content") == (False, [])
    assert read(environ, "log_content", default=True) == (True, [])


def test_the_model_list_is_read_and_an_empty_one_is_the_default():
    assert read({"MODEL_ID": "m1, m2"}, "model_ids") == (("m1", "m2"), [])
    assert read({"MODEL_ID": " ,"}, "model_ids") == (("us.anthropic.claude-sonnet-5",), [])
    assert read({}, "model_ids") == (("us.anthropic.claude-sonnet-5",), [])


@pytest.mark.parametrize(("raw", "number"), [("1", 1), ("5", 5), (" 3 ", 3), ("04", 4)])
def test_a_whole_number_in_its_range_is_read_in_base_10(raw, number):
    assert read({"BEDROCK_MAX_ATTEMPTS": raw}, "bedrock_max_attempts") == (number, [])


def test_numbers_in_base_10_only():
    assert read({"BEDROCK_READ_TIMEOUT_SECONDS": "19"}, "bedrock_read_timeout_seconds") == (19, [])


@pytest.mark.parametrize("raw", ["0", "6", "-1", "2.0", "two", "0x2", "1e1"])
def test_a_number_outside_its_range_or_not_whole_is_its_default_and_a_note(raw):
    assert read({"BEDROCK_MAX_ATTEMPTS": raw}, "bedrock_max_attempts") == (
        2,
        [f"BEDROCK_MAX_ATTEMPTS={raw!r} is not a whole number from 1 to 5; using 2"],
    )


def test_an_unset_or_blank_number_is_its_default_or_the_one_given_without_a_note():
    assert read({}, "max_tokens_default") == (6000, [])
    assert read({"MAX_TOKENS_DEFAULT": " "}, "max_tokens_default", default=99) == (99, [])
    assert read({"MAX_TOKENS_DEFAULT": "0"}, "max_tokens_default", default=99) == (
        99,
        ["MAX_TOKENS_DEFAULT='0' is not a whole number from 1 to 128000; using 99"],
    )


@pytest.mark.parametrize(("raw", "mode"), [("sync", "sync"), ("ASYNC", "async"), (" Async ", "async")])
def test_a_choice_is_read_in_lower_case(raw, mode):
    assert read({"GUARDRAIL_STREAM_MODE": raw}, "guardrail_stream_mode") == (mode, [])


def test_a_value_not_among_the_choices_is_the_default_and_a_note_cut_at_40_characters():
    assert read({"GUARDRAIL_STREAM_MODE": "Batch"}, "guardrail_stream_mode") == (
        "sync",
        ["GUARDRAIL_STREAM_MODE='batch' is not one of sync, async; using sync"],
    )
    long = "x" * 41
    assert read({"GUARDRAIL_STREAM_MODE": long}, "guardrail_stream_mode")[1] == [
        f"GUARDRAIL_STREAM_MODE={'x' * 40!r} is not one of sync, async; using sync"
    ]


def test_more_choices_add_to_the_declared_ones_and_none_accepts_any():
    assert read({"EFFORT": "XHigh"}, "effort", more_choices=LEVELS) == ("xhigh", [])
    assert read({"EFFORT": "Default"}, "effort", more_choices=LEVELS) == ("default", [])
    assert read({"EFFORT": "ultra"}, "effort", more_choices=None) == ("ultra", [])
    assert read({"EFFORT": "ultra"}, "effort", more_choices=LEVELS) == (
        "auto",
        ["EFFORT='ultra' is not one of auto, default, low, medium, high, xhigh, max; using auto"],
    )
    assert read({"EFFORT": "high"}, "effort") == ("auto", ["EFFORT='high' is not one of auto, default; using auto"])


def test_text_without_choices_is_taken_as_it_is_but_trimmed():
    assert read({"GUARDRAIL_ID": " Gr-AbC "}, "guardrail_id") == ("Gr-AbC", [])
    assert read({}, "guardrail_id") == ("", [])


# --- load_settings: the whole environment -----------------------------------------------------------


def test_an_empty_environment_is_every_default_with_no_corrections():
    assert load_settings({}, LEVELS) == Settings()


def test_every_variable_is_read_into_its_setting():
    environ = {
        "MODEL_ID": "m1,m2",
        "MAX_TOKENS_DEFAULT": "100",
        "MAX_TOKENS_CAP": "200",
        "EFFORT": "High",
        "GUARDRAIL_ID": "gr-1",
        "GUARDRAIL_VERSION": "4",
        "GUARDRAIL_STREAM_MODE": "async",
        "PROMPT_MAX_CHARS": "300",
        "BODY_MAX_BYTES": "4000",
        "CORS_ALLOW_ORIGIN": "https://example.com",
        "LOG_CONTENT": "true",
        "BEDROCK_CONNECT_TIMEOUT_SECONDS": "3",
        "BEDROCK_READ_TIMEOUT_SECONDS": "40",
        "BEDROCK_MAX_ATTEMPTS": "3",
        "LAMBDA_TIMEOUT_SECONDS": "800",
    }
    assert load_settings(environ, LEVELS) == Settings(
        model_ids=("m1", "m2"),
        max_tokens_default=100,
        max_tokens_cap=200,
        effort="high",
        guardrail=Guardrail("gr-1", "4", "async"),
        prompt_max_chars=300,
        body_max_bytes=4000,
        cors_allow_origin="https://example.com",
        log_content=True,
        budget=Budget(connect=3, read=40, attempts=3),
        lambda_timeout=800,
    )


def test_an_unset_default_max_tokens_follows_a_lower_cap_without_a_note():
    settings = load_settings({"MAX_TOKENS_CAP": "100"}, LEVELS)
    assert (settings.max_tokens_default, settings.max_tokens_cap, settings.corrections) == (100, 100, ())


def test_a_default_max_tokens_equal_to_the_cap_is_kept_and_one_above_is_lowered_with_a_note():
    kept = load_settings({"MAX_TOKENS_CAP": "100", "MAX_TOKENS_DEFAULT": "100"}, LEVELS)
    assert (kept.max_tokens_default, kept.corrections) == (100, ())
    lowered = load_settings({"MAX_TOKENS_CAP": "100", "MAX_TOKENS_DEFAULT": "101"}, LEVELS)
    assert (lowered.max_tokens_default, lowered.corrections) == (
        100,
        ("MAX_TOKENS_DEFAULT=101 exceeds MAX_TOKENS_CAP=100; using 100",),
    )


@pytest.mark.parametrize(
    ("environ", "effort"),
    [
        ({}, "auto"),
        ({"EFFORT": ""}, "default"),  # set but empty: send none
        ({"EFFORT": " \t"}, "default"),
        ({"EFFORT": "MAX"}, "max"),
    ],
)
def test_effort_unset_is_auto_and_set_but_empty_is_default(environ, effort):
    settings = load_settings(environ, LEVELS)
    assert (settings.effort, settings.corrections) == (effort, ())


def test_effort_levels_are_whatever_the_app_passes():
    assert load_settings({"EFFORT": "ultra"}).effort == "ultra"  # None: any
    refused = load_settings({"EFFORT": "max"}, ())
    assert (refused.effort, refused.corrections) == ("auto", ("EFFORT='max' is not one of auto, default; using auto",))


def test_a_guardrail_needs_an_id_and_its_version_defaults_to_the_draft_with_a_note():
    assert load_settings({"GUARDRAIL_VERSION": "1", "GUARDRAIL_STREAM_MODE": "async"}, LEVELS).guardrail is None
    drafted = load_settings({"GUARDRAIL_ID": "gr-1"}, LEVELS)
    assert (drafted.guardrail, drafted.corrections) == (
        Guardrail("gr-1", "DRAFT", "sync"),
        ("GUARDRAIL_VERSION is not set; using DRAFT",),
    )


def test_a_bad_guardrail_stream_mode_falls_back_to_sync_with_a_note():
    settings = load_settings({"GUARDRAIL_ID": "gr-1", "GUARDRAIL_VERSION": "2", "GUARDRAIL_STREAM_MODE": "x"}, LEVELS)
    assert (settings.guardrail, settings.corrections) == (
        Guardrail("gr-1", "2", "sync"),
        ("GUARDRAIL_STREAM_MODE='x' is not one of sync, async; using sync",),
    )


def test_a_budget_that_does_not_end_before_the_lambda_timeout_is_fitted_with_a_note():
    settings = load_settings({"LAMBDA_TIMEOUT_SECONDS": "30"}, LEVELS)
    assert (settings.budget, settings.lambda_timeout, settings.corrections) == (
        Budget(2, 12, 2),
        30,
        (
            "Bedrock budget 2 x (2 s connect + 30 s read) + back-off = 65 s does not end before 30 s"
            " (the Lambda timeout, and API Gateway's 300 s stream idle timeout); using 2 x (2 s + 12 s) = 29 s",
        ),
    )


def test_the_budget_limit_of_a_long_lambda_is_the_stream_idle_timeout():
    environ = {"LAMBDA_TIMEOUT_SECONDS": "900", "BEDROCK_READ_TIMEOUT_SECONDS": "149"}
    assert load_settings(environ, LEVELS).budget == Budget(2, 147, 2)  # 2 x 149 + 1 = 299 < 300


def test_every_correction_is_kept_in_order():
    environ = {"BEDROCK_MAX_ATTEMPTS": "9", "LOG_CONTENT": "maybe", "MAX_TOKENS_CAP": "x", "GUARDRAIL_ID": "g"}
    assert load_settings(environ, LEVELS).corrections == (
        "MAX_TOKENS_CAP='x' is not a whole number from 1 to 128000; using 16000",
        "BEDROCK_MAX_ATTEMPTS='9' is not a whole number from 1 to 5; using 2",
        "GUARDRAIL_VERSION is not set; using DRAFT",
    )
