"""Today's Claude: reasoning kept apart, effort passed as Bedrock documents it, refusals before any call.

The stand-in behaves like Claude Sonnet 5 where it matters: it writes a reasoning block
before the text. What each model accepts comes from models.py's table; each test first
checks the row it relies on, so a change of the table shows up as that, not as a mystery.
"""

from __future__ import annotations

import pytest

import bedrock
import capabilities
from config import Settings
from models import EFFORT_LEVELS, MODELS, facts_for, resolve_effort
from request import InferenceRequest, Message
from tests.support.app import JSON, Script, converse_stream_shape, reply, sse_events, valid_for_botocore

DEFAULT_MODEL = Settings().model_id  # Claude Sonnet 5
PASS_THROUGH = "local.stand-in-not-bedrock"  # outside the table
TEMPERATURE_OR_TOP_P = "anthropic.claude-sonnet-4-5-20250929-v1:0"  # Claude Sonnet 4.5
OPTIONAL_THINKING = "anthropic.claude-sonnet-4-6"  # Claude Sonnet 4.6
THINKING = Script(reasoning=["The user asks about ", "relativity."], text=["Time ", "is relative."])


# --- reasoning -------------------------------------------------------------------------------


def test_the_default_model_always_thinks_on_bedrock():
    assert facts_for(DEFAULT_MODEL).thinking == "always"


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_reasoning_stays_out_of_the_answer_unless_asked(client, stand_in, stream):
    stand_in.script(THINKING)
    response = client.post("/invoke", json={"prompt": "Relativity?", "stream": stream}, headers=JSON)
    assert "The user asks" not in response.text
    if not stream:
        assert "reasoning" not in response.json()


def test_asked_for_reasoning_the_json_answer_carries_it_apart_from_the_text(client, stand_in):
    stand_in.script(THINKING)
    answer = reply(client.post("/invoke", json={"prompt": "Relativity?", "include_reasoning": True}, headers=JSON))
    assert answer.status == 200
    assert answer.body["completion"] == "Time is relative."
    assert answer.body["reasoning"] == "The user asks about relativity."


def test_asked_for_reasoning_a_stream_sends_it_first_as_reasoning_events(client, stand_in):
    stand_in.script(THINKING)
    response = client.post(
        "/invoke", json={"prompt": "Relativity?", "stream": True, "include_reasoning": True}, headers=JSON
    )
    assert [event for event in sse_events(response.text) if event[0] != "done"] == [
        ("reasoning", {"text": "The user asks about "}),
        ("reasoning", {"text": "relativity."}),
        ("delta", {"text": "Time "}),
        ("delta", {"text": "is relative."}),
    ]


def test_a_model_that_thinks_only_when_asked_is_asked_for_adaptive_thinking(client_with, stand_in):
    assert facts_for(OPTIONAL_THINKING).thinking == "optional"
    client = client_with(Settings(model_ids=(OPTIONAL_THINKING,)))
    client.post("/invoke", json={"prompt": "hi", "include_reasoning": True}, headers=JSON)
    client.post("/invoke", json={"prompt": "hi"}, headers=JSON)
    asked, not_asked = stand_in.calls
    assert asked.body["additionalModelRequestFields"] == {"thinking": {"type": "adaptive"}}
    assert "additionalModelRequestFields" not in not_asked.body


# --- effort ----------------------------------------------------------------------------------


def test_the_effort_setting_reaches_converse_stream_as_output_config(client, stand_in):
    effort = resolve_effort(Settings().effort, DEFAULT_MODEL)
    assert effort in facts_for(DEFAULT_MODEL).effort_levels
    client.post("/invoke", json={"prompt": "hi"}, headers=JSON)
    assert stand_in.calls[0].body["outputConfig"] == {"effort": effort}


def test_a_request_overrides_the_effort(client, stand_in):
    client.post("/invoke", json={"prompt": "hi", "effort": "high"}, headers=JSON)
    assert stand_in.calls[0].body["outputConfig"] == {"effort": "high"}


def test_the_effort_field_is_the_one_botocores_service_model_documents():
    request = InferenceRequest(messages=(Message(role="user", content="hi"),), max_tokens=10, effort="low")
    arguments = {
        **bedrock.converse_arguments(request, DEFAULT_MODEL),
        **capabilities.model_arguments(request, DEFAULT_MODEL, "medium"),
    }
    assert arguments["outputConfig"] == {"effort": "low"}
    valid_for_botocore(arguments)
    assert "effort" in converse_stream_shape().members["outputConfig"].members


