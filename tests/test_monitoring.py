"""Alarms, the alarm topic and the dashboard: what each watches, when it fires, whom it tells."""

from __future__ import annotations

import json

import pytest
from cdktf import Testing

from constructs_lib.aws import (
    CloudwatchDashboard,
    CloudwatchMetricAlarm,
    LambdaFunction,
    SnsTopic,
    SnsTopicSubscription,
)
from constructs_lib.monitoring import AlarmThresholds, MonitoredNames, Monitoring, TokenPrices
from constructs_lib.settings import SettingsError, load_settings
from tests.support.stack import resources_of, synth_construct, synth_stack

WATCHED = MonitoredNames(
    api_name="bedrock-api-dev",
    stage_name="v1",
    function_name="bedrock-api-dev",
    metrics_namespace="BedrockInferenceApi",
    metrics_service="bedrock-api-dev",
)
THRESHOLDS = AlarmThresholds(
    api_5xx_percent=7,
    latency_p99_ms=24000,
    lambda_errors=2,
    lambda_throttles=3,
    bedrock_throttles=4,
    daily_output_tokens=500_000,
)
PRICES = TokenPrices(input_usd_per_mtok=2.0, output_usd_per_mtok=10.0)
API = {"ApiName": "bedrock-api-dev", "Stage": "v1"}
FUNCTION = {"FunctionName": "bedrock-api-dev"}
SERVICE = {"service": "bedrock-api-dev"}


def synth_monitoring(alarm_email: str) -> str:
    return synth_construct(
        lambda stack: Monitoring(
            stack,
            "monitoring",
            name="bedrock-api-dev",
            region="eu-west-1",
            watched=WATCHED,
            thresholds=THRESHOLDS,
            prices=PRICES,
            alarm_email=alarm_email,
        )
    )


@pytest.fixture(scope="module")
def with_email() -> str:
    return synth_monitoring("oncall@example.com")


@pytest.fixture(scope="module")
def without_email() -> str:
    return synth_monitoring("")


# Each alarm's whole wiring: what it watches, the comparison (">=" where a single event is an
# incident, ">" for rates and budgets), and how many periods must breach before it fires.
ONCE = {"period": 300, "evaluation_periods": 1}
TWO_OF_THREE = {"period": 300, "evaluation_periods": 3, "datapoints_to_alarm": 2}


@pytest.mark.parametrize(
    "alarm",
    [
        # the API's 5XX rate: 5XXError averages to the fraction of requests that failed
        {
            "namespace": "AWS/ApiGateway",
            "metric_name": "5XXError",
            "dimensions": API,
            "statistic": "Average",
            "threshold": 0.07,
            "comparison_operator": "GreaterThanThreshold",
            **TWO_OF_THREE,
        },
        # p99 integration latency approaching the Lambda timeout, where answers are cut short
        {
            "namespace": "AWS/ApiGateway",
            "metric_name": "IntegrationLatency",
            "dimensions": API,
            "extended_statistic": "p99",
            "threshold": 24000,
            "comparison_operator": "GreaterThanThreshold",
            **TWO_OF_THREE,
        },
        # a crash: reaching the threshold (one crash, with a threshold of 1) is an incident
        {
            "namespace": "AWS/Lambda",
            "metric_name": "Errors",
            "dimensions": FUNCTION,
            "statistic": "Sum",
            "threshold": 2,
            "comparison_operator": "GreaterThanOrEqualToThreshold",
            **ONCE,
        },
        # throttles: the function's reserved concurrency is reached
        {
            "namespace": "AWS/Lambda",
            "metric_name": "Throttles",
            "dimensions": FUNCTION,
            "statistic": "Sum",
            "threshold": 3,
            "comparison_operator": "GreaterThanOrEqualToThreshold",
            **ONCE,
        },
        # Bedrock throttling, from the handler's EMF metric Errors{service, ErrorCode}
        {
            "namespace": "BedrockInferenceApi",
            "metric_name": "Errors",
            "dimensions": {**SERVICE, "ErrorCode": "throttled"},
            "statistic": "Sum",
            "threshold": 4,
            "comparison_operator": "GreaterThanOrEqualToThreshold",
            **ONCE,
        },
        # the day's output tokens against the budget: spending exactly the budget is not over it
        {
            "namespace": "BedrockInferenceApi",
            "metric_name": "OutputTokens",
            "dimensions": SERVICE,
            "statistic": "Sum",
            "period": 86400,
            "evaluation_periods": 1,
            "threshold": 500_000,
            "comparison_operator": "GreaterThanThreshold",
        },
    ],
    ids=[
        "api-5xx-rate",
        "latency-p99",
        "lambda-errors",
        "lambda-throttles",
        "bedrock-throttles",
        "daily-output-tokens",
    ],
)
def test_each_alarm_watches_its_metric_with_its_threshold(without_email, alarm):
    assert Testing.to_have_resource_with_properties(without_email, CloudwatchMetricAlarm.TF_RESOURCE_TYPE, alarm)


