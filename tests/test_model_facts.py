"""The stack follows the configured model's row: retirement warnings, the dashboard's prices, the
EFFORT setting, and what the function is told."""

from __future__ import annotations

import json
from datetime import date

import pytest

from constructs_lib.aws import CloudwatchDashboard, CloudwatchMetricAlarm
from constructs_lib.model_facts import model_warnings, retirement_notice, token_prices
from constructs_lib.settings import Settings, SettingsError, load_settings
from constructs_lib.stack import handler_environment, synth_warnings
from function.models import facts_for
from tests.support.stack import resources_of, synth_stack

OPUS_4_1 = "anthropic.claude-opus-4-1-20250805-v1:0"  # Bedrock retires it on 2027-01-08
NOT_IN_TABLE = "amazon.nova-pro-v1:0"


# ------------------------------------------------------------------ retirements


def test_a_model_past_its_end_of_life_is_retired():
    notice = retirement_notice(OPUS_4_1, date(2027, 1, 8))
    assert "Claude Opus 4.1, which Amazon Bedrock retired on 2027-01-08" in notice and "requests fail" in notice


def test_a_model_with_a_date_to_come_is_going():
    notice = retirement_notice(f"us.{OPUS_4_1}", date(2027, 1, 7))
    assert "Claude Opus 4.1, which Amazon Bedrock retires on 2027-01-08" in notice


@pytest.mark.parametrize("model_id", ["us.anthropic.claude-sonnet-5", NOT_IN_TABLE])
def test_no_notice_without_a_known_date(model_id):
    assert retirement_notice(model_id, date(2099, 1, 1)) is None


def test_a_retired_model_gets_that_one_warning_the_rest_follows_the_model_chosen_instead():
    # GIVEN a retired model without a price, whose output limit is below the default cap
    settings = load_settings({}, {"MODEL_ID": "anthropic.claude-3-5-sonnet-20241022-v2:0"})
    [warning] = model_warnings(settings, date(2026, 11, 26))
    assert "retired on 2026-03-01" in warning


def test_a_retired_model_is_a_warning_at_synth_not_an_error():
    assert any("retired on" in w for w in synth_warnings(load_settings({}, {"MODEL_ID": "anthropic.claude-v2"})))


# ------------------------------------------------------------------ prices


def cost_widget(synthesized: str) -> dict:
    [dashboard] = resources_of(synthesized, CloudwatchDashboard.TF_RESOURCE_TYPE)
    [widget] = [
        w for w in json.loads(dashboard["dashboard_body"])["widgets"] if "Estimated Bedrock cost" in json.dumps(w)
    ]
    return widget


def budget_alarm_description(synthesized: str) -> str:
    [alarm] = [
        a
        for a in resources_of(synthesized, CloudwatchMetricAlarm.TF_RESOURCE_TYPE)
        if a["metric_name"] == "OutputTokens"
    ]
    return alarm["alarm_description"]


def test_the_default_models_row_prices_the_dashboard_and_the_budget_alarm():
    sonnet = facts_for(Settings().model_id)
    synthesized = synth_stack()
    [*_, (cost,)] = cost_widget(synthesized)["properties"]["metrics"]
    assert cost["expression"] == (
        f"(tokens_in * {sonnet.input_usd_per_mtok:g} + tokens_out * {sonnet.output_usd_per_mtok:g}) / 1000000"
    )
    assert f"Claude Sonnet 5 list price, read {sonnet.prices_read}" in cost["label"]
    budget = Settings().daily_output_tokens_budget * sonnet.output_usd_per_mtok / 1_000_000
    assert f"(about ${budget:,.2f})" in budget_alarm_description(synthesized)


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({"PRICE_INPUT_USD_PER_MTOK": "2.2", "PRICE_OUTPUT_USD_PER_MTOK": "11"}, (2.2, 11.0, "PRICE_* settings")),
        (
            {"PRICE_OUTPUT_USD_PER_MTOK": "11"},
            (2.0, 11.0, "PRICE_* setting and Claude Sonnet 5 list price, read 2026-11-26"),
        ),
        ({"MODEL_ID": "us.anthropic.claude-sonnet-4-6"}, (3.0, 15.0, "Claude Sonnet 4.6 list price, read 2026-11-26")),
    ],
)
def test_a_price_setting_wins_over_the_row(environ, expected):
    prices = token_prices(load_settings({}, environ))
    assert (prices.input_usd_per_mtok, prices.output_usd_per_mtok, prices.basis) == expected


