"""request.parse_request, the ``/invoke`` body parser: what each field becomes, and each refusal's words.

tests/app/test_app_request.py shows through the app that a bad input is a 4xx that never reaches
Bedrock; these pin what the parser answers, value for value: the request a body becomes (every
default included), each refusal's code and message (a caller mends the request from it), and
every limit on both sides (the last value kept, the first one refused).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from config import Settings
from errors import ApiError
from request import FIELDS, InferenceRequest, Message, parse_request

# Small limits, so each cut-off is easy to reach on both sides.
SETTINGS = Settings(
    model_ids=("model-a", "model-b"),
    max_tokens_default=7,
    max_tokens_cap=50,
    prompt_max_chars=10,
    body_max_bytes=256,
)
JSON = "application/json"


def parse(body: Any, settings: Settings = SETTINGS) -> InferenceRequest | ApiError:
    return parse_request(json.dumps(body).encode(), JSON, settings)


def asked(content: str = "hi", **fields: Any) -> InferenceRequest:
    """The request a one-prompt body becomes, with these fields set and the others at their defaults."""
    return InferenceRequest(messages=(Message(role="user", content=content),), max_tokens=7, **fields)


def invalid(detail: str) -> ApiError:
    return ApiError("invalid_field", detail)


# --- what a body becomes ----------------------------------------------------------------------


def test_a_prompt_alone_is_one_user_turn_with_every_default():
    assert parse({"prompt": "hi"}) == asked()


def test_every_field_given_is_carried_over():
    body = {
        "prompt": "hi",
        "system": "be brief",
        "max_tokens": 50,
        "temperature": 0,
        "top_p": 1,
        "stop_sequences": ["END", "\n\nHuman:"],
        "stream": True,
        "include_reasoning": True,
        "effort": "xhigh",
        "model": "model-b",
    }
    assert parse(body) == InferenceRequest(
        messages=(Message(role="user", content="hi"),),
        max_tokens=50,
        system="be brief",
        temperature=0.0,
        top_p=1.0,
        stop_sequences=("END", "\n\nHuman:"),
        stream=True,
        include_reasoning=True,
        effort="xhigh",
        model="model-b",
    )


def test_sampling_numbers_become_floats():
    result = parse({"prompt": "hi", "temperature": 1, "top_p": 0})
    assert (type(result.temperature), type(result.top_p)) == (float, float)


def test_null_means_not_given():
    nulls = dict.fromkeys(field for field in FIELDS if field != "prompt")
    assert parse({"prompt": "hi", **nulls}) == asked()


def test_a_conversation_alternates_from_user_and_ends_with_user():
    turns = [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "b"},
        {"role": "user", "content": "c"},
    ]
    assert parse({"messages": turns, "prompt": None}) == InferenceRequest(
        messages=(
            Message(role="user", content="a"),
            Message(role="assistant", content="b"),
            Message(role="user", content="c"),
        ),
        max_tokens=7,
    )


@pytest.mark.parametrize("level", ["low", "medium", "high", "xhigh", "max"])
def test_each_effort_level_is_accepted(level):
    assert parse({"prompt": "hi", "effort": level}) == asked(effort=level)


@pytest.mark.parametrize("text", ["tab\there", "line\nfeed", "ret\rurn", "\u00e9\U0001f600"])
def test_tab_line_feed_carriage_return_and_any_printable_character_are_text(text):
    assert parse({"prompt": text}) == asked(text)


# --- the body and its fields ------------------------------------------------------------------


def test_the_envelope_is_json_bodys_to_refuse_with_this_deployments_size_limit():
    assert parse_request(b'{"prompt": "hi"}', None, SETTINGS) == ApiError(
        "unsupported_media_type", "Content-Type is missing; send application/json"
    )
    padded = b'{"prompt": "hi"' + b" " * 240 + b"}"
    assert len(padded) == 256
    assert parse_request(padded, JSON, SETTINGS) == asked()
    assert parse_request(padded + b" ", JSON, SETTINGS) == ApiError("body_too_large", "the body exceeds 256 bytes")


@pytest.mark.parametrize(("body", "kind"), [([], "an array"), ("hi", "a string"), (None, "null")])
def test_a_body_that_is_not_an_object_is_refused_by_kind(body, kind):
    assert parse(body) == ApiError("invalid_body", f"the body must be a JSON object, not {kind}")


def test_the_first_unknown_field_is_named_with_the_known_ones():
    assert parse({"prompt": "hi", "n": 2, "logprobs": True}) == ApiError(
        "unknown_field",
        "unknown field 'n'; known fields: prompt, messages, system, max_tokens, temperature, top_p,"
        " stop_sequences, stream, include_reasoning, effort, model",
    )


@pytest.mark.parametrize("body", [{}, {"prompt": None}, {"system": "be brief"}])
def test_without_prompt_or_messages_the_prompt_is_required(body):
    assert parse(body) == ApiError("missing_field", "'prompt' is required (or 'messages' for a conversation)")


def test_prompt_and_messages_together_are_refused():
    body = {"prompt": "hi", "messages": [{"role": "user", "content": "hi"}]}
    assert parse(body) == invalid("give either 'prompt' or 'messages', not both")


# --- max_tokens: a whole number from 1 to the cap ----------------------------------------------


@pytest.mark.parametrize("max_tokens", [1, 50])
def test_max_tokens_from_1_to_the_cap_is_kept(max_tokens):
    assert parse({"prompt": "hi", "max_tokens": max_tokens}) == InferenceRequest(
        messages=(Message(role="user", content="hi"),), max_tokens=max_tokens
    )


@pytest.mark.parametrize("max_tokens", [0, 51, -1, True, 5.0, "5"])
def test_max_tokens_outside_1_to_the_cap_or_not_an_integer_is_refused(max_tokens):
    assert parse({"prompt": "hi", "max_tokens": max_tokens}) == invalid("'max_tokens' must be an integer from 1 to 50")


# --- text: prompt, system, message content -----------------------------------------------------


@pytest.mark.parametrize("field", ["prompt", "system"])
def test_text_up_to_the_limit_is_kept_and_one_more_character_is_413(field):
    body = {"prompt": "hi", field: "x" * 10}
    assert parse(body) == (asked("x" * 10) if field == "prompt" else asked(system="x" * 10))
    body[field] = "x" * 11
    assert parse(body) == ApiError("text_too_long", f"'{field}' is 11 characters; the limit is 10")


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        (5, "must be a string, not a number"),
        (["hi"], "must be a string, not an array"),
        ("", "must not be empty or only whitespace"),
        (" \t\n", "must not be empty or only whitespace"),
        (
            "ab\x00",
            "contains the control character or lone surrogate U+0000 at position 2;"
            " only tab, line feed and carriage return are allowed",
        ),
        (
            "\x7f",
            "contains the control character or lone surrogate U+007F at position 0;"
            " only tab, line feed and carriage return are allowed",
        ),
        (
            "a\ud800",
            "contains the control character or lone surrogate U+D800 at position 1;"
            " only tab, line feed and carriage return are allowed",
        ),
    ],
)
@pytest.mark.parametrize("field", ["prompt", "system"])
def test_text_that_is_not_a_string_blank_or_has_a_control_character_is_refused(field, value, detail):
    assert parse({"prompt": "hi", field: value}) == invalid(f"'{field}' {detail}")


def test_message_content_is_checked_as_text_naming_its_place():
    turns = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "x" * 11},
        {"role": "user", "content": "c"},
    ]
    assert parse({"messages": turns}) == ApiError(
        "text_too_long", "'messages[1].content' is 11 characters; the limit is 10"
    )
    turns[1]["content"] = " "
    assert parse({"messages": turns}) == invalid("'messages[1].content' must not be empty or only whitespace")


# --- messages: user and assistant turns, alternating --------------------------------------------

NOT_A_LIST = '\'messages\' must be a non-empty list of {"role", "content"} objects'


@pytest.mark.parametrize(
    ("messages", "detail"),
    [
        ([], NOT_A_LIST),
        ("hi", NOT_A_LIST),
        ({"role": "user", "content": "hi"}, NOT_A_LIST),
        (["hi"], "'messages[0]' must be an object with exactly 'role' and 'content'"),
        ([{"role": "user"}], "'messages[0]' must be an object with exactly 'role' and 'content'"),
        (
            [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "name": "x"}],
            "'messages[1]' must be an object with exactly 'role' and 'content'",
        ),
        ([{"role": "system", "content": "a"}], "'messages[0].role' must be 'user' or 'assistant'"),
        ([{"role": "User", "content": "a"}], "'messages[0].role' must be 'user' or 'assistant'"),
        (
            [{"role": "assistant", "content": "a"}],
            "'messages[0].role' must be 'user': turns alternate, starting with 'user'",
        ),
        (
            [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
            "'messages[1].role' must be 'assistant': turns alternate, starting with 'user'",
        ),
        (
            [
                {"role": "user", "content": "a"},
                {"role": "assistant", "content": "b"},
                {"role": "assistant", "content": "c"},
            ],
            "'messages[2].role' must be 'user': turns alternate, starting with 'user'",
        ),
        (
            [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}],
            "'messages' must end with a 'user' turn",
        ),
    ],
)
def test_messages_that_are_not_alternating_turns_ending_with_user_are_refused(messages, detail):
    assert parse({"messages": messages}) == invalid(detail)


# --- sampling, switches, effort, model, stop sequences ------------------------------------------


@pytest.mark.parametrize("field", ["temperature", "top_p"])
@pytest.mark.parametrize("value", [0, 0.0, 0.5, 1, 1.0])
def test_a_sampling_number_from_0_to_1_is_kept(field, value):
    assert parse({"prompt": "hi", field: value}) == asked(**{field: float(value)})


@pytest.mark.parametrize("field", ["temperature", "top_p"])
@pytest.mark.parametrize("value", [-0.01, 1.01, 2, True, "0.5", [0.5]])
def test_a_sampling_value_outside_0_to_1_or_not_a_number_is_refused(field, value):
    assert parse({"prompt": "hi", field: value}) == invalid(f"'{field}' must be a number from 0 to 1")


@pytest.mark.parametrize("field", ["stream", "include_reasoning"])
@pytest.mark.parametrize("value", [True, False])
def test_a_switch_is_true_or_false(field, value):
    assert parse({"prompt": "hi", field: value}) == asked(**{field: value})


@pytest.mark.parametrize("field", ["stream", "include_reasoning"])
@pytest.mark.parametrize(("value", "kind"), [(1, "a number"), ("true", "a string"), ({}, "an object")])
def test_a_switch_that_is_not_a_boolean_is_refused_by_kind(field, value, kind):
    assert parse({"prompt": "hi", field: value}) == invalid(f"'{field}' must be true or false, not {kind}")


@pytest.mark.parametrize("effort", ["ultra", "HIGH", "", 3])
def test_an_effort_that_is_not_a_level_is_refused_with_the_levels(effort):
    assert parse({"prompt": "hi", "effort": effort}) == invalid("'effort' must be one of low, medium, high, xhigh, max")


def test_a_model_the_deployment_serves_is_kept():
    assert parse({"prompt": "hi", "model": "model-a"}) == asked(model="model-a")


def test_a_model_not_served_is_404_naming_the_ones_that_are():
    assert parse({"prompt": "hi", "model": "model-c"}) == ApiError(
        "model_not_found", "the model 'model-c' is not served here; use one of: model-a, model-b"
    )


def test_a_model_that_is_not_a_string_is_refused_by_kind():
    assert parse({"prompt": "hi", "model": ["model-a"]}) == invalid("'model' must be a string, not an array")


def test_up_to_4_stop_sequences_are_kept_and_a_fifth_is_refused():
    four = ["a", "b", "c", "d"]
    assert parse({"prompt": "hi", "stop_sequences": four}) == asked(stop_sequences=tuple(four))
    assert parse({"prompt": "hi", "stop_sequences": []}) == asked(stop_sequences=())
    assert parse({"prompt": "hi", "stop_sequences": [*four, "e"]}) == invalid(
        "'stop_sequences' must be a list of at most 4 strings"
    )
    assert parse({"prompt": "hi", "stop_sequences": "a"}) == invalid(
        "'stop_sequences' must be a list of at most 4 strings"
    )


@pytest.mark.parametrize("bad", ["", "  ", 5, "a\x00b"])
def test_a_stop_sequence_that_is_blank_not_a_string_or_not_text_is_named_by_index(bad):
    assert parse({"prompt": "hi", "stop_sequences": ["ok", bad]}) == invalid(
        "'stop_sequences[1]' must be a non-blank string of text"
    )