def test_no_effort_is_sent_to_a_model_outside_the_table_unless_the_request_names_one(client_with, stand_in):
    client = client_with(Settings(model_ids=(PASS_THROUGH,), effort=resolve_effort("auto", PASS_THROUGH)))
    client.post("/invoke", json={"prompt": "hi"}, headers=JSON)
    client.post("/invoke", json={"prompt": "hi", "effort": "low"}, headers=JSON)
    unnamed, named = stand_in.calls
    assert "outputConfig" not in unnamed.body
    assert named.body["outputConfig"] == {"effort": "low"}  # the caller's choice: Bedrock decides


def test_an_effort_setting_for_a_model_outside_the_table_is_sent_as_set(client_with, stand_in):
    # EFFORT=high named explicitly (synth warns that the table cannot check it): the operator's call
    client_with(Settings(model_ids=(PASS_THROUGH,), effort="high")).post("/invoke", json={"prompt": "hi"}, headers=JSON)
    assert stand_in.calls[0].body["outputConfig"] == {"effort": "high"}


def test_xhigh_effort_turns_thinking_on_where_it_is_optional(client_with, stand_in):
    # effort is capped at `high` while thinking is off (botocore's bedrock-runtime model, OutputConfig)
    assert facts_for(OPTIONAL_THINKING).thinking == "optional" and "max" in facts_for(OPTIONAL_THINKING).effort_levels
    client = client_with(Settings(model_ids=(OPTIONAL_THINKING,)))
    client.post("/invoke", json={"prompt": "hi", "effort": "max"}, headers=JSON)
    client.post("/invoke", json={"prompt": "hi", "effort": "high"}, headers=JSON)
    highest, high = stand_in.calls
    assert highest.body["additionalModelRequestFields"] == {"thinking": {"type": "adaptive"}}
    assert "additionalModelRequestFields" not in high.body


def test_an_empty_effort_setting_sends_none(client_with, stand_in):
    client_with(Settings(effort="")).post("/invoke", json={"prompt": "hi"}, headers=JSON)
    assert "outputConfig" not in stand_in.calls[0].body


@pytest.mark.parametrize("value", ["extreme", "", "HIGH", 3, True])
def test_an_unknown_effort_is_a_400_naming_the_levels(client, stand_in, value):
    answer = reply(client.post("/invoke", json={"prompt": "hi", "effort": value}, headers=JSON))
    assert (answer.status, answer.code) == (400, "invalid_field")
    assert "low, medium, high, xhigh, max" in answer.message
    assert stand_in.calls == []


# --- what the model refuses: a 400 before any Bedrock call -------------------------------------


@pytest.mark.parametrize("parameter", sorted({"temperature", "top_p"} & facts_for(DEFAULT_MODEL).refused_parameters))
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_sampling_parameter_the_model_refuses_is_a_400_naming_it_and_the_model(client, stand_in, parameter, stream):
    answer = reply(client.post("/invoke", json={"prompt": "hi", parameter: 0.5, "stream": stream}, headers=JSON))
    assert (answer.status, answer.code) == (400, "unsupported_parameter")
    assert repr(parameter) in answer.message and facts_for(DEFAULT_MODEL).name in answer.message
    assert DEFAULT_MODEL in answer.message and "remove the field" in answer.message
    assert stand_in.calls == []


def test_the_default_model_refuses_both_sampling_parameters():
    assert {"temperature", "top_p"} <= facts_for(DEFAULT_MODEL).refused_parameters


def test_temperature_and_top_p_together_are_refused_where_the_model_takes_only_one(client_with, stand_in):
    assert {"temperature", "top_p"} <= facts_for(TEMPERATURE_OR_TOP_P).exclusive_parameters
    client = client_with(Settings(model_ids=(TEMPERATURE_OR_TOP_P,)))
    answer = reply(client.post("/invoke", json={"prompt": "hi", "temperature": 0.2, "top_p": 0.9}, headers=JSON))
    assert (answer.status, answer.code) == (400, "unsupported_parameter")
    assert "not both" in answer.message and "keep one" in answer.message
    assert stand_in.calls == []
    assert client.post("/invoke", json={"prompt": "hi", "temperature": 0.2}, headers=JSON).status_code == 200
    assert client.post("/invoke", json={"prompt": "hi", "top_p": 0.9}, headers=JSON).status_code == 200


