"""The app's settings (config.py): typed from the environment, and a Bedrock budget that fits.

Answers stream, so the budget bounds only the wait for Bedrock's *first* answer: it must end
before the Lambda timeout, so the caller gets our 504 rather than the platform's end. There
is no 29 s API Gateway cap any more (a streamed integration may run for 15 minutes), and the
read timeout bounds the silence between two events, not the length of an answer. The stack
(constructs_lib/settings.py) validates the same values at synth: every value it accepts must
reach the function unchanged, and both must do the same arithmetic.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import app as app_module
import bedrock
from config import (
    STREAM_IDLE_TIMEOUT_SECONDS,
    VARIABLES,
    Budget,
    HandlerSettings,
    Settings,
    load_settings,
    read_variable,
    worst_case_seconds,
)
from constructs_lib.aws import LambdaFunction
from constructs_lib.settings import Settings as StackSettings
from constructs_lib.settings import SettingsError, describe, synth_check
from constructs_lib.stack import handler_environment
from tests.support.app import JSON, Script, reply, sse_events
from tests.support.stack import resources_of, synth_stack

# How the app's Settings exposes each variable it is given, as the stack writes it (a string):
# a Settings field named as the declared one holds it as declared; these are shaped otherwise.
SHAPED_READS = {
    "BEDROCK_CONNECT_TIMEOUT_SECONDS": lambda s: str(s.budget.connect),
    "BEDROCK_READ_TIMEOUT_SECONDS": lambda s: str(s.budget.read),
    "BEDROCK_MAX_ATTEMPTS": lambda s: str(s.budget.attempts),
    "LAMBDA_TIMEOUT_SECONDS": lambda s: str(s.lambda_timeout),
    "GUARDRAIL_ID": lambda s: s.guardrail.identifier if s.guardrail else "",
    "GUARDRAIL_VERSION": lambda s: s.guardrail.version if s.guardrail else "",
    "GUARDRAIL_STREAM_MODE": lambda s: s.guardrail.stream_mode if s.guardrail else "sync",  # no guardrail: unused
}


def as_written(value: Any) -> str:
    """A value as the stack writes it into the function's environment."""
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def read_as_declared(name: str) -> Callable[[Settings], str]:
    return lambda s: as_written(getattr(s, name))


# How the function reads each variable it declares (config.HandlerSettings).
FUNCTION_READS = {
    item.metadata["env"]: SHAPED_READS.get(item.metadata["env"], read_as_declared(item.name))
    for item in dataclasses.fields(HandlerSettings)
}


def budget_env(connect: int, read: int, attempts: int, lambda_timeout: int | None = None) -> dict[str, str]:
    env = {
        "BEDROCK_CONNECT_TIMEOUT_SECONDS": str(connect),
        "BEDROCK_READ_TIMEOUT_SECONDS": str(read),
        "BEDROCK_MAX_ATTEMPTS": str(attempts),
    }
    return env if lambda_timeout is None else {**env, "LAMBDA_TIMEOUT_SECONDS": str(lambda_timeout)}


# ------------------------------------------------------------------ the budget


def test_the_default_budget_ends_well_before_the_default_lambda_timeout():
    settings = load_settings({})
    # 2 attempts x (2 s connect + 30 s read) + at most 1 s back-off, before the first event
    assert settings.budget == Budget(connect=2, read=30, attempts=2)
    # and before API Gateway's idle timeout, which is shorter than the default Lambda timeout
    assert (
        settings.budget.worst_case
        == 65
        < settings.budget_limit
        == STREAM_IDLE_TIMEOUT_SECONDS
        < settings.lambda_timeout
    )
    assert settings.corrections == ()


def test_the_deployed_client_uses_the_budget_and_standard_retries():
    config = app_module.BEDROCK.meta.config
    budget = app_module.SETTINGS.budget
    assert (config.connect_timeout, config.read_timeout) == (budget.connect, budget.read)
    assert config.retries == {"mode": "standard", "total_max_attempts": budget.attempts}
    assert config.max_pool_connections == bedrock.MAX_OPEN_STREAMS  # one connection per open stream


def test_a_budget_past_the_lambda_timeout_is_clamped_and_reported():
    # GIVEN 2 x (2 + 25) + 1 = 55 s, past a 28 s Lambda timeout
    settings = load_settings(budget_env(2, 25, 2, lambda_timeout=28))
    # THEN the read timeout gives way first: 2 x (2 + 11) + 1 = 27 s < 28 s
    assert settings.budget == Budget(connect=2, read=11, attempts=2)
    [note] = settings.corrections
    assert "55 s does not end before 28 s" in note and "27 s" in note
    # AND the client is built with the clamped values
    assert bedrock.make_client(settings.budget).meta.config.read_timeout == 11


