"""The model facts as the function uses them, pinned value by value.

models.py finds a model's row and resolves EFFORT; capabilities.py turns the row into a refusal
(the 400 naming the parameter, the model and what to do) or into the model-specific fields of
the ConverseStream call; inference.py counts and logs what was asked. The app-level tests show
these reach the caller; these say exactly what each one answers, row by row.
"""

from __future__ import annotations

import pytest

import capabilities
import models
from errors import ApiError
from inference import InferenceRequest, Message, blocks, loggable, text_chars

SONNET_5 = "us.anthropic.claude-sonnet-5"  # thinks always, refuses sampling, every effort level
OPUS_4_7 = "global.anthropic.claude-opus-4-7"  # thinks when asked, refuses sampling, every level
OPUS_4_6 = "anthropic.claude-opus-4-6-v1"  # thinks when asked, samples, no xhigh
SONNET_4_5 = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"  # temperature or top_p, no effort, no thinking
UNKNOWN = "local.stand-in-not-bedrock"  # no row: passed through unchecked

HI: tuple[Message, ...] = ({"role": "user", "content": "hi"},)


def ask(**fields) -> InferenceRequest:
    return InferenceRequest(messages=HI, max_tokens=100, **fields)


# --- models.py: which row an id has, and what EFFORT resolves to -------------------------------


@pytest.mark.parametrize("prefix", models.INFERENCE_PROFILE_PREFIXES)
def test_every_profile_prefix_is_cut_once_leaving_the_dotted_base_id(prefix):
    assert models.base_model_id(f"{prefix}anthropic.claude-opus-4-7") == "anthropic.claude-opus-4-7"


def test_an_id_without_a_profile_prefix_is_its_own_base():
    assert models.base_model_id("anthropic.claude-sonnet-5") == "anthropic.claude-sonnet-5"


@pytest.mark.parametrize(
    ("model_id", "name"),
    [
        (SONNET_5, "Claude Sonnet 5"),
        ("anthropic.claude-sonnet-5", "Claude Sonnet 5"),
        (SONNET_4_5, "Claude Sonnet 4.5"),
        ("apac.anthropic.claude-3-5-sonnet-20241022-v2:0", "Claude 3.5 Sonnet v2"),
    ],
)
def test_an_id_finds_its_family_row(model_id, name):
    assert models.facts_for(model_id).name == name


@pytest.mark.parametrize(
    "model_id",
    [
        UNKNOWN,
        "anthropic.claude-sonnet-5-5",  # another family: the pattern must match the whole id
        "xanthropic.claude-v2",  # nor may it match inside one
        "us.anthropic.claude-3-5-sonnet-20241022-v1:0",
    ],
)
def test_an_id_no_row_describes_has_no_facts(model_id):
    assert models.facts_for(model_id) is None


@pytest.mark.parametrize(
    ("effort", "model_id", "sent"),
    [
        ("default", SONNET_5, ""),  # the model's own default: send nothing
        ("auto", SONNET_5, "medium"),
        ("auto", OPUS_4_6, "medium"),
        ("auto", SONNET_4_5, ""),  # no effort control
        ("auto", UNKNOWN, ""),  # nothing known: send nothing
        ("high", SONNET_4_5, "high"),  # a level is itself, whatever the model
        ("max", UNKNOWN, "max"),
    ],
)
def test_effort_setting_resolves_per_model(effort, model_id, sent):
    assert models.resolve_effort(effort, model_id) == sent


# --- capabilities.refusal: the 400 for what the model would refuse -----------------------------


def refused(parameter: str, message: str) -> ApiError:
    return ApiError("unsupported_parameter", message, internal=f"refused before Bedrock: {parameter}", param=parameter)


@pytest.mark.parametrize(
    ("request_", "model_id", "answer"),
    [
        pytest.param(
            ask(temperature=0.0),
            SONNET_5,
            refused(
                "temperature",
                f"Claude Sonnet 5 ({SONNET_5}) accepts no 'temperature': it samples at its defaults only;"
                " remove the field",
            ),
            id="sampling refused: temperature 0 is still given",
        ),
        pytest.param(
            ask(top_p=0.5),
            OPUS_4_7,
            refused(
                "top_p",
                f"Claude Opus 4.7 ({OPUS_4_7}) accepts no 'top_p': it samples at its defaults only; remove the field",
            ),
            id="sampling refused: top_p",
        ),
        pytest.param(
            ask(temperature=1.0, top_p=0.5),
            SONNET_5,
            refused(
                "temperature",
                f"Claude Sonnet 5 ({SONNET_5}) accepts no 'temperature': it samples at its defaults only;"
                " remove the field",
            ),
            id="sampling refused: the first one given is named",
        ),
        pytest.param(
            ask(temperature=0.2, top_p=0.5),
            SONNET_4_5,
            refused("top_p", f"Claude Sonnet 4.5 ({SONNET_4_5}) accepts 'temperature' or 'top_p', not both; keep one"),
            id="exclusive: both given, the second is named",
        ),
        pytest.param(
            ask(effort="low"),
            SONNET_4_5,
            refused("effort", f"Claude Sonnet 4.5 ({SONNET_4_5}) has no effort control; remove 'effort'"),
            id="effort on a model without effort control",
        ),
        pytest.param(
            ask(effort="xhigh"),
            OPUS_4_6,
            refused("effort", f"Claude Opus 4.6 ({OPUS_4_6}) takes 'effort' low, medium, high, max, not 'xhigh'"),
            id="effort level the model lacks",
        ),
        pytest.param(
            ask(include_reasoning=True),
            SONNET_4_5,
            refused(
                "include_reasoning",
                f"Claude Sonnet 4.5 ({SONNET_4_5}) does not think, so it has no reasoning to include",
            ),
            id="reasoning from a model that does not think",
        ),
    ],
)
def test_a_request_the_model_would_refuse_gets_its_400(request_, model_id, answer):
    assert capabilities.refusal(request_, model_id) == answer