def test_a_model_without_a_price_says_price_unknown_never_a_wrong_number():
    settings = load_settings({}, {"MODEL_ID": NOT_IN_TABLE})
    assert not token_prices(settings).known
    assert any("price unknown" in w for w in synth_warnings(settings))
    synthesized = synth_stack(settings)
    widget = cost_widget(synthesized)
    assert widget["type"] == "text" and "price unknown" in widget["properties"]["markdown"]
    assert "(price unknown)" in budget_alarm_description(synthesized)
    # one price is not enough to say what the tokens cost
    assert not token_prices(load_settings({}, {"MODEL_ID": NOT_IN_TABLE, "PRICE_INPUT_USD_PER_MTOK": "1"})).known
    assert token_prices(
        load_settings({}, {"MODEL_ID": NOT_IN_TABLE, "PRICE_INPUT_USD_PER_MTOK": "1", "PRICE_OUTPUT_USD_PER_MTOK": "4"})
    ).known


# ------------------------------------------------------------------ effort


@pytest.mark.parametrize(
    "model_id, effort, refusal",
    [
        (
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "medium",
            "Claude Sonnet 4.5, and it has no effort control: set EFFORT to auto or default (send none)",
        ),
        (
            "anthropic.claude-opus-4-5-20251101-v1:0",
            "max",
            "Claude Opus 4.5, and it offers only low, medium, high, or auto or default (send none)",
        ),
        (
            "us.anthropic.claude-sonnet-4-6",
            "xhigh",
            "Claude Sonnet 4.6, and it offers only low, medium, high, max, or auto or default (send none)",
        ),
    ],
)
def test_synth_refuses_an_effort_the_model_does_not_offer(model_id, effort, refusal):
    with pytest.raises(SettingsError) as raised:
        load_settings({}, {"MODEL_ID": model_id, "EFFORT": effort})
    # the whole line: the setting, the model, what it offers and what to set instead
    assert str(raised.value) == f"invalid setting EFFORT (effort) = '{effort}': MODEL_ID '{model_id}' is {refusal}"


@pytest.mark.parametrize(
    "environ, refusal",
    [
        (
            {
                "MODEL_ID": "anthropic.claude-sonnet-4-5-20250929-v1:0,anthropic.claude-haiku-4-5-20251001-v1:0",
                "EFFORT": "low",
            },
            (
                "no model of MODEL_ID offers it: 'anthropic.claude-sonnet-4-5-20250929-v1:0' (Claude Sonnet 4.5) "
                "offers no effort control"
            ),
        ),
        (
            {"MODEL_ID": "us.anthropic.claude-sonnet-4-6,anthropic.claude-opus-4-5-20251101-v1:0", "EFFORT": "xhigh"},
            "'us.anthropic.claude-sonnet-4-6' (Claude Sonnet 4.6) offers low, medium, high, max; "
            "'anthropic.claude-opus-4-5-20251101-v1:0' (Claude Opus 4.5) offers low, medium, high",
        ),
    ],
)
def test_synth_refuses_an_effort_no_listed_model_offers(environ, refusal):
    with pytest.raises(SettingsError) as raised:
        load_settings({}, environ)
    assert str(raised.value).startswith(f"invalid setting EFFORT (effort) = '{environ['EFFORT']}'") and refusal in str(
        raised.value
    )


def test_an_effort_one_listed_model_offers_is_kept_with_a_warning_for_the_others():
    # The function sends the level to the models that offer it and none to the others.
    settings = load_settings(
        {}, {"MODEL_ID": "us.anthropic.claude-sonnet-5,us.anthropic.claude-sonnet-4-6", "EFFORT": "xhigh"}
    )
    [warning] = [w for w in model_warnings(settings, date(2026, 11, 26)) if "EFFORT" in w]
    assert warning.startswith(
        "EFFORT=xhigh: MODEL_ID 'us.anthropic.claude-sonnet-4-6' is Claude Sonnet 4.6, which does not offer it"
    )
    # a model without a row might offer it: kept, with the unchecked-effort warning
    unknown = load_settings(
        {}, {"MODEL_ID": f"anthropic.claude-sonnet-4-5-20250929-v1:0,{NOT_IN_TABLE}", "EFFORT": "high"}
    )
    assert any("not in the capability table" in w for w in model_warnings(unknown, date(2026, 11, 26)))