def test_there_is_no_29_s_api_gateway_cap_any_more():
    # 2 x (2 + 50) + 1 = 105 s: beyond the old buffered limit, within a 120 s Lambda timeout
    settings = load_settings(budget_env(2, 50, 2, lambda_timeout=120))
    assert settings.budget_limit == 120
    assert settings.budget == Budget(connect=2, read=50, attempts=2)
    assert settings.corrections == ()


@pytest.mark.parametrize("lambda_timeout, kept", [(65, False), (66, True)], ids=["equal: clamped", "one over: kept"])
def test_a_budget_exactly_at_its_limit_is_clamped_and_one_second_below_is_kept(lambda_timeout, kept):
    # 2 x (2 + 30) + 1 = 65 s must end strictly before the Lambda timeout: a tie is a race lost
    settings = load_settings(budget_env(2, 30, 2, lambda_timeout=lambda_timeout))
    assert (settings.budget == Budget(connect=2, read=30, attempts=2)) is kept
    assert (settings.corrections == ()) is kept
    assert settings.budget.worst_case < lambda_timeout


def test_budget_fit_keeps_only_a_budget_strictly_below_the_limit():
    budget = Budget(connect=2, read=30, attempts=2)  # 65 s
    assert budget.fit(65.001) is budget
    assert budget.fit(65) == Budget(connect=2, read=29, attempts=2)  # 63 s: the first read that fits


def test_retries_are_dropped_when_even_a_1_s_read_cannot_fit():
    # 5 x (10 + 1) + 1 + 2 + 4 + 8 = 70 s: too many attempts for 28 s whatever the read timeout
    settings = load_settings(budget_env(10, 25, 5, lambda_timeout=28))
    # 4 and 3 attempts cannot fit either; 2 x (10 + 3) + 1 = 27 s does
    assert settings.budget == Budget(connect=10, read=3, attempts=2)


def test_a_lone_attempt_shrinks_its_connect_timeout_last():
    # 1 x (10 + 1) = 11 s cannot end before 3 s: only the connect timeout is left to give
    settings = load_settings(budget_env(10, 10, 1, lambda_timeout=3))
    assert settings.budget == Budget(connect=1, read=1, attempts=1)
    assert settings.budget.worst_case < 3


def accepted(name: str) -> st.SearchStrategy[int]:
    """Every whole number the function accepts for a setting: its declared range."""
    return st.integers(VARIABLES[name].metadata["low"], VARIABLES[name].metadata["high"])


@given(
    connect=accepted("bedrock_connect_timeout_seconds"),
    read=accepted("bedrock_read_timeout_seconds"),
    attempts=accepted("bedrock_max_attempts"),
    lambda_timeout=accepted("lambda_timeout_seconds"),
)
def test_any_budget_ends_before_the_lambda_timeout_and_one_that_fits_is_kept(connect, read, attempts, lambda_timeout):
    settings = load_settings(budget_env(connect, read, attempts, lambda_timeout))
    budget = settings.budget
    # the first event must also come before API Gateway's idle timeout cuts a silent stream
    limit = min(lambda_timeout, STREAM_IDLE_TIMEOUT_SECONDS)
    assert budget.worst_case < limit
    assert budget.connect <= connect and budget.read <= read and budget.attempts <= attempts
    if worst_case_seconds(connect, read, attempts) < limit:
        assert budget == Budget(connect, read, attempts) and settings.corrections == ()
    else:
        assert len(settings.corrections) == 1


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_the_read_timeout_bounds_the_silence_between_events_not_the_answer(client_with, stand_in, stream):
    # GIVEN a 1 s read timeout, one attempt, and an answer of 2.5 s with a 0.25 s gap before every event
    client = client_with(Settings(budget=Budget(connect=1, read=1, attempts=1)))
    stand_in.script(Script(text=[f"w{i} " for i in range(6)], delay_between=0.25))
    response = client.post("/invoke", json={"prompt": "hi", "stream": stream}, headers=JSON)
    # THEN the whole answer arrives: no event was more than 1 s after the one before
    if stream:
        events = sse_events(response.text)
        assert [data.get("text") for _, data in events[:-1]] == [f"w{i} " for i in range(6)]
        assert events[-1][1]["stop_reason"] == "end_turn"
    else:
        answer = reply(response)
        assert (answer.status, answer.body["completion"]) == (200, "w0 w1 w2 w3 w4 w5 ")
    assert len(stand_in.calls) == 1


# ------------------------------------------------------------------ the other settings


