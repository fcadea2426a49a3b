"""What "deployed" means for each resource type, asked of the emulator with boto3.

One ``Kind`` per Terraform resource type: ``fetch`` reads the resource from the AWS API by the
ids in Terraform's state (raising ``Missing`` when it is not there) and ``check`` compares that
reading with the resource's values in the state, which are its configured values as Terraform
applied them. After destroy, ``fetch`` must raise ``Missing`` for every resource, or ``gone``
says what destroy leaves by design (a KMS key is only scheduled for deletion).

The lifecycle test fails for a resource type in the stack that has no entry here, so a new
resource is covered by adding one ``Kind``, never skipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

Values = dict[str, Any]


class Missing(Exception):
    """The AWS API says the resource does not exist."""


_NOT_FOUND = ("NotFound", "NoSuchEntity", "Nonexistent", "ResourceNotFound")


class Clients:
    """boto3 clients against the emulator, created on first use; ``NotFound`` errors become ``Missing``."""

    def __init__(self, make_client: Callable[[str], Any]) -> None:
        self._make = make_client
        self._clients: dict[str, Any] = {}

    def call(self, service: str, operation: str, **kwargs: Any) -> dict:
        if service not in self._clients:
            self._clients[service] = self._make(service)
        try:
            return getattr(self._clients[service], operation)(**kwargs)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if any(marker in code for marker in _NOT_FOUND):
                raise Missing(f"{service}.{operation}: {code}") from None
            raise


@dataclass(frozen=True)
class Kind:
    fetch: Callable[[Clients, Values], Any]
    check: Callable[[Any, Values], None]
    gone: Callable[[Clients, Values], None] | None = None
    """After destroy, instead of "fetch raises Missing": assert what the API keeps by design."""


def block(values: Values, name: str) -> Values:
    """A nested block's values (Terraform state keeps blocks as one-item lists)."""
    items = values.get(name) or [{}]
    return items[0]


def same_json(a: str | dict, b: str | dict) -> bool:
    return (json.loads(a) if isinstance(a, str) else a) == (json.loads(b) if isinstance(b, str) else b)


def statements(policy: str | dict) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """A policy's statements as (effect, actions, resources), independent of order and list form."""
    document = json.loads(policy) if isinstance(policy, str) else policy
    found = document["Statement"]
    found = found if isinstance(found, list) else [found]

    def strings(value: str | list[str] | None) -> tuple[str, ...]:
        return tuple(sorted([value] if isinstance(value, str) else value or []))

    return sorted((s["Effect"], strings(s.get("Action")), strings(s.get("Resource"))) for s in found)


def _first(items: list, what: str) -> Any:
    if not items:
        raise Missing(what)
    return items[0]


# --- Lambda ---------------------------------------------------------------------------------


def _function(aws: Clients, v: Values) -> dict:
    found = aws.call("lambda", "get_function", FunctionName=v["function_name"])
    try:
        found["Concurrency"] = aws.call("lambda", "get_function_concurrency", FunctionName=v["function_name"])
    except Missing:
        found["Concurrency"] = {}
    return found


def _check_function(found: dict, v: Values) -> None:
    config = found["Configuration"]
    assert config["Runtime"] == v["runtime"]
    assert config["Handler"] == v["handler"]
    assert config["Architectures"] == v["architectures"]
    assert config["Timeout"] == v["timeout"]
    assert config["MemorySize"] == v["memory_size"]
    assert config["Role"] == v["role"]
    assert config.get("Environment", {}).get("Variables", {}) == block(v, "environment").get("variables", {})
    assert [layer["Arn"] for layer in config.get("Layers", [])] == (v["layers"] or [])  # state: null when none
    if v.get("kms_key_arn"):
        assert config.get("KMSKeyArn") == v["kms_key_arn"]
    if v.get("reserved_concurrent_executions", -1) >= 0:
        assert found["Concurrency"].get("ReservedConcurrentExecutions") == v["reserved_concurrent_executions"]


def _layer_version(aws: Clients, v: Values) -> dict:
    return aws.call("lambda", "get_layer_version", LayerName=v["layer_name"], VersionNumber=int(v["version"]))


def _check_layer_version(found: dict, v: Values) -> None:
    assert found["LayerVersionArn"] == v["arn"]
    assert found["CompatibleRuntimes"] == v["compatible_runtimes"]
    assert found["CompatibleArchitectures"] == v["compatible_architectures"]
    assert found.get("Description", "") == v.get("description", "")
    assert found["Content"]["CodeSha256"] == v["source_code_hash"]  # the zip `make layer` built