def test_every_alarm_says_what_to_do_in_one_line(without_email):
    alarms = resources_of(without_email, CloudwatchMetricAlarm.TF_RESOURCE_TYPE)
    assert len(alarms) == 6
    for alarm in alarms:
        description = alarm["alarm_description"]
        assert "\n" not in description and len(description) <= 1024
        what_happened, _, what_to_do = description.partition(": ")  # "what happened: what to do"
        assert what_happened and len(what_to_do.split()) >= 3, description
        assert alarm["alarm_name"].startswith("bedrock-api-dev-")
        assert alarm["treat_missing_data"] == "notBreaching"  # no traffic is not an incident


def test_with_an_email_every_alarm_notifies_the_topic_and_the_topic_mails_it(with_email):
    [topic_id] = json.loads(with_email)["resource"][SnsTopic.TF_RESOURCE_TYPE]
    topic_arn = f"${{{SnsTopic.TF_RESOURCE_TYPE}.{topic_id}.arn}}"
    assert Testing.to_have_resource_with_properties(
        with_email, SnsTopic.TF_RESOURCE_TYPE, {"name": "bedrock-api-dev-alarms"}
    )
    assert Testing.to_have_resource_with_properties(
        with_email,
        SnsTopicSubscription.TF_RESOURCE_TYPE,
        {
            "topic_arn": topic_arn,
            "protocol": "email",
            "endpoint": "oncall@example.com",
        },
    )
    for alarm in resources_of(with_email, CloudwatchMetricAlarm.TF_RESOURCE_TYPE):
        assert alarm["alarm_actions"] == [topic_arn]
        assert alarm["ok_actions"] == [topic_arn]


def test_without_an_email_there_is_no_topic_and_alarms_notify_nobody(without_email):
    assert not Testing.to_have_resource(without_email, SnsTopic.TF_RESOURCE_TYPE)
    assert not Testing.to_have_resource(without_email, SnsTopicSubscription.TF_RESOURCE_TYPE)
    for alarm in resources_of(without_email, CloudwatchMetricAlarm.TF_RESOURCE_TYPE):
        assert alarm["alarm_actions"] == [] and alarm["ok_actions"] == []


def dashboard_widgets(synthesized: str) -> dict[str, dict]:
    [dashboard] = resources_of(synthesized, CloudwatchDashboard.TF_RESOURCE_TYPE)
    assert dashboard["dashboard_name"] == "bedrock-api-dev"
    widgets = json.loads(dashboard["dashboard_body"])["widgets"]
    return {widget["properties"]["title"]: widget["properties"] for widget in widgets}


def test_dashboard_shows_requests_latency_errors_tokens_cost_and_the_alarms(without_email):
    widgets = dashboard_widgets(without_email)
    assert set(widgets) == {
        "Requests",
        "Latency (ms)",
        "Errors by code",
        "Tokens",
        "Estimated Bedrock cost (USD per hour)",
        "Alarms",
    }
    assert all(w["region"] == "eu-west-1" for title, w in widgets.items() if title != "Alarms")
    assert {line[-1]["stat"] for line in widgets["Latency (ms)"]["metrics"] if line[1] == "IntegrationLatency"} == {
        "p50",
        "p90",
        "p99",
    }
    [search] = [line[0]["expression"] for line in widgets["Errors by code"]["metrics"] if isinstance(line[0], dict)]
    assert search.startswith(
        'SEARCH(\'{BedrockInferenceApi,ErrorCode,service} MetricName="Errors" service="bedrock-api-dev"\''
    )
    assert [line[1] for line in widgets["Tokens"]["metrics"]] == ["InputTokens", "OutputTokens"]
    assert len(widgets["Alarms"]["alarms"]) == 6


def test_cost_line_multiplies_tokens_by_the_configured_prices(without_email):
    metrics = dashboard_widgets(without_email)["Estimated Bedrock cost (USD per hour)"]["metrics"]
    [cost] = [line[0] for line in metrics if isinstance(line[0], dict)]
    assert cost["expression"] == "(tokens_in * 2 + tokens_out * 10) / 1000000"
    ids = {line[-1]["id"]: line[1] for line in metrics if not isinstance(line[0], dict)}
    assert ids == {"tokens_in": "InputTokens", "tokens_out": "OutputTokens"}


