"""Secure by default: each property is present in the default stack and absent (or refused)
in a configuration that turns it off, in the style of cdk-nag's compliant/non-compliant pairs.
"""

from __future__ import annotations

import json
from functools import cache

import pytest
from cdktf import Testing

from constructs_lib.aws import (
    ApiGatewayAccount,
    ApiGatewayMethodSettings,
    ApiGatewayRestApi,
    ApiGatewayStage,
    ApiGatewayUsagePlan,
    ApiGatewayUsagePlanKey,
    CloudwatchLogGroup,
    DataAwsIamPolicyDocument,
    IamRolePolicyAttachment,
    KmsKey,
    LambdaFunction,
    LambdaPermission,
    Wafv2WebAcl,
    Wafv2WebAclAssociation,
    Wafv2WebAclLoggingConfiguration,
)
from constructs_lib.settings import Settings, load_settings
from constructs_lib.stack import synth_warnings
from tests.support.stack import data_sources_of, resources_of, synth_stack


@cache
def synth(**environ: str) -> str:
    """The whole stack synthesized with these setting overrides (cached: synth is the slow part)."""
    return synth_stack(load_settings({}, environ))


def has(resource_type: str, properties: dict | None = None, **environ: str) -> bool:
    return Testing.to_have_resource_with_properties(synth(**environ), resource_type, properties or {})


def document(**environ: str) -> dict:
    """The REST API's OpenAPI document (its ``body``), as API Gateway imports it."""
    [api] = resources_of(synth(**environ), ApiGatewayRestApi.TF_RESOURCE_TYPE)
    return json.loads(api["body"])


def post_invoke(**environ: str) -> dict:
    return document(**environ)["paths"]["/invoke"]["post"]


# --- authentication ---------------------------------------------------------------------------


def test_default_requires_an_api_key_bound_to_the_stage_by_a_throttled_usage_plan_with_a_quota():
    # every route needs a key (so the usage plan meters it), found by the key authorizer
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            if method != "options":
                assert operation["security"] == [{"api_key": [], "key_authorizer": []}], (path, method)
    assert document()["components"]["securitySchemes"]["api_key"] == {
        "type": "apiKey",
        "name": "x-api-key",
        "in": "header",
    }
    assert document()["x-amazon-apigateway-api-key-source"] == "AUTHORIZER"
    assert has(
        ApiGatewayUsagePlan.TF_RESOURCE_TYPE,
        {
            "throttle_settings": {"rate_limit": 1, "burst_limit": 5},
            "quota_settings": {"limit": 1000, "period": "DAY"},
        },
    )
    assert has(ApiGatewayUsagePlanKey.TF_RESOURCE_TYPE, {"key_type": "API_KEY"})
    [plan] = resources_of(synth(), ApiGatewayUsagePlan.TF_RESOURCE_TYPE)
    assert plan["api_stages"][0]["stage"].startswith("${aws_api_gateway_stage.")
    output = json.loads(synth())["output"]["api_key"]
    assert output["sensitive"] is True and output["value"].startswith("${aws_api_gateway_api_key.")


def test_usage_plan_limits_come_from_the_settings():
    assert has(
        ApiGatewayUsagePlan.TF_RESOURCE_TYPE,
        {
            "throttle_settings": {"rate_limit": 3, "burst_limit": 4},
            "quota_settings": {"limit": 50, "period": "DAY"},
        },
        THROTTLE_RATE_LIMIT="3",
        THROTTLE_BURST_LIMIT="4",
        API_KEY_DAILY_QUOTA="50",
    )