def test_unreadable_settings_fall_back_to_defaults_and_are_reported():
    settings = load_settings(
        {
            "MAX_TOKENS_CAP": "lots",
            "BEDROCK_MAX_ATTEMPTS": "0",
            "PROMPT_MAX_CHARS": "-5",
            "LAMBDA_TIMEOUT_SECONDS": "2.5",
        }
    )
    defaults = Settings()
    assert (settings.max_tokens_cap, settings.budget.attempts, settings.prompt_max_chars, settings.lambda_timeout) == (
        defaults.max_tokens_cap,
        defaults.budget.attempts,
        defaults.prompt_max_chars,
        defaults.lambda_timeout,
    )
    assert len(settings.corrections) == 4
    assert any(
        "MAX_TOKENS_CAP='lots'" in note and f"using {defaults.max_tokens_cap}" in note for note in settings.corrections
    )
    assert any("LAMBDA_TIMEOUT_SECONDS='2.5'" in note for note in settings.corrections)


def test_the_default_max_tokens_never_exceeds_the_cap():
    settings = load_settings({"MAX_TOKENS_CAP": "512", "MAX_TOKENS_DEFAULT": "1024"})
    assert (settings.max_tokens_default, settings.max_tokens_cap) == (512, 512)
    assert "MAX_TOKENS_DEFAULT=1024 exceeds MAX_TOKENS_CAP=512" in settings.corrections[0]
    settings = load_settings({"MAX_TOKENS_CAP": "512"})  # the larger default quietly follows the cap
    assert (settings.max_tokens_default, settings.corrections) == (512, ())


def test_environment_strings_become_typed_settings():
    settings = load_settings(
        {
            "MODEL_ID": " eu.anthropic.claude-haiku-5 ",
            "MAX_TOKENS_DEFAULT": "100",
            "MAX_TOKENS_CAP": "200",
            "PROMPT_MAX_CHARS": "500",
            "BODY_MAX_BYTES": "4096",
            "CORS_ALLOW_ORIGIN": "https://app.example.com",
            "LOG_CONTENT": "true",
            **budget_env(3, 20, 3, lambda_timeout=300),
        }
    )
    assert settings == Settings(
        model_ids=("eu.anthropic.claude-haiku-5",),
        max_tokens_default=100,
        max_tokens_cap=200,
        prompt_max_chars=500,
        body_max_bytes=4096,
        cors_allow_origin="https://app.example.com",
        log_content=True,
        budget=Budget(connect=3, read=20, attempts=3),
        lambda_timeout=300,
    )
    assert load_settings({}) == Settings()
    assert load_settings({"LOG_CONTENT": "false"}).log_content is False
    assert load_settings({"LOG_CONTENT": "ON"}).log_content is True


# ------------------------------------------------------------------ agreement with the stack


class RecordingEnviron(dict):
    """An environment that remembers every variable read from it."""

    def __init__(self, **values: str) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)


def test_the_stack_sets_every_variable_the_function_reads():
    environ = RecordingEnviron(GUARDRAIL_ID="abc123")  # the guardrail's other variables are read only with one
    load_settings(environ)
    assert environ.read == set(FUNCTION_READS)
    assert environ.read <= set(handler_environment(StackSettings()))  # so no function default applies silently


def test_every_declared_variable_reaches_the_synthesized_function_and_reads_back_as_its_default():
    # GIVEN the Bedrock function of a stack synthesized with every setting at its default
    [function] = [f for f in resources_of(synth_stack(), LambdaFunction.TF_RESOURCE_TYPE) if f["handler"] == "run.sh"]
    variables = function["environment"]["variables"]
    # THEN every variable the function declares is set
    assert {item.metadata["env"] for item in VARIABLES.values()} - set(variables) == set()
    # AND the function reads each back as its declared default, with nothing to correct
    notes: list[str] = []
    assert {name: read_variable(variables, name, notes) for name in VARIABLES} == dataclasses.asdict(HandlerSettings())
    assert notes == []
    assert load_settings(variables) == Settings()


def test_the_stacks_setting_for_each_declared_variable_has_its_default_range_and_meaning():
    described = {name: (env, default, meaning) for name, env, default, meaning in describe()}
    for name, item in VARIABLES.items():
        stack = stack_field(name)
        assert described[name] == (item.metadata["env"], item.default, item.metadata["help"]), name
        low, high, choices = item.metadata["low"], item.metadata["high"], item.metadata["choices"]
        if low is not None:
            assert accepted_interval(stack) == (low, high), name
        assert all(accepts(stack, choice) for choice in choices), name
        assert not choices or not accepts(stack, "none-of-these"), name