def _permission(aws: Clients, v: Values) -> dict:
    policy = json.loads(aws.call("lambda", "get_policy", FunctionName=v["function_name"])["Policy"])
    return _first([s for s in policy["Statement"] if s["Sid"] == v["statement_id"]], v["statement_id"])


def _check_permission(found: dict, v: Values) -> None:
    assert found["Action"] == v["action"]
    assert found["Principal"] == {"Service": v["principal"]}
    assert found["Condition"]["ArnLike"]["AWS:SourceArn"] == v["source_arn"]


# --- IAM ------------------------------------------------------------------------------------


def _check_role(found: dict, v: Values) -> None:
    role = found["Role"]
    assert same_json(role["AssumeRolePolicyDocument"], v["assume_role_policy"])
    assert role.get("Description", "") == v.get("description", "")


def _attached_policy(aws: Clients, v: Values) -> dict:
    attached = aws.call("iam", "list_attached_role_policies", RoleName=v["role"])["AttachedPolicies"]
    return _first([p for p in attached if p["PolicyArn"] == v["policy_arn"]], f"{v['policy_arn']} on {v['role']}")


def _check_attached_policy(found: dict, v: Values) -> None:
    assert found["PolicyArn"] == v["policy_arn"]


def _check_role_policy(found: dict, v: Values) -> None:
    # Actions and resources of every statement, as configured (conditions are not compared:
    # moto returns them unchanged, and the construct tests assert them).
    assert statements(found["PolicyDocument"]) == statements(v["policy"])


# --- CloudWatch Logs, CloudWatch, SNS, KMS ---------------------------------------------------


def _log_group(aws: Clients, v: Values) -> dict:
    groups = aws.call("logs", "describe_log_groups", logGroupNamePrefix=v["name"])["logGroups"]
    return _first([g for g in groups if g["logGroupName"] == v["name"]], v["name"])


def _check_log_group(found: dict, v: Values) -> None:
    assert found.get("retentionInDays") == v["retention_in_days"]
    if v.get("kms_key_id"):
        assert found.get("kmsKeyId") == v["kms_key_id"]


def _alarm(aws: Clients, v: Values) -> dict:
    alarms = aws.call("cloudwatch", "describe_alarms", AlarmNames=[v["alarm_name"]])["MetricAlarms"]
    return _first(alarms, v["alarm_name"])


def _check_alarm(found: dict, v: Values) -> None:
    assert found["MetricName"] == v["metric_name"]
    assert found["Namespace"] == v["namespace"]
    assert found["ComparisonOperator"] == v["comparison_operator"]
    assert found["Threshold"] == v["threshold"]
    assert found["EvaluationPeriods"] == v["evaluation_periods"]
    assert found["Period"] == v["period"]
    assert found.get("Statistic", "") == v.get("statistic", "")
    assert found.get("ExtendedStatistic", "") == v.get("extended_statistic", "")
    assert {d["Name"]: d["Value"] for d in found.get("Dimensions", [])} == (v.get("dimensions") or {})
    assert sorted(found.get("AlarmActions", [])) == sorted(v.get("alarm_actions") or [])
    assert found.get("TreatMissingData", "missing") == v.get("treat_missing_data", "missing")


def _check_dashboard(found: dict, v: Values) -> None:
    assert same_json(found["DashboardBody"], v["dashboard_body"])


def _check_topic(found: dict, v: Values) -> None:
    assert found["Attributes"]["TopicArn"] == v["arn"]


def _check_subscription(found: dict, v: Values) -> None:
    attributes = found["Attributes"]
    assert (attributes["TopicArn"], attributes["Protocol"], attributes["Endpoint"]) == (
        v["topic_arn"],
        v["protocol"],
        v["endpoint"],
    )


def _check_kms_key(found: dict, v: Values) -> None:
    metadata = found["KeyMetadata"]
    assert metadata["KeyState"] == "Enabled"
    assert metadata.get("Description", "") == v.get("description", "")
    assert found["Rotation"] == v.get("enable_key_rotation", False)
    assert statements(found["Policy"]) == statements(v["policy"])  # the policy it was created with


def _kms_key(aws: Clients, v: Values) -> dict:
    found = aws.call("kms", "describe_key", KeyId=v["key_id"])
    found["Rotation"] = aws.call("kms", "get_key_rotation_status", KeyId=v["key_id"])["KeyRotationEnabled"]
    found["Policy"] = aws.call("kms", "get_key_policy", KeyId=v["key_id"], PolicyName="default")["Policy"]
    return found


def _kms_key_scheduled_for_deletion(aws: Clients, v: Values) -> None:
    # KMS never deletes a key at once: destroy schedules it (deletion_window_in_days).
    assert aws.call("kms", "describe_key", KeyId=v["key_id"])["KeyMetadata"]["KeyState"] == "PendingDeletion"