def test_iam_auth_requires_sigv4_and_has_no_api_key():
    [requirement] = post_invoke(AUTH="iam")["security"]
    [scheme] = [document(AUTH="iam")["components"]["securitySchemes"][name] for name in requirement]
    assert scheme["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert resources_of(synth(AUTH="iam"), ApiGatewayUsagePlan.TF_RESOURCE_TYPE) == []
    assert not {"api_key", "api_keys", "authorizer_function_name"} & set(json.loads(synth(AUTH="iam"))["output"])
    assert [f["function_name"] for f in resources_of(synth(AUTH="iam"), LambdaFunction.TF_RESOURCE_TYPE)] == [
        "bedrock-api-dev"
    ]


def test_no_auth_only_on_request_and_synth_warns_that_the_endpoint_is_public():
    assert "security" not in post_invoke(AUTH="none")
    assert "securitySchemes" not in document(AUTH="none")["components"]
    [warning] = synth_warnings(load_settings({}, {"AUTH": "none"}))
    assert "the endpoint is public" in warning
    assert synth_warnings(load_settings({}, {})) == []


def unauthenticated(**environ: str) -> list[str]:
    """``METHOD path`` of every operation that asks for no credentials (preflights have none)."""
    return sorted(
        f"{method.upper()} {path}"
        for path, item in document(**environ)["paths"].items()
        for method, operation in item.items()
        if method != "options" and "security" not in operation
    )


def test_every_route_requires_the_key_by_default_and_the_playground_opens_its_page_only():
    assert unauthenticated() == []
    assert unauthenticated(PLAYGROUND="true") == ["GET /playground", "GET /playground/script", "GET /playground/style"]
    assert (
        post_invoke(PLAYGROUND="true")["security"]
        == post_invoke()["security"]
        == [{"api_key": [], "key_authorizer": []}]
    )


def test_unknown_auth_is_refused():
    with pytest.raises(ValueError, match=r"AUTH .* expected one of api_key, iam, none"):
        load_settings({}, {"AUTH": "basic"})


# --- at the edge ------------------------------------------------------------------------------


def model_of(**environ: str) -> dict:
    """The JSON Schema POST /invoke bodies are validated against."""
    post = post_invoke(**environ)
    reference = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return document(**environ)["components"]["schemas"][reference.rsplit("/", 1)[1]]


def test_post_has_a_body_validator_and_a_closed_json_schema_model():
    validator = post_invoke()["x-amazon-apigateway-request-validator"]
    assert document()["x-amazon-apigateway-request-validators"][validator]["validateRequestBody"] is True
    schema = model_of()
    assert schema["additionalProperties"] is False
    [prompt, _null] = schema["properties"]["prompt"]["anyOf"]
    [max_tokens, _null] = schema["properties"]["max_tokens"]["anyOf"]
    assert prompt["maxLength"] == 20000 and max_tokens["maximum"] == Settings().max_tokens_cap


def test_model_bounds_follow_the_settings():
    [prompt, _null] = model_of(PROMPT_MAX_CHARS="500")["properties"]["prompt"]["anyOf"]
    assert prompt["maxLength"] == 500


def test_stage_throttling_and_execution_logging_at_error_with_metrics():
    assert has(
        ApiGatewayMethodSettings.TF_RESOURCE_TYPE,
        {
            "method_path": "*/*",
            "settings": {
                "throttling_rate_limit": 1,
                "throttling_burst_limit": 5,
                "logging_level": "ERROR",
                "metrics_enabled": True,
                "data_trace_enabled": False,
            },
        },
    )
    assert has(
        ApiGatewayMethodSettings.TF_RESOURCE_TYPE,
        {
            "settings": {"throttling_rate_limit": 2, "throttling_burst_limit": 3},
        },
        THROTTLE_RATE_LIMIT="2",
        THROTTLE_BURST_LIMIT="3",
    )


def test_reserved_concurrency_caps_bedrock_spend_unless_off():
    assert has(LambdaFunction.TF_RESOURCE_TYPE, {"reserved_concurrent_executions": 30})
    assert has(LambdaFunction.TF_RESOURCE_TYPE, {"reserved_concurrent_executions": 25}, RESERVED_CONCURRENCY="25")
    # "off": the provider's -1, no reservation (accounts at the minimum concurrency quota).
    assert has(LambdaFunction.TF_RESOURCE_TYPE, {"reserved_concurrent_executions": -1}, RESERVED_CONCURRENCY="off")
    with pytest.raises(ValueError, match=r"RESERVED_CONCURRENCY .* expected `off` or a whole number"):
        load_settings({}, {"RESERVED_CONCURRENCY": "0"})


def test_waf_guards_the_stage_with_a_per_ip_rate_rule_and_known_bad_inputs_unless_turned_off():
    [acl] = resources_of(synth(), Wafv2WebAcl.TF_RESOURCE_TYPE)
    rules = {rule["name"]: rule for rule in acl["rule"]}
    assert acl["scope"] == "REGIONAL"
    assert rules["rate-limit-per-ip"]["statement"]["rate_based_statement"] == {"limit": 300, "aggregate_key_type": "IP"}
    assert "block" in rules["rate-limit-per-ip"]["action"]
    assert (
        rules["aws-known-bad-inputs"]["statement"]["managed_rule_group_statement"]["name"]
        == "AWSManagedRulesKnownBadInputsRuleSet"
    )
    managed = {rule["statement"].get("managed_rule_group_statement", {}).get("name") for rule in acl["rule"]}
    assert "AWSManagedRulesCommonRuleSet" not in managed  # its body-size rule would block long prompts
    [association] = resources_of(synth(), Wafv2WebAclAssociation.TF_RESOURCE_TYPE)
    assert association["resource_arn"].startswith("${aws_api_gateway_stage.")

    assert resources_of(synth(WAF_ENABLED="false"), Wafv2WebAcl.TF_RESOURCE_TYPE) == []
    assert resources_of(synth(WAF_ENABLED="false"), Wafv2WebAclAssociation.TF_RESOURCE_TYPE) == []


def test_waf_blocks_anonymizers_but_only_counts_callers_on_hosting_providers():
    # Tor exits, VPNs and proxies are blocked; servers in clouds (where many legitimate callers
    # of an API run) are only counted, so the rule group's HostingProviderIPList must be
    # overridden to count, and nothing else in the group.
    [acl] = resources_of(synth(), Wafv2WebAcl.TF_RESOURCE_TYPE)
    [rule] = [rule for rule in acl["rule"] if rule["name"] == "aws-anonymous-ip-list"]
    group = rule["statement"]["managed_rule_group_statement"]
    assert (group["vendor_name"], group["name"]) == ("AWS", "AWSManagedRulesAnonymousIpList")
    assert rule["override_action"] == {"none": {}}  # the group's own block actions stand
    assert group["rule_action_override"] == [{"name": "HostingProviderIPList", "action_to_use": {"count": {}}}]


def test_waf_logs_redact_the_api_key_and_authorization_headers():
    # WAF logs every request's headers; without redaction the API key is readable by anyone
    # with log access.
    [logging] = resources_of(synth(), Wafv2WebAclLoggingConfiguration.TF_RESOURCE_TYPE)
    redacted = [field["single_header"]["name"] for field in logging["redacted_fields"]]
    assert sorted(redacted) == ["authorization", "x-api-key"]
    assert all(set(field) == {"single_header"} for field in logging["redacted_fields"])


def test_waf_rate_limit_is_a_setting():
    [acl] = resources_of(synth(WAF_RATE_LIMIT="120"), Wafv2WebAcl.TF_RESOURCE_TYPE)
    assert acl["rule"][0]["statement"]["rate_based_statement"]["limit"] == 120


def test_lambda_permissions_are_limited_to_the_stage_and_each_routes_method_and_the_apis_authorizers():
    arns = sorted(
        permission["source_arn"].split("}", 1)[1]
        for permission in resources_of(synth(), LambdaPermission.TF_RESOURCE_TYPE)
    )
    assert arns == ["/authorizers/*", "/v1/GET/v1/models", "/v1/POST/invoke", "/v1/POST/v1/chat/completions"]


# --- logging and tracing ----------------------------------------------------------------------


def test_stage_writes_json_access_logs_to_its_own_retained_log_group():
    [stage] = resources_of(synth(), ApiGatewayStage.TF_RESOURCE_TYPE)
    assert stage["access_log_settings"]["destination_arn"].startswith("${aws_cloudwatch_log_group.")
    assert json.loads(stage["access_log_settings"]["format"])["requestId"] == "$context.requestId"
    assert has(
        CloudwatchLogGroup.TF_RESOURCE_TYPE,
        {"name": "/aws/apigateway/bedrock-api-dev/access", "retention_in_days": 365},
    )


def test_execution_log_group_is_created_with_retention_before_api_gateway_would():
    groups = {group["name"]: group for group in resources_of(synth(), CloudwatchLogGroup.TF_RESOURCE_TYPE)}
    [execution] = [group for name, group in groups.items() if name.startswith("API-Gateway-Execution-Logs_")]
    assert execution["retention_in_days"] == 365 and execution["name"].endswith("/v1")


def test_account_cloudwatch_role_is_set_by_default_before_the_stage_and_left_alone_when_off():
    [account] = resources_of(synth(), ApiGatewayAccount.TF_RESOURCE_TYPE)
    assert account["cloudwatch_role_arn"].startswith("${aws_iam_role.")
    assert account["reset_on_delete"] is True
    [stage] = resources_of(synth(), ApiGatewayStage.TF_RESOURCE_TYPE)
    assert any(d.startswith(f"{ApiGatewayAccount.TF_RESOURCE_TYPE}.") for d in stage["depends_on"])
    trusts = [
        statement
        for document in data_sources_of(synth(), DataAwsIamPolicyDocument.TF_RESOURCE_TYPE)
        for statement in document["statement"]
        if statement.get("principals")
    ]
    assert any(s["principals"][0]["identifiers"] == ["apigateway.amazonaws.com"] for s in trusts)

    off = synth(API_GATEWAY_ACCOUNT_ROLE="false")
    assert resources_of(off, ApiGatewayAccount.TF_RESOURCE_TYPE) == []
    assert resources_of(off, IamRolePolicyAttachment.TF_RESOURCE_TYPE) == []


def test_xray_traces_the_stage_and_the_function():
    assert has(ApiGatewayStage.TF_RESOURCE_TYPE, {"xray_tracing_enabled": True})
    assert has(LambdaFunction.TF_RESOURCE_TYPE, {"tracing_config": {"mode": "Active"}})


def test_a_rotating_kms_key_encrypts_every_log_group_and_the_function_settings_by_default():
    synthesized = synth()
    assert has(KmsKey.TF_RESOURCE_TYPE, {"enable_key_rotation": True})
    groups = resources_of(synthesized, CloudwatchLogGroup.TF_RESOURCE_TYPE)
    # the function's, the authorizer's, the API's access and execution logs, WAF's
    assert len(groups) == 5 and all("kms_key_id" in group for group in groups)
    assert all(group["kms_key_id"].startswith("${aws_kms_key.") for group in groups)
    [function] = [
        f for f in resources_of(synthesized, LambdaFunction.TF_RESOURCE_TYPE) if f["function_name"] == "bedrock-api-dev"
    ]
    assert function["kms_key_arn"].startswith("${aws_kms_key.")


def test_the_key_has_its_policy_from_creation_with_no_separate_policy_resource():
    # A policy put on the key later applies eventually (minutes), and log groups created
    # meanwhile fail with "The specified KMS key does not exist or is not allowed to be used".
    synthesized = synth()
    assert "aws_kms_key_policy" not in json.loads(synthesized)["resource"]
    [policy] = key_policies(synthesized)
    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    assert set(statements) == {"AccountAdministersKeyThroughIam", "CloudWatchLogsEncryptsTheStacksLogGroups"}
    assert all(statement["Resource"] == "*" for statement in statements.values())  # "*": this key
    # As narrow as before: the account's root through IAM, and Logs only for the stack's groups.
    assert statements["AccountAdministersKeyThroughIam"]["Principal"] == {
        "AWS": "arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.account.account_id}:root"
    }
    logs = statements["CloudWatchLogsEncryptsTheStacksLogGroups"]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    [arns] = logs["Condition"]["ArnLike"].values()
    assert list(logs["Condition"]["ArnLike"]) == ["kms:EncryptionContext:aws:logs:arn"]
    assert len(arns) == 5 and all(":log-group:" in arn for arn in arns)
    assert any(arn.endswith(":log-group:/aws/lambda/bedrock-api-dev-authorizer") for arn in arns)


def test_an_existing_key_can_be_named_and_kms_can_be_turned_off():
    arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    given = synth(LOG_KMS_KEY=arn)
    assert resources_of(given, KmsKey.TF_RESOURCE_TYPE) == []
    assert all(group["kms_key_id"] == arn for group in resources_of(given, CloudwatchLogGroup.TF_RESOURCE_TYPE))

    off = synth(LOG_KMS_KEY="off")
    assert resources_of(off, KmsKey.TF_RESOURCE_TYPE) == []
    assert not any("kms_key_id" in group for group in resources_of(off, CloudwatchLogGroup.TF_RESOURCE_TYPE))


# --- least privilege --------------------------------------------------------------------------


def key_policies(synthesized: str) -> list[dict]:
    """Every KMS key's policy in the stack, parsed (a key policy is JSON: constructs_lib/encryption.py)."""
    keys = json.loads(synthesized).get("resource", {}).get(KmsKey.TF_RESOURCE_TYPE, {}).values()
    return [json.loads(key["policy"]) for key in keys]


def wildcard_findings(synthesized: str) -> list[str]:
    """Every IAM statement in the stack that grants a wildcard action or a wildcard resource, and
    every key-policy statement that grants a wildcard action or names a wildcard principal.

    Allowed: X-Ray's trace actions on "*" (they support no resource-level permissions), the
    Region wildcard in a profile's foundation-model ARN (the profile routes to any Region), and a
    key policy's "Resource": "*", which means that key.
    """
    findings = []
    for document in data_sources_of(synthesized, DataAwsIamPolicyDocument.TF_RESOURCE_TYPE):
        for statement in document["statement"]:
            actions = statement.get("actions", [])
            where = f"{statement.get('sid', '?')}: {actions} on {statement.get('resources')}"
            if any("*" in action for action in actions):
                findings.append(f"wildcard action in {where}")
            xray_only = actions and all(action.startswith("xray:") for action in actions)
            for resource in statement.get("resources", []):
                if resource == "*" and not xray_only:
                    findings.append(f"'*' resource in {where}")
                if resource.endswith("/*") or "foundation-model/*" in resource:
                    findings.append(f"wildcard resource id in {where}")
    for policy in key_policies(synthesized):
        for statement in policy["Statement"]:
            where = f"key policy {statement.get('Sid', '?')}: {statement['Action']} for {statement['Principal']}"
            if any("*" in action for action in statement["Action"]):
                findings.append(f"wildcard action in {where}")
            if any("*" in str(principal) for principal in statement["Principal"].values()):
                findings.append(f"'*' principal in {where}")
            if statement["Resource"] != "*":  # a key policy names no other resource
                findings.append(f"resource other than this key in {where}")
    return findings


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"MODEL_ID": "anthropic.claude-3-5-sonnet-20241022-v2:0"},
        {"MODEL_ID": "global.anthropic.claude-sonnet-5"},
        {"AUTH": "iam", "WAF_ENABLED": "false", "LOG_KMS_KEY": "off"},
    ],
    ids=["default", "plain-model", "global-profile", "iam-no-waf-no-kms"],
)
def test_no_policy_statement_grants_a_wildcard(environ):
    assert wildcard_findings(synth(**environ)) == []


