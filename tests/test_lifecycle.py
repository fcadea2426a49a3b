"""The whole lifecycle of the real stack against moto: deploy, check, plan again, destroy.

No AWS account is reachable here, so the real cdktf-cli, Terraform and AWS provider run against
moto's server on loopback (local/emulator/, the same code as `make local`):

    start moto → cdktf deploy → every resource read back with boto3 and compared with its
    configured values → terraform plan: no changes but the emulator's known gaps → cdktf destroy
    → nothing of the stack left → stop moto

The lifecycle's durations are a benchmark: printed in the run's summary, never asserted.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

pytest.register_assert_rewrite("tests.lifecycle_checks")  # its asserts explain themselves too

from local.emulator import environment, tools  # noqa: E402
from local.emulator.process import MotoServer, start_moto, stop_moto  # noqa: E402
from main import read_settings  # noqa: E402
from tests.lifecycle_checks import KINDS, Clients, Missing  # noqa: E402
from tests.lifecycle_plan import plan, plan_explanation  # noqa: E402

pytestmark = pytest.mark.slow

# Non-default values, so the checks prove settings reach the deployed resources.
SETTINGS_ENV = {
    "NAME_PREFIX": "lifecycle",
    "ENVIRONMENT": "ci",
    "LAMBDA_MEMORY_MB": "256",
    "LAMBDA_TIMEOUT_SECONDS": "150",
    "LOG_RETENTION_DAYS": "14",
    "STAGE_NAME": "ci",
    "MAX_TOKENS_CAP": "2048",
    # Security and operations settings; a stack without them ignores them.
    "THROTTLE_RATE_LIMIT": "7",
    "THROTTLE_BURST_LIMIT": "14",
    "API_KEY_DAILY_QUOTA": "500",
    "API_KEY_NAMES": "key,batch",
    "WAF_RATE_LIMIT": "500",
    "ALARM_EMAIL": "oncall@example.com",
    "ALARM_LATENCY_P99_MS": "120000",
}

# The only changes a second plan may show: what moto does differently from AWS, each with why.
# Anything else fails the test. Known gaps that a fresh deploy does not reach are not listed:
# moto cannot update an API Gateway resource's path_part, nor an HTTP API stage's route settings.
EMULATOR_DRIFT = {
    (
        "aws_lambda_function",
        "logging_config",
    ): "moto does not store a function's LoggingConfig (GetFunction returns none), so every plan "
    "adds the configured JSON-format block back",
}


class LifecycleFigures:
    """Prints the lifecycle durations in pytest's terminal summary (shown by `make test`)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.lines:
            terminalreporter.section("benchmark: emulator lifecycle")
            for line in self.lines:
                terminalreporter.write_line(line)


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> LifecycleFigures:
    name = "lifecycle-figures"
    plugin = request.config.pluginmanager.get_plugin(name)
    if plugin is None:
        plugin = LifecycleFigures()
        request.config.pluginmanager.register(plugin, name)
    return plugin


@pytest.fixture
def moto(tmp_path) -> Iterator[MotoServer]:
    server = start_moto(tmp_path / "moto.log")
    try:
        yield server
    finally:
        stop_moto(server)