def _kms_alias(aws: Clients, v: Values) -> dict:
    aliases = aws.call("kms", "list_aliases")["Aliases"]
    return _first([a for a in aliases if a["AliasName"] == v["name"]], v["name"])


def _check_kms_alias(found: dict, v: Values) -> None:
    assert found["TargetKeyId"] == v["target_key_id"]


# --- API Gateway (REST) ---------------------------------------------------------------------


def _apigw(operation: str, **ids: str) -> Callable[[Clients, Values], dict]:
    """fetch = apigateway.<operation>, with its arguments taken from the state (arg → attribute)."""
    return lambda aws, v: aws.call("apigateway", operation, **{arg: v[attr] for arg, attr in ids.items()})


def _rest_api(aws: Clients, v: Values) -> dict:
    """The API, and the integration of every method moto built from its OpenAPI body."""
    found = aws.call("apigateway", "get_rest_api", restApiId=v["id"])
    found["integrations"] = {
        (resource["path"], method): aws.call(
            "apigateway", "get_integration", restApiId=v["id"], resourceId=resource["id"], httpMethod=method
        )
        for resource in aws.call("apigateway", "get_resources", restApiId=v["id"])["items"]
        for method in resource.get("resourceMethods", {})
    }
    return found


def _check_rest_api(found: dict, v: Values) -> None:
    assert found["name"] == v["name"]
    assert found.get("description", "") == v.get("description", "")
    assert found["endpointConfiguration"]["types"] == block(v, "endpoint_configuration")["types"]
    # What moto keeps of the document: paths, methods, and each integration's target and timeout
    # (it drops validators, models, security, gateway responses and the transfer mode; the
    # construct tests assert those on the document).
    document = json.loads(v["body"])
    wanted = {
        (path, method.upper()): operation["x-amazon-apigateway-integration"]
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert set(found["integrations"]) == set(wanted)
    for route, integration in wanted.items():
        kept = found["integrations"][route]
        assert kept["type"].upper() == integration["type"].upper(), route
        assert (kept["httpMethod"], kept["uri"], kept["timeoutInMillis"]) == (
            integration["httpMethod"],
            integration["uri"],
            integration["timeoutInMillis"],
        ), route


def _check_stage(found: dict, v: Values) -> None:
    assert found["deploymentId"] == v["deployment_id"]
    assert found.get("tracingEnabled", False) == v.get("xray_tracing_enabled", False)
    logs = block(v, "access_log_settings")
    if logs:
        assert found["accessLogSettings"] == {"destinationArn": logs["destination_arn"], "format": logs["format"]}


def _check_method_settings(found: dict, v: Values) -> None:
    settings = found["methodSettings"][v["method_path"]]
    wanted = block(v, "settings")
    assert settings["metricsEnabled"] == wanted["metrics_enabled"]
    assert settings["loggingLevel"] == wanted["logging_level"]
    assert settings["dataTraceEnabled"] == wanted["data_trace_enabled"]
    assert settings["throttlingBurstLimit"] == wanted["throttling_burst_limit"]
    assert settings["throttlingRateLimit"] == wanted["throttling_rate_limit"]


def _check_account(found: dict, v: Values) -> None:
    assert found["cloudwatchRoleArn"] == v["cloudwatch_role_arn"]


def _account_setting_is_reset(aws: Clients, v: Values) -> None:
    # The account-wide setting itself cannot be deleted; reset_on_delete empties its role instead
    # of leaving it pointing at the role the same destroy deleted.
    assert v["reset_on_delete"] is True
    assert not aws.call("apigateway", "get_account").get("cloudwatchRoleArn")


def _check_api_key(found: dict, v: Values) -> None:
    assert (found["name"], found["enabled"]) == (v["name"], v["enabled"])


def _check_usage_plan(found: dict, v: Values) -> None:
    throttle, quota = block(v, "throttle_settings"), block(v, "quota_settings")
    if throttle:
        assert found["throttle"] == {"burstLimit": throttle["burst_limit"], "rateLimit": throttle["rate_limit"]}
    if quota:
        assert (found["quota"]["limit"], found["quota"]["period"]) == (quota["limit"], quota["period"])
    assert [(s["apiId"], s["stage"]) for s in found["apiStages"]] == [
        (s["api_id"], s["stage"]) for s in v["api_stages"]
    ]


def _check_usage_plan_key(found: dict, v: Values) -> None:
    assert (found["id"], found["type"]) == (v["key_id"], v["key_type"])


def _check_deployment(found: dict, v: Values) -> None:
    assert found["id"] == v["id"]


# --- WAF ------------------------------------------------------------------------------------


def _check_web_acl(found: dict, v: Values) -> None:
    acl = found["WebACL"]
    assert acl["Name"] == v["name"]
    assert {name.lower() for name in acl["DefaultAction"]} == {
        name for name, on in block(v, "default_action").items() if on
    }
    assert sorted((r["Name"], r["Priority"]) for r in acl["Rules"]) == sorted(
        (r["name"], r["priority"]) for r in v["rule"]
    )
    for rule in v["rule"]:
        rate = block(block(rule, "statement"), "rate_based_statement")
        if rate:
            [found_rule] = [r for r in acl["Rules"] if r["Name"] == rule["name"]]
            assert found_rule["Statement"]["RateBasedStatement"]["Limit"] == rate["limit"]


def _web_acl_for_resource(aws: Clients, v: Values) -> dict:
    found = aws.call("wafv2", "get_web_acl_for_resource", ResourceArn=v["resource_arn"]).get("WebACL")
    if not found:
        raise Missing(v["resource_arn"])
    return found


def _check_association(found: dict, v: Values) -> None:
    assert found["ARN"] == v["web_acl_arn"]


def _check_waf_logging(found: dict, v: Values) -> None:
    assert found["LoggingConfiguration"]["LogDestinationConfigs"] == v["log_destination_configs"]
    redacted = [field["SingleHeader"]["Name"] for field in found["LoggingConfiguration"].get("RedactedFields", [])]
    assert redacted == [block(field, "single_header")["name"] for field in v.get("redacted_fields") or []]


KINDS: dict[str, Kind] = {
    "aws_lambda_function": Kind(_function, _check_function),
    "aws_lambda_layer_version": Kind(_layer_version, _check_layer_version),
    "aws_lambda_permission": Kind(_permission, _check_permission),
    "aws_iam_role": Kind(lambda aws, v: aws.call("iam", "get_role", RoleName=v["name"]), _check_role),
    "aws_iam_role_policy_attachment": Kind(_attached_policy, _check_attached_policy),
    "aws_iam_role_policy": Kind(
        lambda aws, v: aws.call("iam", "get_role_policy", RoleName=v["role"], PolicyName=v["name"]), _check_role_policy
    ),
    "aws_cloudwatch_log_group": Kind(_log_group, _check_log_group),
    "aws_cloudwatch_metric_alarm": Kind(_alarm, _check_alarm),
    "aws_cloudwatch_dashboard": Kind(
        lambda aws, v: aws.call("cloudwatch", "get_dashboard", DashboardName=v["dashboard_name"]), _check_dashboard
    ),
    "aws_sns_topic": Kind(lambda aws, v: aws.call("sns", "get_topic_attributes", TopicArn=v["arn"]), _check_topic),
    "aws_sns_topic_subscription": Kind(
        lambda aws, v: aws.call("sns", "get_subscription_attributes", SubscriptionArn=v["arn"]), _check_subscription
    ),
    "aws_kms_key": Kind(_kms_key, _check_kms_key, gone=_kms_key_scheduled_for_deletion),
    "aws_kms_alias": Kind(_kms_alias, _check_kms_alias),
    "aws_api_gateway_rest_api": Kind(_rest_api, _check_rest_api),
    "aws_api_gateway_deployment": Kind(
        _apigw("get_deployment", restApiId="rest_api_id", deploymentId="id"), _check_deployment
    ),
    "aws_api_gateway_stage": Kind(_apigw("get_stage", restApiId="rest_api_id", stageName="stage_name"), _check_stage),
    "aws_api_gateway_method_settings": Kind(
        _apigw("get_stage", restApiId="rest_api_id", stageName="stage_name"), _check_method_settings
    ),
    "aws_api_gateway_account": Kind(_apigw("get_account"), _check_account, gone=_account_setting_is_reset),
    "aws_api_gateway_api_key": Kind(_apigw("get_api_key", apiKey="id"), _check_api_key),
    "aws_api_gateway_usage_plan": Kind(_apigw("get_usage_plan", usagePlanId="id"), _check_usage_plan),
    "aws_api_gateway_usage_plan_key": Kind(
        _apigw("get_usage_plan_key", usagePlanId="usage_plan_id", keyId="key_id"), _check_usage_plan_key
    ),
    "aws_wafv2_web_acl": Kind(
        lambda aws, v: aws.call("wafv2", "get_web_acl", Name=v["name"], Scope=v["scope"], Id=v["id"]), _check_web_acl
    ),
    "aws_wafv2_web_acl_association": Kind(_web_acl_for_resource, _check_association),
    "aws_wafv2_web_acl_logging_configuration": Kind(
        lambda aws, v: aws.call("wafv2", "get_logging_configuration", ResourceArn=v["resource_arn"]), _check_waf_logging
    ),
}
