"""One deployment, several models and an optional guardrail: what MODEL_ID and GUARDRAIL_* mean to the app.

MODEL_ID is a list (the first is the default); a request may name any of them and no other,
refused before any Bedrock call. EFFORT is resolved for the model each request uses, and a
guardrail screens every call.
"""

from __future__ import annotations

from config import Guardrail, Settings, load_settings
from models import EFFORT_LEVELS, facts_for
from tests.support.app import JSON, Script, reply

SONNET_5 = "us.anthropic.claude-sonnet-5"
SONNET_4_5 = "anthropic.claude-sonnet-4-5-20250929-v1:0"  # a row without effort control
SEVERAL = Settings(model_ids=(SONNET_5, SONNET_4_5))


# --- MODEL_ID as a list ----------------------------------------------------------------------


def test_model_id_names_one_model_or_several_separated_by_commas():
    assert load_settings({"MODEL_ID": SONNET_5}).model_ids == (SONNET_5,)
    assert load_settings({"MODEL_ID": f" {SONNET_5} , {SONNET_4_5},, {SONNET_5}"}).model_ids == (SONNET_5, SONNET_4_5)


def test_the_first_model_is_the_default_and_an_empty_list_means_the_built_in_default():
    assert load_settings({"MODEL_ID": f"{SONNET_4_5},{SONNET_5}"}).model_id == SONNET_4_5
    assert load_settings({"MODEL_ID": " , "}).model_ids == Settings().model_ids


def test_a_request_without_a_model_is_answered_by_the_default(client_with, stand_in):
    answer = reply(client_with(SEVERAL).post("/invoke", json={"prompt": "hi"}, headers=JSON))
    assert answer.status == 200
    assert [call.model_id for call in stand_in.calls] == [SONNET_5]
    assert answer.body["model"] == SONNET_5


def test_a_request_may_name_any_model_of_the_list(client_with, stand_in):
    client = client_with(SEVERAL)
    answer = reply(client.post("/invoke", json={"prompt": "hi", "model": SONNET_4_5}, headers=JSON))
    assert answer.status == 200
    assert [call.model_id for call in stand_in.calls] == [SONNET_4_5]
    assert answer.body["model"] == SONNET_4_5


def test_a_model_outside_the_list_is_a_404_before_any_bedrock_call(client_with, stand_in):
    answer = reply(
        client_with(SEVERAL).post("/invoke", json={"prompt": "hi", "model": "anthropic.claude-opus-5"}, headers=JSON)
    )
    assert (answer.status, answer.code) == (404, "model_not_found")
    assert SONNET_5 in answer.message and SONNET_4_5 in answer.message  # what may be named instead
    assert stand_in.calls == []


# --- EFFORT, resolved per model --------------------------------------------------------------


def test_effort_auto_is_sent_to_the_model_that_offers_it_and_not_to_the_one_that_does_not(client_with, stand_in):
    assert "medium" in facts_for(SONNET_5).effort_levels and not facts_for(SONNET_4_5).effort_levels
    client = client_with(SEVERAL)
    client.post("/invoke", json={"prompt": "hi"}, headers=JSON)
    client.post("/invoke", json={"prompt": "hi", "model": SONNET_4_5}, headers=JSON)
    first, second = stand_in.calls
    assert first.body["outputConfig"] == {"effort": "medium"}
    assert "outputConfig" not in second.body


def test_an_unknown_effort_setting_is_corrected_to_auto_and_noted():
    settings = load_settings({"EFFORT": "extreme"}, EFFORT_LEVELS)
    assert settings.effort == "auto"
    assert any("EFFORT='extreme'" in note for note in settings.corrections)
    assert load_settings({"EFFORT": " High "}, EFFORT_LEVELS).effort == "high"


def test_an_empty_effort_setting_means_default_as_it_did_when_the_stack_resolved_it():
    assert load_settings({"EFFORT": ""}, EFFORT_LEVELS).effort == "default"


# --- the guardrail ---------------------------------------------------------------------------


def test_no_guardrail_unless_guardrail_id_is_set(client, stand_in):
    assert load_settings({}).guardrail is None
    client.post("/invoke", json={"prompt": "hi"}, headers=JSON)
    assert "guardrailConfig" not in stand_in.calls[0].body


def test_the_guardrail_screens_every_call_synchronously_by_default(client_with, stand_in):
    settings = load_settings({"GUARDRAIL_ID": "gr-abc123", "GUARDRAIL_VERSION": "3"})
    assert settings.guardrail == Guardrail("gr-abc123", "3", "sync")
    client = client_with(settings)
    client.post("/invoke", json={"prompt": "hi"}, headers=JSON)
    client.post("/invoke", json={"prompt": "hi", "stream": True}, headers=JSON)
    expected = {"guardrailIdentifier": "gr-abc123", "guardrailVersion": "3", "streamProcessingMode": "sync"}
    assert [call.body["guardrailConfig"] for call in stand_in.calls] == [expected, expected]


def test_a_bad_stream_mode_falls_back_to_sync_and_a_missing_version_to_the_draft():
    settings = load_settings({"GUARDRAIL_ID": "gr-abc123", "GUARDRAIL_STREAM_MODE": "later"})
    assert settings.guardrail == Guardrail("gr-abc123", "DRAFT", "sync")
    assert len(settings.corrections) == 2
    assert (
        load_settings(
            {"GUARDRAIL_ID": "g", "GUARDRAIL_VERSION": "1", "GUARDRAIL_STREAM_MODE": "ASYNC"}
        ).guardrail.stream_mode
        == "async"
    )


def test_a_guardrail_intervention_is_the_stop_reason_the_caller_sees(client, stand_in):
    stand_in.script(Script(text=["Sorry, I can't help with that."], stop_reason="guardrail_intervened"))
    answer = reply(client.post("/invoke", json={"prompt": "hi"}, headers=JSON))
    assert answer.body["stop_reason"] == "guardrail_intervened"