def test_deploy_check_plan_again_and_destroy_the_stack_in_moto(moto, tmp_path, figures):
    # GIVEN moto with stand-ins for the public layers (Web Adapter, Powertools), and the stack's settings
    base = {**os.environ, **SETTINGS_ENV}
    settings = read_settings(base)
    region = settings.region
    stand_ins = environment.publish_stand_in_layers(moto, region)
    env = environment.child_environment(moto, stand_ins, base=base)
    workspace = tools.Workspace(tmp_path / "work").prepare()
    aws = Clients(lambda service: environment.client(moto, service, region))

    # WHEN the stack is synthesized and deployed with cdktf-cli
    synthesized = tools.synth(workspace, env)
    applied = tools.deploy(workspace, env, skip_synth=True)
    deployed = tools.state_resources(workspace, env)
    synthesized_types = set(workspace.synthesized["resource"])

    # THEN every resource type the stack has is checked, and each resource has its configured values
    unchecked = synthesized_types - set(KINDS)
    assert not unchecked, f"no check for {sorted(unchecked)}: add a Kind to tests/lifecycle_checks.py"
    assert {r["type"] for r in deployed} == synthesized_types
    for resource in deployed:
        kind = KINDS[resource["type"]]
        try:
            kind.check(kind.fetch(aws, resource["values"]), resource["values"])
        except (AssertionError, Missing) as error:
            raise AssertionError(f"{resource['address']} in moto: {error!r}") from error
    assert_settings_reached_the_resources(aws, settings, synthesized_types, stand_ins)

    # AND planning again changes nothing but the emulator's known drift
    replan = plan(workspace, env)
    unexpected = [
        (c.address, c.actions, c.attributes)
        for c in replan.changes
        if c.actions != ("update",) or any((c.type, a) not in EMULATOR_DRIFT for a in c.attributes)
    ]
    assert not unexpected, f"the second plan changes {unexpected}:\n{plan_explanation(replan.text)}"

    # WHEN the stack is destroyed
    destroyed = tools.destroy(workspace, env, skip_synth=True)

    # THEN Terraform holds nothing, and moto has nothing of the stack left
    assert tools.state_resources(workspace, env) == []
    left = []
    for resource in deployed:
        kind = KINDS[resource["type"]]
        if kind.gone is not None:
            kind.gone(aws, resource["values"])
            continue
        try:
            kind.fetch(aws, resource["values"])
            left.append(resource["address"])
        except Missing:
            pass
    assert not left, f"still in moto after destroy: {left}"
    assert not names_left(aws, settings.resource_name)

    total = synthesized.seconds + applied.seconds + replan.run.seconds + destroyed.seconds
    figures.lines.append(
        f"{len(deployed)} resources: synth {synthesized.seconds:.1f} s, "
        f"apply {applied.seconds:.1f} s (cdktf deploy: init, plan, apply), re-plan {replan.run.seconds:.1f} s, "
        f"destroy {destroyed.seconds:.1f} s (cdktf destroy); total {total:.1f} s (target <= 60 s)"
    )
    if replan.changes:
        figures.lines.append(
            "accepted emulator drift: " + ", ".join(f"{c.type}.{a}" for c in replan.changes for a in c.attributes)
        )