def test_the_only_managed_policy_is_aws_own_for_api_gateway_logging():
    # The wildcard walk above reads the stack's own policy documents; a managed policy is not one.
    # This one is allowed (and its "*" with it) for the reasons in tests/test_iam.py.
    attached = {a["policy_arn"] for a in resources_of(synth(), IamRolePolicyAttachment.TF_RESOURCE_TYPE)}
    assert attached == {
        "arn:${data.aws_partition.partition.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
    }


def test_the_wildcard_walk_finds_what_it_looks_for():
    bad = json.dumps(
        {
            "data": {
                "aws_iam_policy_document": {
                    "p": {
                        "statement": [
                            {
                                "sid": "A",
                                "actions": ["bedrock:*"],
                                "resources": ["arn:aws:bedrock:us-east-1::foundation-model/x"],
                            },
                            {"sid": "B", "actions": ["logs:PutLogEvents"], "resources": ["*"]},
                            {
                                "sid": "C",
                                "actions": ["bedrock:InvokeModel"],
                                "resources": ["arn:aws:bedrock:*::foundation-model/*"],
                            },
                        ]
                    }
                }
            }
        }
    )
    assert len(wildcard_findings(bad)) == 3

    key_policy = json.dumps(
        {
            "resource": {
                "aws_kms_key": {
                    "k": {
                        "policy": json.dumps(
                            {
                                "Statement": [
                                    {
                                        "Sid": "Named",
                                        "Action": ["kms:Decrypt"],
                                        "Resource": "*",
                                        "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
                                    },
                                    {
                                        "Sid": "Anyone",
                                        "Action": ["kms:Decrypt"],
                                        "Resource": "*",
                                        "Principal": {"AWS": "*"},
                                    },
                                    {
                                        "Sid": "Everything",
                                        "Action": ["kms:*"],
                                        "Resource": "*",
                                        "Principal": {"AWS": "arn:aws:iam::1:root"},
                                    },
                                ]
                            }
                        )
                    }
                }
            }
        }
    )
    assert wildcard_findings(key_policy) == [
        "'*' principal in key policy Anyone: ['kms:Decrypt'] for {'AWS': '*'}",
        "wildcard action in key policy Everything: ['kms:*'] for {'AWS': 'arn:aws:iam::1:root'}",
    ]


