"""Day-two operations: the alarms that say something is wrong, and the dashboard that shows what.

Alarms read API Gateway's and Lambda's own metrics, plus the EMF metrics the app writes
(function/observability.py, Powertools Metrics, namespace ``BedrockInferenceApi``, dimension
``service``): ``Errors`` (with an ``ErrorCode`` dimension), ``InputTokens``, ``OutputTokens``
and ``BedrockLatency``. Every alarm notifies one optional SNS topic.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from constructs import Construct

from constructs_lib.aws import CloudwatchDashboard, CloudwatchMetricAlarm, SnsTopic, SnsTopicSubscription
from constructs_lib.model_facts import TokenPrices

FIVE_MINUTES = 300
ONE_DAY = 86_400


@dataclass(frozen=True)
class AlarmThresholds:
    """When each alarm fires. The defaults are the settings' defaults (constructs_lib/settings.py)."""

    api_5xx_percent: int = 5
    """percent of API requests answered with a 5XX, in 2 of 3 five-minute periods"""
    latency_p99_ms: int = 600_000
    """p99 integration latency, in 2 of 3 five-minute periods; near the Lambda timeout, answers are cut short"""
    lambda_errors: int = 1
    """function failures (crash, timeout) in five minutes; the handler itself never raises"""
    lambda_throttles: int = 1
    """invocations Lambda refused in five minutes (reserved concurrency reached)"""
    bedrock_throttles: int = 5
    """requests Bedrock throttled in five minutes (the handler's ``throttled`` errors)"""
    daily_output_tokens: int = 1_000_000
    """output tokens in 24 hours"""


@dataclass(frozen=True)
class MonitoredNames:
    """What the alarms watch: names (or tokens) taken from the other constructs' attributes."""

    api_name: str
    stage_name: str
    function_name: str
    metrics_namespace: str
    """the handler's POWERTOOLS_METRICS_NAMESPACE"""
    metrics_service: str
    """the handler's POWERTOOLS_SERVICE_NAME, Powertools' default ``service`` dimension"""
    authorizer_function_name: str | None = None
    """the key authorizer (AUTH=api_key), watched like the function; None: there is none"""