@pytest.mark.parametrize("effort", ["auto", "default", "high"])
def test_the_function_is_told_the_effort_as_set_and_resolves_it_per_model(effort):
    # Resolved per request's model by the function (function/models.py resolve_effort), since
    # one model of MODEL_ID may offer effort control and another not.
    assert handler_environment(load_settings({}, {"EFFORT": effort}))["EFFORT"] == effort


def test_an_effort_for_a_model_not_in_the_table_is_sent_with_a_warning():
    settings = load_settings({}, {"MODEL_ID": NOT_IN_TABLE, "EFFORT": "high"})
    assert handler_environment(settings)["EFFORT"] == "high"
    assert any("not in the capability table" in w and "EFFORT=high" in w for w in synth_warnings(settings))


def test_an_unknown_effort_level_is_refused_naming_what_is_allowed():
    with pytest.raises(SettingsError, match="expected one of auto, default, low, medium, high, xhigh, max"):
        load_settings({}, {"EFFORT": "extreme"})


# ------------------------------------------------------------------ output limits


def test_each_listed_model_gets_its_own_warnings():
    # GIVEN a current model first, a retiring one second, both under the cap
    settings = load_settings({}, {"MODEL_ID": f"us.anthropic.claude-sonnet-5,{OPUS_4_1}", "MAX_TOKENS_CAP": "40000"})
    warnings = model_warnings(settings, date(2026, 11, 26))
    assert any(
        f"MODEL_ID {OPUS_4_1!r} is Claude Opus 4.1, which Amazon Bedrock retires on 2027-01-08" in w for w in warnings
    )
    assert any("MAX_TOKENS_CAP=40000 is above Claude Opus 4.1's largest answer" in w for w in warnings)
    assert not any("Claude Sonnet 5's largest answer" in w for w in warnings)


def test_the_dashboard_prices_the_default_model_and_synth_says_when_others_cost_differently():
    settings = load_settings(
        {}, {"MODEL_ID": f"us.anthropic.claude-sonnet-5,us.anthropic.claude-opus-4-7,{NOT_IN_TABLE}"}
    )
    assert (token_prices(settings).input_usd_per_mtok, token_prices(settings).output_usd_per_mtok) == (2.0, 10.0)
    [spread] = [w for w in model_warnings(settings, date(2026, 11, 26)) if "cost line" in w]
    assert "us.anthropic.claude-opus-4-7 ($5 / $25)" in spread and f"{NOT_IN_TABLE} (price unknown)" in spread
    assert "PRICE_INPUT_USD_PER_MTOK" in spread
    # the same prices, or prices the user chose: nothing to say
    same = load_settings({}, {"MODEL_ID": "us.anthropic.claude-sonnet-5,global.anthropic.claude-sonnet-5"})
    chosen = load_settings(
        {},
        {
            "MODEL_ID": "us.anthropic.claude-sonnet-5,us.anthropic.claude-opus-4-7",
            "PRICE_INPUT_USD_PER_MTOK": "3",
            "PRICE_OUTPUT_USD_PER_MTOK": "15",
        },
    )
    assert not [w for s in (same, chosen) for w in model_warnings(s, date(2026, 11, 26)) if "cost line" in w]


def test_a_cap_above_the_models_largest_answer_gets_a_warning():
    settings = load_settings({}, {"MODEL_ID": "anthropic.claude-opus-4-1-20250805-v1:0", "MAX_TOKENS_CAP": "40000"})
    assert any(
        "MAX_TOKENS_CAP=40000 is above Claude Opus 4.1's largest answer, 32000 tokens" in w
        for w in model_warnings(settings, date(2026, 11, 26))
    )