def test_every_iam_policy_is_a_policy_document_scanners_can_read():
    # The key policy is the exception, JSON that the walk above reads (constructs_lib/encryption.py).
    synthesized = json.loads(synth())
    for resource_type, key in (("aws_iam_role_policy", "policy"), ("aws_iam_role", "assume_role_policy")):
        for resource in synthesized["resource"].get(resource_type, {}).values():
            assert resource[key].startswith("${data.aws_iam_policy_document."), (resource_type, resource[key])


def test_a_failed_deploy_says_when_to_turn_reserved_concurrency_off():
    from scripts.deploy_hints import HINTS  # scripts/deploy_hints.py, printed by `make deploy` on failure

    hints = dict(HINTS)
    assert (
        "RESERVED_CONCURRENCY=off" in hints["decreases account's UnreservedConcurrentExecution below its minimum value"]
    )


def test_alarm_topic_is_encrypted_with_the_stacks_key_which_lets_cloudwatch_publish():
    synthesized = synth(ALARM_EMAIL="oncall@example.com")
    [topic] = resources_of(synthesized, "aws_sns_topic")
    assert topic["kms_master_key_id"].startswith("${aws_kms_key.")
    [policy] = key_policies(synthesized)
    [publisher] = [s for s in policy["Statement"] if s["Sid"] == "CloudWatchAlarmsPublishToTheEncryptedTopic"]
    assert publisher["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert publisher["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "${data.aws_caller_identity.account.account_id}"}
    }
    # Without a topic, the key grants CloudWatch nothing.
    assert "CloudWatchAlarmsPublishToTheEncryptedTopic" not in synth()