class Monitoring(Construct):
    """Six alarms (eight with the key authorizer), an optional SNS topic with an email subscription, and one dashboard.

    Alarms treat missing data as fine: no traffic is not an incident. With ``alarm_email``
    empty no topic is created and the alarms only change state (visible in the console and
    on the dashboard). The topic is not KMS-encrypted on purpose: CloudWatch cannot publish to
    a topic encrypted with the AWS-managed SNS key, and a customer key for alarm mail is
    more than this app needs.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        region: str,
        watched: MonitoredNames,
        thresholds: AlarmThresholds,
        prices: TokenPrices,
        alarm_email: str = "",
        kms_key_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self.topic: SnsTopic | None = None
        if alarm_email:
            # Encrypted with the stack's key, which lets CloudWatch alarms publish (encryption.py).
            self.topic = SnsTopic(self, "topic", name=f"{name}-alarms", kms_master_key_id=kms_key_arn)
            SnsTopicSubscription(self, "email", topic_arn=self.topic.arn, protocol="email", endpoint=alarm_email)
        actions = [self.topic.arn] if self.topic else []

        api = {"ApiName": watched.api_name, "Stage": watched.stage_name}
        function = {"FunctionName": watched.function_name}
        service = {"service": watched.metrics_service}
        output_price = prices.output_usd_per_mtok
        budget_cost = (
            f"about ${thresholds.daily_output_tokens * output_price / 1_000_000:,.2f}"
            if prices.known and output_price is not None
            else "price unknown"
        )

        def alarm(key: str, description: str, **properties: Any) -> CloudwatchMetricAlarm:
            return CloudwatchMetricAlarm(
                self,
                key,
                alarm_name=f"{name}-{key.replace('_', '-')}",
                alarm_description=description,
                treat_missing_data="notBreaching",
                alarm_actions=actions,
                ok_actions=actions,
                **properties,
            )

        self.alarms = {
            "api_5xx_rate": alarm(
                "api_5xx_rate",
                f"Over {thresholds.api_5xx_percent}% of API requests got a 5XX: see 'Errors by code' on the "
                f"{name} dashboard and the function's log group; 502/503/504 codes point at Bedrock.",
                namespace="AWS/ApiGateway",
                metric_name="5XXError",
                dimensions=api,
                statistic="Average",  # 5XXError is 0 or 1 per request: its average is the rate
                threshold=thresholds.api_5xx_percent / 100,
                comparison_operator="GreaterThanThreshold",
                period=FIVE_MINUTES,
                evaluation_periods=3,
                datapoints_to_alarm=2,
            ),
            "latency_p99": alarm(
                "latency_p99",
                f"p99 integration latency is over {thresholds.latency_p99_ms} ms, near the Lambda timeout "
                "where answers end with stop_reason time_limit: check BedrockLatency on the dashboard; "
                "lower MAX_TOKENS_CAP, pick a faster MODEL_ID or raise LAMBDA_TIMEOUT_SECONDS.",
                namespace="AWS/ApiGateway",
                metric_name="IntegrationLatency",
                dimensions=api,
                extended_statistic="p99",
                threshold=thresholds.latency_p99_ms,
                comparison_operator="GreaterThanThreshold",
                period=FIVE_MINUTES,
                evaluation_periods=3,
                datapoints_to_alarm=2,
            ),
            "lambda_errors": alarm(
                "lambda_errors",
                "The function crashed or timed out (the handler itself never raises): search its log "
                "group for 'Task timed out' or a traceback.",
                namespace="AWS/Lambda",
                metric_name="Errors",
                dimensions=function,
                statistic="Sum",
                threshold=thresholds.lambda_errors,
                comparison_operator="GreaterThanOrEqualToThreshold",
                period=FIVE_MINUTES,
                evaluation_periods=1,
            ),
            "lambda_throttles": alarm(
                "lambda_throttles",
                "Lambda refused invocations: reserved concurrency (RESERVED_CONCURRENCY) is reached; raise "
                "it if the traffic is wanted, else lower THROTTLE_RATE_LIMIT.",
                namespace="AWS/Lambda",
                metric_name="Throttles",
                dimensions=function,
                statistic="Sum",
                threshold=thresholds.lambda_throttles,
                comparison_operator="GreaterThanOrEqualToThreshold",
                period=FIVE_MINUTES,
                evaluation_periods=1,
            ),
            "bedrock_throttles": alarm(
                "bedrock_throttles",
                "Bedrock is throttling this model (callers get 429 'throttled'): request a higher "
                "tokens/requests-per-minute quota in Service Quotas, or lower THROTTLE_RATE_LIMIT.",
                namespace=watched.metrics_namespace,
                metric_name="Errors",
                dimensions={**service, "ErrorCode": "throttled"},
                statistic="Sum",
                threshold=thresholds.bedrock_throttles,
                comparison_operator="GreaterThanOrEqualToThreshold",
                period=FIVE_MINUTES,
                evaluation_periods=1,
            ),
            "daily_output_tokens": alarm(
                "daily_output_tokens",
                f"Over {thresholds.daily_output_tokens} output tokens in 24 h ({budget_cost}): "
                "find the caller in the access log and API key usage; raise DAILY_OUTPUT_TOKENS_BUDGET if expected.",
                namespace=watched.metrics_namespace,
                metric_name="OutputTokens",
                dimensions=service,
                statistic="Sum",
                threshold=thresholds.daily_output_tokens,
                comparison_operator="GreaterThanThreshold",
                period=ONE_DAY,
                evaluation_periods=1,
            ),
        }
        if watched.authorizer_function_name:
            authorizer = {"FunctionName": watched.authorizer_function_name}
            self.alarms["authorizer_errors"] = alarm(
                "authorizer_errors",
                "The key authorizer crashed or timed out, so callers got 500 'authorizer_failed' instead of "
                "an answer: search its log group for a traceback or 'Task timed out'.",
                namespace="AWS/Lambda",
                metric_name="Errors",
                dimensions=authorizer,
                statistic="Sum",
                threshold=thresholds.lambda_errors,
                comparison_operator="GreaterThanOrEqualToThreshold",
                period=FIVE_MINUTES,
                evaluation_periods=1,
            )
            self.alarms["authorizer_throttles"] = alarm(
                "authorizer_throttles",
                "Lambda refused to run the key authorizer (its reserved concurrency, RESERVED_CONCURRENCY, is "
                "reached), so callers got 500 'authorizer_failed': raise it, or lower THROTTLE_RATE_LIMIT.",
                namespace="AWS/Lambda",
                metric_name="Throttles",
                dimensions=authorizer,
                statistic="Sum",
                threshold=thresholds.lambda_throttles,
                comparison_operator="GreaterThanOrEqualToThreshold",
                period=FIVE_MINUTES,
                evaluation_periods=1,
            )

        self.dashboard = CloudwatchDashboard(
            self,
            "dashboard",
            dashboard_name=name,
            dashboard_body=json.dumps(
                dashboard_body(
                    region, watched, prices, self.alarms.values(), latency_alarm_ms=thresholds.latency_p99_ms
                )
            ),
        )


def dashboard_body(
    region: str,
    watched: MonitoredNames,
    prices: TokenPrices,
    alarms: Iterable[CloudwatchMetricAlarm],
    *,
    latency_alarm_ms: int,
) -> dict[str, Any]:
    """The dashboard as CloudWatch's JSON: requests, latency, errors by code, tokens, cost, alarms."""
    ns, service = watched.metrics_namespace, watched.metrics_service
    api = ["ApiName", watched.api_name, "Stage", watched.stage_name]
    function = ["FunctionName", watched.function_name]

    def graph(
        title: str, metrics: list[list[Any]], *, x: int, y: int, period: int = FIVE_MINUTES, **extra: Any
    ) -> dict[str, Any]:
        properties = {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stacked": False,
            "period": period,
            "metrics": metrics,
            **extra,
        }
        return {"type": "metric", "x": x, "y": y, "width": 12, "height": 6, "properties": properties}

    widgets = [
        graph(
            "Requests",
            [
                ["AWS/ApiGateway", "Count", *api, {"stat": "Sum", "label": "API requests"}],
                ["AWS/Lambda", "Invocations", *function, {"stat": "Sum", "label": "Lambda invocations"}],
                ["AWS/Lambda", "Throttles", *function, {"stat": "Sum", "label": "Lambda throttles"}],
            ],
            x=0,
            y=0,
        ),
        graph(
            "Latency (ms)",
            [
                ["AWS/ApiGateway", "IntegrationLatency", *api, {"stat": "p50", "label": "integration p50"}],
                ["AWS/ApiGateway", "IntegrationLatency", *api, {"stat": "p90", "label": "integration p90"}],
                ["AWS/ApiGateway", "IntegrationLatency", *api, {"stat": "p99", "label": "integration p99"}],
                [ns, "BedrockLatency", "service", service, {"stat": "p99", "label": "Bedrock p99"}],
            ],
            x=12,
            y=0,
            annotations={
                "horizontal": [
                    {
                        "label": "latency-p99 alarm",
                        "value": latency_alarm_ms,
                    }
                ]
            },
        ),
        graph(
            "Errors by code",
            [
                [
                    {
                        "expression": f'SEARCH(\'{{{ns},ErrorCode,service}} MetricName="Errors" service="{service}"\', '
                        f"'Sum', {FIVE_MINUTES})",
                        "id": "codes",
                        "label": "",
                    }
                ],
                ["AWS/ApiGateway", "4XXError", *api, {"stat": "Sum", "label": "API 4XX"}],
                ["AWS/ApiGateway", "5XXError", *api, {"stat": "Sum", "label": "API 5XX"}],
                ["AWS/Lambda", "Errors", *function, {"stat": "Sum", "label": "Lambda errors"}],
            ],
            x=0,
            y=6,
        ),
        graph(
            "Tokens",
            [
                [ns, "InputTokens", "service", service, {"stat": "Sum", "label": "input tokens"}],
                [ns, "OutputTokens", "service", service, {"stat": "Sum", "label": "output tokens"}],
            ],
            x=12,
            y=6,
        ),
        cost_widget(prices, ns, service, graph),
        {
            "type": "alarm",
            "x": 12,
            "y": 12,
            "width": 12,
            "height": 6,
            "properties": {"title": "Alarms", "alarms": [a.arn for a in alarms]},
        },
    ]
    return {"widgets": widgets}