@pytest.mark.parametrize(
    ("request_", "model_id"),
    [
        pytest.param(ask(), SONNET_5, id="nothing model-specific asked"),
        pytest.param(ask(temperature=0.2), SONNET_4_5, id="exclusive: temperature alone"),
        pytest.param(ask(top_p=0.9), SONNET_4_5, id="exclusive: top_p alone"),
        pytest.param(ask(temperature=0.2, top_p=0.5), OPUS_4_6, id="sampling on a model that samples"),
        pytest.param(ask(effort="max"), OPUS_4_6, id="an effort level the model has"),
        pytest.param(ask(include_reasoning=True), OPUS_4_6, id="reasoning from a model that thinks when asked"),
        pytest.param(ask(include_reasoning=False), SONNET_4_5, id="no reasoning asked of a model that does not think"),
        pytest.param(
            ask(temperature=2.0, top_p=3.0, effort="ultra", include_reasoning=True),
            UNKNOWN,
            id="no row: nothing checked",
        ),
    ],
)
def test_a_request_the_model_accepts_gets_no_refusal(request_, model_id):
    assert capabilities.refusal(request_, model_id) is None


# --- capabilities.model_arguments: effort and thinking in the ConverseStream call ---------------

ADAPTIVE = {"additionalModelRequestFields": {"thinking": {"type": "adaptive"}}}


def effort(level: str) -> dict:
    return {"outputConfig": {"effort": level}}


@pytest.mark.parametrize(
    ("request_", "model_id", "setting", "arguments"),
    [
        pytest.param(ask(), SONNET_5, "auto", effort("medium"), id="auto where the row has medium"),
        pytest.param(ask(), SONNET_4_5, "auto", {}, id="auto on a model without effort control"),
        pytest.param(ask(), UNKNOWN, "auto", {}, id="auto on an unknown model"),
        pytest.param(ask(), UNKNOWN, "high", effort("high"), id="a level on an unknown model is sent"),
        pytest.param(ask(), SONNET_4_5, "high", {}, id="a level the row lacks is not sent"),
        pytest.param(ask(), OPUS_4_6, "xhigh", {}, id="xhigh on a model whose levels stop at max"),
        pytest.param(ask(), SONNET_5, "default", {}, id="default sends none"),
        pytest.param(ask(effort="low"), SONNET_5, "max", effort("low"), id="the request's effort beats the setting"),
        pytest.param(ask(effort="low"), UNKNOWN, "default", effort("low"), id="the request's effort, no row"),
        pytest.param(ask(), OPUS_4_6, "max", effort("max") | ADAPTIVE, id="max asks a when-asked thinker to think"),
        pytest.param(
            ask(effort="xhigh"), OPUS_4_7, "auto", effort("xhigh") | ADAPTIVE, id="xhigh asks it to think too"
        ),
        pytest.param(ask(effort="high"), OPUS_4_7, "auto", effort("high"), id="high thinks only if asked"),
        pytest.param(ask(include_reasoning=True), OPUS_4_6, "default", ADAPTIVE, id="reasoning asked: think"),
        pytest.param(ask(include_reasoning=True), SONNET_5, "default", {}, id="an always-thinker is not asked"),
        pytest.param(ask(effort="max"), SONNET_5, "auto", effort("max"), id="nor for max"),
        pytest.param(ask(include_reasoning=True), UNKNOWN, "default", {}, id="nor is an unknown model"),
    ],
)
def test_model_arguments_carry_the_resolved_effort_and_thinking_when_asked(request_, model_id, setting, arguments):
    assert capabilities.model_arguments(request_, model_id, setting) == arguments


# --- inference.py: content as blocks, counted and logged ---------------------------------------

IMAGE = {"image": {"format": "png", "source": {"bytes": b"\x89PNG"}}}
TOOL_RESULT = {"toolResult": {"toolUseId": "t1", "content": [{"text": "sunny"}, {"json": {"c": 21}}, {"text": "warm"}]}}


def test_text_content_is_one_text_block_and_blocks_stay_blocks():
    assert blocks("hi") == [{"text": "hi"}]
    assert blocks(({"text": "a"}, IMAGE)) == [{"text": "a"}, IMAGE]


def test_text_chars_counts_text_and_tool_result_text_in_every_message():
    messages: tuple[Message, ...] = (
        {"role": "user", "content": "four"},
        {"role": "assistant", "content": ({"text": "abc"}, {"toolUse": {"toolUseId": "t1", "name": "w"}})},
        {"role": "user", "content": (TOOL_RESULT, IMAGE, {"text": "xy"})},
        {"role": "assistant", "content": "seven.."},
    )
    assert text_chars(messages) == 4 + 3 + len("sunny") + len("warm") + 2 + 7


def test_loggable_keeps_text_and_blocks_but_an_image_is_its_format_and_size():
    messages: tuple[Message, ...] = (
        {"role": "user", "content": "look"},
        {"role": "assistant", "content": ({"text": "ok"},)},
        {"role": "user", "content": (IMAGE, TOOL_RESULT)},
    )
    assert loggable(messages) == [
        {"role": "user", "content": "look"},
        {"role": "assistant", "content": [{"text": "ok"}]},
        {"role": "user", "content": [{"image": {"format": "png", "bytes": 4}}, TOOL_RESULT]},
    ]