def test_the_same_worst_case_arithmetic_as_the_stack_for_every_value_it_accepts():
    connects, reads, attempts = (
        accepted_interval(stack_field(name))
        for name in ("bedrock_connect_timeout_seconds", "bedrock_read_timeout_seconds", "bedrock_max_attempts")
    )
    for tries in range(attempts[0], attempts[1] + 1):
        for connect in range(connects[0], connects[1] + 1):
            for read in range(reads[0], reads[1] + 1):
                stack = SimpleNamespace(
                    bedrock_max_attempts=tries,
                    bedrock_connect_timeout_seconds=connect,
                    bedrock_read_timeout_seconds=read,
                )
                assert worst_case_seconds(connect, read, tries) == StackSettings.bedrock_worst_case_seconds.fget(stack)


def test_every_value_the_stack_accepts_reaches_the_function_unchanged():
    tested = {}
    for stack in stack_settings_at_the_edges():
        environment = handler_environment(stack)
        settings = load_settings(environment)
        assert settings.corrections == (), (environment, settings.corrections)
        assert {name: read(settings) for name, read in FUNCTION_READS.items()} == {
            name: environment[name] for name in FUNCTION_READS
        }
        tested.update({name: tested.get(name, set()) | {environment[name]} for name in FUNCTION_READS})
    assert {name for name, values in tested.items() if len(values) < 2} == set(), (
        tested
    )  # each took more than its default


def stack_field(name: str) -> dataclasses.Field:
    return next(item for item in dataclasses.fields(StackSettings) if item.name == name)


def accepts(item: dataclasses.Field, value: Any) -> bool:
    check = synth_check(item)
    return check is None or check(value) is None


def accepted_interval(item: dataclasses.Field, limit: int = 10**12) -> tuple[int, int]:
    """The lowest and highest whole number the stack's check accepts for ``item``, found by asking it."""

    def edge(direction: int) -> int:
        good, step = item.default, 1
        while abs(good) < limit and accepts(item, good + direction * step):
            good, step = good + direction * step, step * 2
        while step > 1:  # good is accepted, good + direction * step is not
            step //= 2
            if accepts(item, good + direction * step):
                good += direction * step
        return good

    return edge(-1), edge(+1)


# Values of the stack's text settings that its checks accept (checked below); a boolean takes both.
OTHER_VALUES = {
    "model_ids": [
        ("eu.anthropic.claude-haiku-5",),
        ("us.anthropic.claude-sonnet-5", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
    ],
    "cors_allow_origin": ["*", "https://app.example.com", "http://localhost:3000"],
    "effort": ["low", "max", "default"],
}
# Values that only go together: a guardrail needs its version, and its stream mode a guardrail.
TOGETHER = [
    {"guardrail_id": "abc123", "guardrail_version": "DRAFT"},
    {
        "guardrail_id": "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123",
        "guardrail_version": "12",
        "guardrail_stream_mode": "async",
    },
]


def stack_settings_at_the_edges() -> Iterator[StackSettings]:
    """Stack settings with each value the function reads at each end of what the stack accepts.

    A value the stack refuses in combination with the defaults (a read timeout whose budget
    outlasts the default Lambda timeout) is tried again with roomy companions; one refused in
    every combination is one no deployment can have.
    """
    names = {
        stack_field(name).metadata["env"]: name for name in (item.name for item in dataclasses.fields(StackSettings))
    }
    fields = [stack_field(names[env]) for env in FUNCTION_READS]
    edges = {item.name: accepted_interval(item) for item in fields if type(item.default) is int}
    roomy = {
        "lambda_timeout_seconds": edges["lambda_timeout_seconds"][1],
        "max_tokens_cap": edges["max_tokens_cap"][1],
        "max_tokens_default": edges["max_tokens_default"][0],
        "bedrock_max_attempts": edges["bedrock_max_attempts"][0],
        "bedrock_connect_timeout_seconds": edges["bedrock_connect_timeout_seconds"][0],
        "bedrock_read_timeout_seconds": edges["bedrock_read_timeout_seconds"][0],
    }
    candidates = [{name: value} for name, (low, high) in edges.items() for value in (low, high)]
    booleans = {item.name: [True, False] for item in fields if type(item.default) is bool}
    for name, values in {**booleans, **OTHER_VALUES}.items():
        assert all(accepts(stack_field(name), value) for value in values), name
        candidates += [{name: value} for value in values]
    for values in TOGETHER:
        assert all(accepts(stack_field(name), value) for name, value in values.items()), values
        candidates += [values]
    for values in candidates:
        for base in ({}, roomy):
            try:
                yield StackSettings(**{**base, **values})
                break
            except SettingsError:
                continue