def test_effort_is_refused_for_a_model_without_effort_control(client_with, stand_in):
    assert facts_for(TEMPERATURE_OR_TOP_P).effort_levels == ()
    client = client_with(Settings(model_ids=(TEMPERATURE_OR_TOP_P,)))
    answer = reply(client.post("/invoke", json={"prompt": "hi", "effort": "low"}, headers=JSON))
    assert (answer.status, answer.code) == (400, "unsupported_parameter")
    assert "no effort control" in answer.message
    client.post("/invoke", json={"prompt": "hi"}, headers=JSON)  # and the setting is not sent to it
    assert "outputConfig" not in stand_in.calls[0].body


def test_reasoning_is_refused_for_a_model_that_does_not_think(client_with, stand_in):
    assert facts_for(TEMPERATURE_OR_TOP_P).thinking == "none"
    client = client_with(Settings(model_ids=(TEMPERATURE_OR_TOP_P,)))
    answer = reply(client.post("/invoke", json={"prompt": "hi", "include_reasoning": True}, headers=JSON))
    assert (answer.status, answer.code) == (400, "unsupported_parameter")
    assert "does not think" in answer.message and stand_in.calls == []


def test_a_model_outside_the_table_passes_through_and_bedrocks_refusal_is_still_a_400(client_with, stand_in):
    # GIVEN a model the table does not know, which Bedrock answers like Claude Sonnet 5 does
    stand_in.script(Script(fail_before=(400, "ValidationException", "temperature is not supported for this model")))
    client = client_with(Settings(model_ids=(PASS_THROUGH,)))
    answer = reply(client.post("/invoke", json={"prompt": "hi", "temperature": 0.5}, headers=JSON))
    # THEN the request reached Bedrock, and its refusal is the caller's 400
    assert len(stand_in.calls) == 1
    assert (answer.status, answer.code) == (400, "input_rejected")


# --- the refusals as the OpenAI route reports them: the field in `param`, the whole reason -----


def _request(**fields) -> InferenceRequest:
    return InferenceRequest(messages=(Message(role="user", content="hi"),), max_tokens=10, **fields)


@pytest.mark.parametrize(
    ("fields", "param", "message"),
    [
        (
            {"temperature": 0.2, "top_p": 0.9},
            "top_p",
            "Claude Sonnet 4.5 (anthropic.claude-sonnet-4-5-20250929-v1:0) accepts 'temperature' or 'top_p', "
            "not both; keep one",
        ),
        (
            {"effort": "low"},
            "effort",
            "Claude Sonnet 4.5 (anthropic.claude-sonnet-4-5-20250929-v1:0) has no effort control; remove 'effort'",
        ),
        (
            {"include_reasoning": True},
            "include_reasoning",
            "Claude Sonnet 4.5 (anthropic.claude-sonnet-4-5-20250929-v1:0) does not think, "
            "so it has no reasoning to include",
        ),
    ],
    ids=["not-both", "no-effort-control", "no-reasoning"],
)
def test_each_refusal_names_its_field_as_param_and_says_why(fields, param, message):
    refused = capabilities.refusal(_request(**fields), TEMPERATURE_OR_TOP_P)
    assert refused is not None
    assert (refused.code, refused.param, refused.message) == ("unsupported_parameter", param, message)
    assert refused.internal == f"refused before Bedrock: {param}"  # the log line says which check refused


def test_an_effort_level_the_model_lacks_is_refused_listing_the_levels_it_takes():
    # a row with effort control that lacks at least one level
    row = next(row for row in MODELS if row.effort_levels and set(row.effort_levels) != set(EFFORT_LEVELS))
    model_id = row.bedrock_ids[0]
    level = next(level for level in EFFORT_LEVELS if level not in row.effort_levels)
    refused = capabilities.refusal(_request(effort=level), model_id)
    assert refused is not None and refused.param == "effort"
    assert refused.message == f"{row.name} ({model_id}) takes 'effort' {', '.join(row.effort_levels)}, not {level!r}"


@pytest.mark.parametrize(("effort", "thinks"), [("xhigh", True), ("max", True), ("high", False), ("low", False)])
def test_the_two_highest_efforts_ask_an_optional_thinker_to_think(effort, thinks):
    arguments = capabilities.model_arguments(_request(effort=effort), OPTIONAL_THINKING, "auto")
    assert ("additionalModelRequestFields" in arguments) is thinks