def assert_settings_reached_the_resources(aws: Clients, settings, types: set[str], stand_ins: dict[str, str]) -> None:
    """The values the test set (SETTINGS_ENV) are the ones moto holds."""
    name = settings.resource_name
    function = aws.call("lambda", "get_function_configuration", FunctionName=name)
    assert (function["MemorySize"], function["Timeout"]) == (256, 150)
    assert (function["Runtime"], function["Architectures"], function["Handler"]) == ("python3.13", ["arm64"], "run.sh")
    variables = function["Environment"]["Variables"]
    assert variables["MAX_TOKENS_CAP"] == "2048"
    assert (variables["AWS_LAMBDA_EXEC_WRAPPER"], variables["AWS_LWA_INVOKE_MODE"]) == (
        "/opt/bootstrap",
        "response_stream",
    )
    # the adapter and Powertools (stand-ins here), then the stack's own package layer
    [own] = aws.call("lambda", "list_layer_versions", LayerName=f"{name}-packages")["LayerVersions"]
    assert [layer["Arn"] for layer in function["Layers"]] == [
        stand_ins["WEB_ADAPTER_LAYER_ARN"],
        stand_ins["POWERTOOLS_LAYER_ARN"],
        own["LayerVersionArn"],
    ]
    groups = aws.call("logs", "describe_log_groups", logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"]
    assert {g["logGroupName"]: g.get("retentionInDays") for g in groups} == {
        f"/aws/lambda/{name}": 14,
        f"/aws/lambda/{name}-authorizer": 14,
    }
    # the key authorizer (AUTH=api_key): its own small function
    authorizer = aws.call("lambda", "get_function_configuration", FunctionName=f"{name}-authorizer")
    assert (authorizer["Runtime"], authorizer["Handler"], authorizer["Architectures"]) == (
        "python3.13",
        "api_keys.handler",
        ["arm64"],
    )
    [api] = [a for a in aws.call("apigateway", "get_rest_apis")["items"] if a["name"] == name]
    assert aws.call("apigateway", "get_stage", restApiId=api["id"], stageName="ci")
    # POST /invoke streams from this function and waits out its timeout plus a cold start's 10 s.
    [invoke] = [
        r for r in aws.call("apigateway", "get_resources", restApiId=api["id"])["items"] if r["path"] == "/invoke"
    ]
    integration = aws.call(
        "apigateway", "get_integration", restApiId=api["id"], resourceId=invoke["id"], httpMethod="POST"
    )
    assert integration["uri"].endswith(f"/functions/{function['FunctionArn']}/response-streaming-invocations")
    assert integration["timeoutInMillis"] == (int(SETTINGS_ENV["LAMBDA_TIMEOUT_SECONDS"]) + 10) * 1000
    if "aws_api_gateway_usage_plan" in types:
        [plan] = aws.call("apigateway", "get_usage_plans")["items"]
        assert plan["throttle"] == {"burstLimit": 14, "rateLimit": 7}
        assert (plan["quota"]["limit"], plan["quota"]["period"]) == (500, "DAY")
        # API_KEY_NAMES: one key per name, all on the one plan
        keys = aws.call("apigateway", "get_usage_plan_keys", usagePlanId=plan["id"])["items"]
        assert sorted(key["name"] for key in keys) == [f"{name}-batch", f"{name}-key"]
    if "aws_wafv2_web_acl" in types:
        [summary] = aws.call("wafv2", "list_web_acls", Scope="REGIONAL")["WebACLs"]
        acl = aws.call("wafv2", "get_web_acl", Name=summary["Name"], Scope="REGIONAL", Id=summary["Id"])["WebACL"]
        limits = [
            r["Statement"]["RateBasedStatement"]["Limit"]
            for r in acl["Rules"]
            if "RateBasedStatement" in r["Statement"]
        ]
        assert limits == [500]


def names_left(aws: Clients, name: str) -> list[str]:
    """Anything in moto still named after the stack, whether or not Terraform knew of it."""
    found = [f["FunctionName"] for f in aws.call("lambda", "list_functions")["Functions"]]
    found += [layer["LayerName"] for layer in aws.call("lambda", "list_layers")["Layers"]]
    found += [r["RoleName"] for r in aws.call("iam", "list_roles")["Roles"]]
    found += [g["logGroupName"] for g in aws.call("logs", "describe_log_groups")["logGroups"]]
    found += [a["name"] for a in aws.call("apigateway", "get_rest_apis")["items"]]
    found += [k["name"] for k in aws.call("apigateway", "get_api_keys")["items"]]
    found += [p["name"] for p in aws.call("apigateway", "get_usage_plans")["items"]]
    found += [a["AlarmName"] for a in aws.call("cloudwatch", "describe_alarms")["MetricAlarms"]]
    found += [d["DashboardName"] for d in aws.call("cloudwatch", "list_dashboards")["DashboardEntries"]]
    found += [t["TopicArn"] for t in aws.call("sns", "list_topics")["Topics"]]
    found += [a["Name"] for a in aws.call("wafv2", "list_web_acls", Scope="REGIONAL")["WebACLs"]]
    found += [a["AliasName"] for a in aws.call("kms", "list_aliases")["Aliases"]]
    return [item for item in found if name in item]
