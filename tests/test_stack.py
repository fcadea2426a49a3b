"""The whole stack: provider, wiring between constructs, outputs, and real Terraform's verdict."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from cdktf import Testing
from openapi_spec_validator import validate

from constructs_lib.aws import AwsProvider, DataAwsIamPolicyDocument, LambdaFunction, LambdaLayerVersion
from constructs_lib.settings import Settings, load_settings
from main import build_app, print_warnings
from tests.support import PROJECT_DIR
from tests.support.stack import build_stack, data_sources_of, resources_of

OUTPUTS = {
    "api_endpoint",
    "openai_base_url",
    "lambda_function_name",
    "lambda_function_arn",
    "lambda_role_arn",
    "log_group_name",
    "api_key",
    "api_keys",
    "authorizer_function_name",
}


def bedrock_function(synthesized: str) -> dict:
    """The Bedrock function (the other one is the key authorizer)."""
    [function] = [
        f for f in resources_of(synthesized, LambdaFunction.TF_RESOURCE_TYPE) if f["function_name"] == "bedrock-api-dev"
    ]
    return function


def test_provider_uses_the_configured_region_and_default_tags():
    synthesized = Testing.synth(build_stack(load_settings({}, {"AWS_REGION": "eu-central-1", "ENVIRONMENT": "prod"})))
    assert Testing.to_have_provider_with_properties(
        synthesized,
        AwsProvider.TF_RESOURCE_TYPE,
        {
            "region": "eu-central-1",
            "default_tags": [{"tags": {"project": "bedrock-api", "environment": "prod", "managed-by": "cdktf"}}],
        },
    )


def test_outputs_name_the_endpoint_and_the_function_role_and_log_group():
    outputs = json.loads(Testing.synth(build_stack()))["output"]
    assert set(outputs) == OUTPUTS
    assert outputs["api_endpoint"]["value"].endswith(".invoke_url}/invoke")
    assert outputs["openai_base_url"]["value"].endswith(".invoke_url}/v1")  # + /chat/completions, /models
    assert outputs["log_group_name"]["value"].startswith("${aws_cloudwatch_log_group.")


def test_the_playground_setting_adds_the_pages_url_as_an_output():
    outputs = json.loads(Testing.synth(build_stack(Settings(playground=True))))["output"]
    assert set(outputs) == OUTPUTS | {"playground_url"}
    assert outputs["playground_url"]["value"].endswith(".invoke_url}/playground")


def test_several_api_keys_are_each_an_output_by_name_beside_the_first_as_api_key():
    outputs = json.loads(Testing.synth(build_stack(load_settings({}, {"API_KEY_NAMES": "web,batch"}))))["output"]
    assert outputs["api_keys"]["sensitive"] is True and outputs["api_key"]["sensitive"] is True
    assert set(outputs["api_keys"]["value"]) == {"web", "batch"}
    assert outputs["api_key"]["value"] == outputs["api_keys"]["value"]["web"]


def test_function_gets_the_role_the_handler_settings_and_its_three_layers():
    settings = load_settings({}, {"MODEL_ID": "eu.anthropic.claude-sonnet-5", "MAX_TOKENS_CAP": "2048"})
    synthesized = Testing.synth(build_stack(settings))
    function = bedrock_function(synthesized)
    variables = function["environment"]["variables"]
    assert function["function_name"] == "bedrock-api-dev"
    assert function["role"].startswith("${aws_iam_role.") and function["role"].endswith(".arn}")
    assert variables["MODEL_ID"] == "eu.anthropic.claude-sonnet-5"
    assert variables["MAX_TOKENS_CAP"] == "2048"
    assert variables["LOG_CONTENT"] == "false"
    timeout = Settings().lambda_timeout_seconds
    assert variables["BEDROCK_READ_TIMEOUT_SECONDS"] == "30" and variables["LAMBDA_TIMEOUT_SECONDS"] == str(timeout)
    assert function["timeout"] == timeout
    [layer_id] = json.loads(synthesized)["resource"][LambdaLayerVersion.TF_RESOURCE_TYPE]
    assert function["layers"] == [
        "arn:${data.aws_partition.partition.partition}:lambda:us-east-1:753240598075:layer:LambdaAdapterLayerArm64:30",
        "arn:${data.aws_partition.partition.partition}:lambda:us-east-1:017000801446:layer:"
        "AWSLambdaPowertoolsPythonV3-python313-arm64:27",
        f"${{{LambdaLayerVersion.TF_RESOURCE_TYPE}.{layer_id}.arn}}",
    ]


def test_several_models_and_a_guardrail_reach_the_function_its_role_and_the_request_model():
    # GIVEN a profile first (the default), a plain id second, and a guardrail
    settings = load_settings(
        {},
        {
            "MODEL_ID": "us.anthropic.claude-sonnet-5,anthropic.claude-haiku-4-5-20251001-v1:0",
            "GUARDRAIL_ID": "gr4abc",
            "GUARDRAIL_VERSION": "3",
            "GUARDRAIL_STREAM_MODE": "async",
        },
    )
    stack = build_stack(settings)
    synthesized = Testing.synth(stack)
    # THEN the function is told the list and the guardrail
    function = bedrock_function(synthesized)
    variables = function["environment"]["variables"]
    assert variables["MODEL_ID"] == "us.anthropic.claude-sonnet-5,anthropic.claude-haiku-4-5-20251001-v1:0"
    assert (variables["GUARDRAIL_ID"], variables["GUARDRAIL_VERSION"], variables["GUARDRAIL_STREAM_MODE"]) == (
        "gr4abc",
        "3",
        "async",
    )
    # its role may invoke both models and apply that guardrail, in the stack's partition, Region and account
    statements = {
        statement["sid"]: statement
        for document in data_sources_of(synthesized, DataAwsIamPolicyDocument.TF_RESOURCE_TYPE)
        for statement in document["statement"]
        if "sid" in statement
    }
    partition, account = "${data.aws_partition.partition.partition}", "${data.aws_caller_identity.account.account_id}"
    assert statements["InvokeConfiguredModels"]["resources"] == [
        f"arn:{partition}:bedrock:us-east-1:{account}:inference-profile/us.anthropic.claude-sonnet-5",
        f"arn:{partition}:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
    ]
    assert statements["ApplyConfiguredGuardrail"]["resources"] == [
        f"arn:{partition}:bedrock:us-east-1:{account}:guardrail/gr4abc"
    ]
    # and the request model takes `model`, and a temperature (Claude Haiku 4.5 takes one; Sonnet 5 none)
    properties = stack.api.openapi_document["components"]["schemas"]["InferenceRequest"]["properties"]
    assert properties["model"] == {"anyOf": [{"type": "string"}, {"enum": [None]}]}
    assert properties["temperature"] != {"enum": [None]}


def test_without_a_guardrail_the_function_gets_empty_guardrail_variables_and_the_role_no_guardrail():
    synthesized = Testing.synth(build_stack())
    function = bedrock_function(synthesized)
    variables = function["environment"]["variables"]
    assert (variables["GUARDRAIL_ID"], variables["GUARDRAIL_VERSION"], variables["GUARDRAIL_STREAM_MODE"]) == (
        "",
        "",
        "sync",
    )
    assert "bedrock:ApplyGuardrail" not in synthesized


def test_public_layers_can_be_overridden():
    adapter = "arn:aws:lambda:us-east-1:123456789012:layer:web-adapter-stand-in:1"
    powertools = "arn:aws:lambda:us-east-1:123456789012:layer:powertools-stand-in:1"
    settings = load_settings({}, {"WEB_ADAPTER_LAYER_ARN": adapter, "POWERTOOLS_LAYER_ARN": powertools})
    function = bedrock_function(Testing.synth(build_stack(settings)))
    assert function["layers"][:2] == [adapter, powertools]


def test_a_timeout_too_short_for_a_full_answer_gets_a_warning(capsys):
    # 65 s budget + 24000 tokens at 30 tokens/s (800 s) = 865 s > 630 s
    print_warnings(
        {"bedrock-inference": load_settings({}, {"MAX_TOKENS_CAP": "24000", "LAMBDA_TIMEOUT_SECONDS": "630"})}
    )
    assert capsys.readouterr().err.splitlines() == [
        "warning: LAMBDA_TIMEOUT_SECONDS=630 is shorter than a MAX_TOKENS_CAP answer may take: up to 65 s "
        "before the first token (the Bedrock budget) plus 24000 tokens at a slow 30 tokens/s = 865 s; "
        "longer answers end early with stop_reason time_limit."
    ]


def test_a_latency_alarm_the_timeout_never_lets_fire_gets_a_warning(capsys):
    print_warnings(
        {"bedrock-inference": load_settings({}, {"LAMBDA_TIMEOUT_SECONDS": "700", "ALARM_LATENCY_P99_MS": "700000"})}
    )
    assert capsys.readouterr().err.splitlines() == [
        "warning: ALARM_LATENCY_P99_MS=700000 is not below LAMBDA_TIMEOUT_SECONDS=700 (in ms): "
        "the function ends first, so the latency alarm never fires."
    ]


def test_retired_model_gets_a_warning_not_an_error(tmp_path: Path, capsys):
    build_app(load_settings({}, {"MODEL_ID": "anthropic.claude-3-5-sonnet-20240620-v1:0"}), outdir=str(tmp_path))
    assert capsys.readouterr().err.splitlines() == [
        "warning: MODEL_ID 'anthropic.claude-3-5-sonnet-20240620-v1:0' is Claude 3.5 Sonnet v1, which Amazon "
        "Bedrock retired on 2026-03-01: its requests fail unless your account has private access. Set MODEL_ID "
        "to a current model, e.g. the default us.anthropic.claude-sonnet-5 (README: model capabilities)."
    ]

    build_app(Settings(), outdir=str(tmp_path))
    assert capsys.readouterr().err == ""


def test_the_app_run_after_make_checked_the_settings_prints_no_warning_again(tmp_path: Path, capsys):
    # `make synth` runs `main.py --check` (which printed them) and then cdktf with SETTINGS_CHECKED=1
    build_app(load_settings({}, {"AUTH": "none"}), outdir=str(tmp_path), warn=False)
    assert capsys.readouterr().err == ""


def test_each_stack_gets_its_openapi_document_beside_its_terraform_json(tmp_path: Path):
    from main import write_openapi_documents

    # GIVEN two stacks, as ENVIRONMENTS makes them
    app = build_app(
        {
            "api-dev": load_settings({}, {"ENVIRONMENT": "dev"}),
            "api-prod": load_settings({}, {"ENVIRONMENT": "prod", "AUTH": "iam"}),
        },
        outdir=str(tmp_path),
    )
    app.synth()
    # WHEN synth writes the documents
    written = write_openapi_documents(app)
    # THEN each stack directory holds its own, valid, with its own settings
    assert written == [
        tmp_path / "stacks" / "api-dev" / "openapi.json",
        tmp_path / "stacks" / "api-prod" / "openapi.json",
    ]
    dev, prod = (json.loads(path.read_text()) for path in written)
    for document in (dev, prod):
        validate(document)
    assert (dev["info"]["title"], prod["info"]["title"]) == ("bedrock-api-dev", "bedrock-api-prod")
    assert set(prod["components"]["securitySchemes"]) == {"sigv4"}
    assert (tmp_path / "stacks" / "api-prod" / "cdk.tf.json").is_file()


@pytest.mark.slow
def test_real_terraform_validates_the_synthesized_stack():
    # terraform init + validate with the AWS provider 5.100.0 (local mirror where one exists).
    assert Testing.to_be_valid_terraform(Testing.full_synth(build_stack()))


@pytest.mark.slow
def test_cdktf_synth_writes_the_stack_with_the_projects_app_command(tmp_path: Path):
    result = subprocess.run(
        ["cdktf", "synth", "--output", str(tmp_path)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CI": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    stack = json.loads((tmp_path / "stacks" / "bedrock-inference" / "cdk.tf.json").read_text())
    assert set(stack["output"]) == OUTPUTS
    assert {"aws_lambda_function", "aws_api_gateway_rest_api", "aws_iam_role"} <= set(stack["resource"])
    # AND the API's OpenAPI document beside it, for client generators
    document = json.loads((tmp_path / "stacks" / "bedrock-inference" / "openapi.json").read_text())
    validate(document)
    assert "/invoke" in document["paths"]


# Every resource's Terraform address in the default stack (with an alarm email). An address is
# the key of a resource in Terraform state: a construct id renamed by accident would make the
# next deploy destroy the resource and create a new one (a new API URL, new API keys, an emptied
# log group). Adding a resource adds a line here; changing one is a decision, made visibly.
STATE_ADDRESSES = (
    "aws_api_gateway_account.api_gateway_account_76E5F05D",
    "aws_api_gateway_api_key.api_gateway_api_key_84AAF739",
    "aws_api_gateway_deployment.api_gateway_deployment_5AAEB11E",
    "aws_api_gateway_method_settings.api_gateway_method_settings_340D4349",
    "aws_api_gateway_rest_api.api_gateway_rest_api_F3C24898",
    "aws_api_gateway_stage.api_gateway_stage_63316875",
    "aws_api_gateway_usage_plan.api_gateway_usage_plan_DF9EF797",
    "aws_api_gateway_usage_plan_key.api_gateway_usage_plan_key_D9504C01",
    "aws_cloudwatch_dashboard.monitoring_dashboard_4CE328EF",
    "aws_cloudwatch_log_group.api_gateway_access_log_group_4C31B765",
    "aws_cloudwatch_log_group.api_gateway_execution_log_group_838E944C",
    "aws_cloudwatch_log_group.authorizer_log_group_56B10E17",
    "aws_cloudwatch_log_group.lambda_log_group_DC704108",
    "aws_cloudwatch_log_group.waf_log_group_0895F38B",
    "aws_cloudwatch_metric_alarm.monitoring_api_5xx_rate_90E9A61D",
    "aws_cloudwatch_metric_alarm.monitoring_authorizer_errors_1574CA55",
    "aws_cloudwatch_metric_alarm.monitoring_authorizer_throttles_9795C9F3",
    "aws_cloudwatch_metric_alarm.monitoring_bedrock_throttles_8EAD42EB",
    "aws_cloudwatch_metric_alarm.monitoring_daily_output_tokens_DCFE6293",
    "aws_cloudwatch_metric_alarm.monitoring_lambda_errors_8FA32470",
    "aws_cloudwatch_metric_alarm.monitoring_lambda_throttles_F5912CFD",
    "aws_cloudwatch_metric_alarm.monitoring_latency_p99_4739069F",
    "aws_iam_role.api_gateway_account_cloudwatch_role_C57AE4F3",
    "aws_iam_role.authorizer_role_3A92102D",
    "aws_iam_role.iam_role_F6C53ACB",
    "aws_iam_role_policy.authorizer_inline_D7C0C913",
    "aws_iam_role_policy.iam_inline_F7689C00",
    "aws_iam_role_policy_attachment.api_gateway_account_cloudwatch_role_push_to_cloudwatch_logs_F932C804",
    "aws_kms_alias.kms_alias_11A4552E",
    "aws_kms_key.kms_key_28C05A0F",
    "aws_lambda_function.authorizer_function_D0516DF2",
    "aws_lambda_function.lambda_function_8A4960FD",
    "aws_lambda_layer_version.lambda_packages_84738A88",
    "aws_lambda_permission.api_gateway_permission_authorizer_1C300727",
    "aws_lambda_permission.api_gateway_permission_get_v1_models_788E1F6B",
    "aws_lambda_permission.api_gateway_permission_post_invoke_0A181B8B",
    "aws_lambda_permission.api_gateway_permission_post_v1_chat_completions_EDB32464",
    "aws_sns_topic.monitoring_topic_631C3BE1",
    "aws_sns_topic_subscription.monitoring_email_2C4C82F9",
    "aws_wafv2_web_acl.waf_web_acl_82D6288C",
    "aws_wafv2_web_acl_association.waf_association_2251FBE9",
    "aws_wafv2_web_acl_logging_configuration.waf_logging_09F1A7C5",
)


def test_no_resource_changes_its_terraform_address_so_an_upgrade_replaces_nothing():
    synthesized = json.loads(Testing.synth(build_stack(Settings(alarm_email="ops@example.com"))))
    addresses = sorted(f"{kind}.{name}" for kind, named in synthesized["resource"].items() for name in named)
    assert addresses == list(STATE_ADDRESSES)