COST_TITLE = "Estimated Bedrock cost (USD per hour)"


def cost_widget(prices: TokenPrices, ns: str, service: str, graph: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """Tokens × prices per hour (``graph`` draws it), or a note instead of a wrong number when the
    price is unknown."""
    if not prices.known:
        return {
            "type": "text",
            "x": 0,
            "y": 12,
            "width": 12,
            "height": 6,
            "properties": {
                "markdown": (
                    f"## {COST_TITLE}\n\nprice unknown: the model has no list price in function/models.py. Set "
                    "`PRICE_INPUT_USD_PER_MTOK` and `PRICE_OUTPUT_USD_PER_MTOK` to your Bedrock price."
                )
            },
        }
    cost = f"(tokens_in * {prices.input_usd_per_mtok:g} + tokens_out * {prices.output_usd_per_mtok:g}) / 1000000"
    label = f"estimate at ${prices.input_usd_per_mtok:g} in / ${prices.output_usd_per_mtok:g} out per million tokens"
    return graph(
        COST_TITLE,
        [
            [ns, "InputTokens", "service", service, {"stat": "Sum", "id": "tokens_in", "visible": False}],
            [ns, "OutputTokens", "service", service, {"stat": "Sum", "id": "tokens_out", "visible": False}],
            [{"expression": cost, "id": "cost", "label": f"{label} ({prices.basis})" if prices.basis else label}],
        ],
        x=0,
        y=12,
        period=3600,
    )