def test_stack_wires_settings_and_the_handlers_metric_names_into_monitoring():
    settings = load_settings(
        {},
        {
            "ENVIRONMENT": "prod",
            "ALARM_EMAIL": "oncall@example.com",
            "DAILY_OUTPUT_TOKENS_BUDGET": "250000",
            "PRICE_INPUT_USD_PER_MTOK": "3",
            "PRICE_OUTPUT_USD_PER_MTOK": "15.5",
        },
    )
    synthesized = synth_stack(settings)
    functions = json.loads(synthesized)["resource"][LambdaFunction.TF_RESOURCE_TYPE]
    [(function_id, function)] = [(key, f) for key, f in functions.items() if f["function_name"] == "bedrock-api-prod"]
    [authorizer_id] = [key for key, f in functions.items() if f["function_name"] == "bedrock-api-prod-authorizer"]
    variables = function["environment"]["variables"]
    # The alarms read what the handler is told to write.
    assert Testing.to_have_resource_with_properties(
        synthesized,
        CloudwatchMetricAlarm.TF_RESOURCE_TYPE,
        {
            "namespace": variables["POWERTOOLS_METRICS_NAMESPACE"],
            "metric_name": "OutputTokens",
            "dimensions": {"service": variables["POWERTOOLS_SERVICE_NAME"]},
            "threshold": 250000,
        },
    )
    assert variables["POWERTOOLS_SERVICE_NAME"] == "bedrock-api-prod"  # environments keep their metrics apart
    lambda_alarms = [
        a for a in resources_of(synthesized, CloudwatchMetricAlarm.TF_RESOURCE_TYPE) if a["namespace"] == "AWS/Lambda"
    ]
    assert {a["dimensions"]["FunctionName"] for a in lambda_alarms} == {
        f"${{{LambdaFunction.TF_RESOURCE_TYPE}.{key}.function_name}}" for key in (function_id, authorizer_id)
    }
    assert Testing.to_have_resource_with_properties(
        synthesized, SnsTopicSubscription.TF_RESOURCE_TYPE, {"endpoint": "oncall@example.com"}
    )
    assert "(tokens_in * 3 + tokens_out * 15.5) / 1000000" in synthesized.replace("\\", "")


def test_the_key_authorizer_has_its_own_error_and_throttle_alarms_at_the_functions_thresholds():
    watched = MonitoredNames(**{**WATCHED.__dict__, "authorizer_function_name": "bedrock-api-dev-authorizer"})
    synthesized = synth_construct(
        lambda stack: Monitoring(
            stack,
            "monitoring",
            name="bedrock-api-dev",
            region="eu-west-1",
            watched=watched,
            thresholds=THRESHOLDS,
            prices=PRICES,
        )
    )
    authorizer = {"FunctionName": "bedrock-api-dev-authorizer"}
    assert Testing.to_have_resource_with_properties(
        synthesized,
        CloudwatchMetricAlarm.TF_RESOURCE_TYPE,
        {
            "alarm_name": "bedrock-api-dev-authorizer-errors",
            "namespace": "AWS/Lambda",
            "metric_name": "Errors",
            "dimensions": authorizer,
            "statistic": "Sum",
            "threshold": 2,
        },
    )
    assert Testing.to_have_resource_with_properties(
        synthesized,
        CloudwatchMetricAlarm.TF_RESOURCE_TYPE,
        {
            "alarm_name": "bedrock-api-dev-authorizer-throttles",
            "namespace": "AWS/Lambda",
            "metric_name": "Throttles",
            "dimensions": authorizer,
            "statistic": "Sum",
            "threshold": 3,
        },
    )
    # without an authorizer (AUTH=iam or none) there is nothing to watch
    without = resources_of(synth_monitoring(""), CloudwatchMetricAlarm.TF_RESOURCE_TYPE)
    assert len(without) == 6 and not [a for a in without if a["dimensions"] == authorizer]


@pytest.mark.parametrize(
    "variable, value, allowed",
    [
        ("ALARM_EMAIL", "oncall", "an email address"),
        ("ALARM_LATENCY_P99_MS", "900001", "a number from 100 to 900000"),
        ("ALARM_API_5XX_PERCENT", "0", "a number from 1 to 100"),
        ("PRICE_INPUT_USD_PER_MTOK", "cheap", "a number"),
        ("PRICE_OUTPUT_USD_PER_MTOK", "-1", "a number from 0 to 1000"),
    ],
)
def test_bad_monitoring_settings_name_the_setting_and_what_is_allowed(variable, value, allowed):
    with pytest.raises(SettingsError) as raised:
        load_settings({}, {variable: value})
    assert variable in str(raised.value) and allowed in str(raised.value)


def test_prices_accept_decimals_from_environment_and_cdktf_json():
    assert load_settings({}, {"PRICE_INPUT_USD_PER_MTOK": "0.25"}).price_input_usd_per_mtok == 0.25
    assert load_settings({"price_output_usd_per_mtok": 4}, {}).price_output_usd_per_mtok == 4.0
