"""API Gateway's request model agrees with the app: never refuses what the app accepts.

Bodies are run through both the JSON Schema (draft 4, as API Gateway applies it) and the
app's own parser (function/request.py). Whatever the app accepts must pass the schema; what
the schema refuses is refused by the app too, only later and at a price. The agreement is
checked for a model without a row (the schema refuses nothing model-specific); the rows'
refusals are checked on the schema alone below, until the parser makes the same ones. With
several models the schema refuses only what all of them refuse: a request may name any.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator

import capabilities as app_capabilities  # function/capabilities.py: each model's refusals
import request as app_request  # function/request.py: pure, reads no environment
from config import Settings as AppSettings
from constructs_lib.request_schema import request_schema
from function.models import EFFORT_LEVELS, facts_for

LIMITS = {"prompt_max_chars": 200, "max_tokens_cap": 50}
SCHEMA = Draft4Validator(request_schema(**LIMITS))
SERVED = ("us.anthropic.claude-sonnet-5", "anthropic.claude-haiku-4-5-20251001-v1:0")
APP = AppSettings(model_ids=SERVED, prompt_max_chars=200, max_tokens_cap=50, max_tokens_default=10)


def app_accepts(body: object) -> bool:
    parsed = app_request.parse_request(json.dumps(body).encode(), "application/json", APP)
    return isinstance(parsed, app_request.InferenceRequest)


def test_schema_fields_are_the_apps_fields():
    assert set(request_schema(**LIMITS)["properties"]) == set(app_request.FIELDS)


def test_valid_requests_pass_both():
    for body in [
        {"prompt": "hi"},
        {
            "prompt": "hi",
            "max_tokens": 50,
            "temperature": 0,
            "top_p": 1,
            "system": "be brief",
            "stop_sequences": ["END"],
        },
        {
            "messages": [
                {"role": "user", "content": "a"},
                {"role": "assistant", "content": "b"},
                {"role": "user", "content": "c"},
            ]
        },
        {"prompt": "hi", "temperature": None},
        {"prompt": "hi", "stream": True},
        {"prompt": "hi", "stream": False},
        {"prompt": "hi", "effort": "medium", "include_reasoning": True},
        {"prompt": "hi", "include_reasoning": False},
        {"prompt": "hi", "model": SERVED[1]},
    ]:
        assert app_accepts(body) and SCHEMA.is_valid(body), body


def test_null_means_not_given_so_every_optional_field_passes_null():
    for field in set(request_schema(**LIMITS)["properties"]) - {"prompt"}:
        body = {"prompt": "hi", field: None}
        assert app_accepts(body) and SCHEMA.is_valid(body), body


def test_what_the_schema_refuses_the_app_refuses_too():
    for body in [
        {"prompt": "hi", "extra": 1},
        {"prompt": "x" * 201},
        {"prompt": "hi", "max_tokens": 51},
        {"prompt": "hi", "max_tokens": True},
        {"prompt": "hi", "max_tokens": 5.5},
        {"prompt": 42},
        {"prompt": "hi", "temperature": 2},
        {"prompt": "hi", "stop_sequences": ["a", "b", "c", "d", "e"]},
        {"prompt": "hi", "stream": "yes"},
        {"prompt": "hi", "stream": 1},
        {"prompt": "hi", "model": 7},
        {"system": "no prompt"},
        [],
    ]:
        assert not SCHEMA.is_valid(body) and not app_accepts(body), body


# Mostly well-formed bodies, with values at and across the limits, so that many are accepted
# by the app (the property says nothing about bodies it refuses).
words = st.text(alphabet="ab \n\t\u00e9\u4e2d", min_size=1, max_size=205)
turns = (
    st.integers(0, 2)
    .flatmap(lambda n: st.lists(words, min_size=2 * n + 1, max_size=2 * n + 1))
    .map(
        lambda contents: [{"role": "user" if i % 2 == 0 else "assistant", "content": c} for i, c in enumerate(contents)]
    )
)
optional = st.fixed_dictionaries(
    {},
    optional={
        "system": st.one_of(st.none(), words),
        "max_tokens": st.one_of(st.none(), st.integers(0, 55)),
        "temperature": st.one_of(st.none(), st.floats(0, 1.1, allow_nan=False), st.integers(0, 1)),
        "top_p": st.one_of(st.none(), st.floats(0, 1.1, allow_nan=False)),
        "stop_sequences": st.lists(st.text(alphabet="xyz", min_size=1, max_size=4), max_size=5),
        "stream": st.one_of(st.none(), st.booleans()),
        "effort": st.one_of(st.none(), st.sampled_from(EFFORT_LEVELS)),
        "include_reasoning": st.one_of(st.none(), st.booleans()),
        "model": st.one_of(st.none(), st.sampled_from(SERVED), st.text(max_size=8)),
    },
)
bodies = st.builds(
    lambda base, extra: {**base, **extra},
    st.one_of(st.fixed_dictionaries({"prompt": words}), st.fixed_dictionaries({"messages": turns})),
    optional,
)


@settings(max_examples=500, deadline=None)
@given(bodies)
def test_schema_never_refuses_a_body_the_app_accepts(body):
    if app_accepts(body):
        assert SCHEMA.is_valid(body), list(SCHEMA.iter_errors(body))


# ------------------------------------------------------------------ the schema follows the model's row


def schema_for(*model_ids: str) -> Draft4Validator:
    return Draft4Validator(request_schema(**LIMITS, models=[facts_for(model_id) for model_id in model_ids]))


SONNET_5 = schema_for("us.anthropic.claude-sonnet-5")
SONNET_4_6 = schema_for("us.anthropic.claude-sonnet-4-6")
SONNET_4_5 = schema_for("anthropic.claude-sonnet-4-5-20250929-v1:0")
OPUS_4_5 = schema_for("anthropic.claude-opus-4-5-20251101-v1:0")


def test_sonnet_5_refuses_sampling_parameters_at_the_edge_but_null_still_means_not_given():
    for field in ("temperature", "top_p"):
        assert not SONNET_5.is_valid({"prompt": "hi", field: 1})
        assert not SONNET_5.is_valid({"prompt": "hi", field: 0.5})
        assert SONNET_5.is_valid({"prompt": "hi", field: None})


def test_a_model_that_takes_sampling_parameters_keeps_them():
    assert SONNET_4_6.is_valid({"prompt": "hi", "temperature": 0.2, "top_p": 0.9})
    assert not SONNET_4_6.is_valid({"prompt": "hi", "temperature": 2})


def test_temperature_and_top_p_one_at_a_time_where_the_model_says_so():
    assert SONNET_4_5.is_valid({"prompt": "hi", "temperature": 0.2})
    assert SONNET_4_5.is_valid({"prompt": "hi", "temperature": 0.2, "top_p": None})
    assert not SONNET_4_5.is_valid({"prompt": "hi", "temperature": 0.2, "top_p": 0.9})


def test_effort_takes_the_models_levels_only():
    assert [level for level in EFFORT_LEVELS if SONNET_5.is_valid({"prompt": "hi", "effort": level})] == list(
        EFFORT_LEVELS
    )
    assert not SONNET_4_6.is_valid({"prompt": "hi", "effort": "xhigh"})  # Sonnet 4.6 offers no xhigh
    assert not SONNET_5.is_valid({"prompt": "hi", "effort": "extreme"})
    assert not SONNET_4_5.is_valid({"prompt": "hi", "effort": "low"})  # no effort control at all
    assert SONNET_4_5.is_valid({"prompt": "hi", "effort": None})


def test_a_model_without_a_row_keeps_every_field_and_any_short_effort():
    assert SCHEMA.is_valid({"prompt": "hi", "temperature": 0.2, "top_p": 0.9, "effort": "whatever"})
    assert not SCHEMA.is_valid({"prompt": "hi", "effort": "x" * 17})  # Bedrock's own limit on the field


def test_include_reasoning_is_a_boolean_for_every_model():
    for schema in (SCHEMA, SONNET_5, SONNET_4_6, SONNET_4_5):
        assert schema.is_valid({"prompt": "hi", "include_reasoning": True})
        assert not schema.is_valid({"prompt": "hi", "include_reasoning": 1})


# ------------------------------------------------------------------ several models, and naming one


def test_an_unknown_model_passes_the_edge_and_the_function_answers_404_naming_the_served_ones():
    # A plain string, not an enum: API Gateway's validator would answer a generic 400, while the
    # function's 404 (what OpenAI answers, NotFoundError in its SDKs) lists the models served.
    body = {"prompt": "hi", "model": "anthropic.claude-nope"}
    assert SCHEMA.is_valid(body)
    refused = app_request.parse_request(json.dumps(body).encode(), "application/json", APP)
    assert refused.code == "model_not_found" and all(model_id in refused.detail for model_id in SERVED)


def test_with_several_models_a_parameter_is_refused_only_where_every_model_refuses_it():
    # Sonnet 5 refuses temperature, Sonnet 4.6 takes it: a request may name either
    mixed = schema_for("us.anthropic.claude-sonnet-5", "us.anthropic.claude-sonnet-4-6")
    assert mixed.is_valid({"prompt": "hi", "temperature": 0.2, "top_p": 0.9})
    both_refuse = schema_for("us.anthropic.claude-sonnet-5", "us.anthropic.claude-opus-4-7")
    assert not both_refuse.is_valid({"prompt": "hi", "temperature": 0.2})


def test_with_several_models_temperature_and_top_p_together_are_refused_only_if_every_model_refuses_that():
    # Sonnet 5 refuses each, Sonnet 4.5 the two together: no listed model takes both
    neither_takes_both = schema_for("us.anthropic.claude-sonnet-5", "anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert neither_takes_both.is_valid({"prompt": "hi", "temperature": 0.2})
    assert not neither_takes_both.is_valid({"prompt": "hi", "temperature": 0.2, "top_p": 0.9})
    # Sonnet 4.6 takes both
    one_takes_both = schema_for("anthropic.claude-sonnet-4-5-20250929-v1:0", "us.anthropic.claude-sonnet-4-6")
    assert one_takes_both.is_valid({"prompt": "hi", "temperature": 0.2, "top_p": 0.9})


def test_with_several_models_effort_takes_every_level_any_of_them_offers():
    mixed = schema_for("anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-opus-4-5-20251101-v1:0")
    assert [level for level in EFFORT_LEVELS if mixed.is_valid({"prompt": "hi", "effort": level})] == [
        "low",
        "medium",
        "high",
    ]
    assert not OPUS_4_5.is_valid({"prompt": "hi", "effort": "max"})
    with_sonnet_5 = schema_for("anthropic.claude-opus-4-5-20251101-v1:0", "us.anthropic.claude-sonnet-5")
    assert with_sonnet_5.is_valid({"prompt": "hi", "effort": "max"})
    no_control = schema_for("anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0")
    assert not no_control.is_valid({"prompt": "hi", "effort": "low"}) and no_control.is_valid(
        {"prompt": "hi", "effort": None}
    )
    # a model without a row may take any level: the schema leaves effort open
    assert schema_for("anthropic.claude-sonnet-4-5-20250929-v1:0", "amazon.nova-pro-v1:0").is_valid(
        {"prompt": "hi", "effort": "low"}
    )


SERVED_ROWS = schema_for(*SERVED)


def app_accepts_for_the_named_model(body: object) -> bool:
    """Parsed, and not refused by the capability check of the model it names (or the default)."""
    parsed = app_request.parse_request(json.dumps(body).encode(), "application/json", APP)
    return (
        isinstance(parsed, app_request.InferenceRequest)
        and app_capabilities.refusal(parsed, parsed.model or APP.model_id) is None
    )


@settings(max_examples=500, deadline=None)
@given(bodies)
def test_with_the_served_models_rows_the_schema_never_refuses_what_the_app_accepts(body):
    if app_accepts_for_the_named_model(body):
        assert SERVED_ROWS.is_valid(body), list(SERVED_ROWS.iter_errors(body))


def test_the_served_models_schema_still_refuses_what_no_served_model_takes():
    # Claude Sonnet 5 refuses temperature and top_p; Claude Haiku 4.5 takes one at a time
    assert SERVED_ROWS.is_valid({"prompt": "hi", "temperature": 0.2, "model": SERVED[1]})
    assert not SERVED_ROWS.is_valid({"prompt": "hi", "temperature": 0.2, "top_p": 0.9})
    assert not SERVED_ROWS.is_valid({"prompt": "hi", "effort": "extreme"})
