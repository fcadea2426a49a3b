"""The roles: Lambda's may do only what the function needs; API Gateway's has AWS's logging policy."""

from __future__ import annotations

import pytest
from cdktf import Testing

from constructs_lib.aws import DataAwsIamPolicyDocument, IamRole, IamRolePolicy, IamRolePolicyAttachment
from constructs_lib.bedrock_arns import guardrail_arn, models_arns
from constructs_lib.iam import ApiGatewayCloudWatchRole, LambdaExecutionRole
from tests.support.stack import data_sources_of, resources_of, synth_construct, synth_stack

LOG_GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/demo"
# Converse and ConverseStream: the function streams, and both are scoped alike.
INVOKE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]


def synth_role(*model_ids: str, guardrail: str | None = None) -> str:
    return synth_construct(
        lambda stack: LambdaExecutionRole(
            stack,
            "iam",
            role_name="demo-lambda",
            log_group_arn=LOG_GROUP_ARN,
            model_ids=model_ids,
            partition="aws",
            region="us-east-1",
            account_id="123456789012",
            guardrail=guardrail,
        )
    )


def bedrock_statements(synthesized: str) -> list[dict]:
    return [
        s
        for d in data_sources_of(synthesized, DataAwsIamPolicyDocument.TF_RESOURCE_TYPE)
        for s in d["statement"]
        if any(a.startswith("bedrock:") for a in s["actions"])
    ]


def statements(synthesized: str, sid: str) -> list[dict]:
    return [
        statement
        for document in data_sources_of(synthesized, DataAwsIamPolicyDocument.TF_RESOURCE_TYPE)
        for statement in document["statement"]
        if statement.get("sid") == sid
    ]


def test_only_lambda_may_assume_the_role():
    synthesized = synth_role("us.anthropic.claude-sonnet-5")
    assert Testing.to_have_data_source_with_properties(
        synthesized,
        DataAwsIamPolicyDocument.TF_RESOURCE_TYPE,
        {
            "statement": [
                {
                    "actions": ["sts:AssumeRole"],
                    "effect": "Allow",
                    "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
                }
            ],
        },
    )
    assert Testing.to_have_resource_with_properties(synthesized, IamRole.TF_RESOURCE_TYPE, {"name": "demo-lambda"})
    [role] = resources_of(synthesized, IamRole.TF_RESOURCE_TYPE)
    assert role["assume_role_policy"].startswith("${data.aws_iam_policy_document.")


def test_logs_may_be_written_only_to_the_functions_own_log_group():
    [statement] = statements(synth_role("us.anthropic.claude-sonnet-5"), "WriteOwnLogGroup")
    assert statement["actions"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["resources"] == [LOG_GROUP_ARN, f"{LOG_GROUP_ARN}:*"]


def test_inference_profile_allows_the_profile_and_its_base_model_in_every_region():
    synthesized = synth_role("us.anthropic.claude-sonnet-5")
    profile = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-5"

    [invoke] = statements(synthesized, "InvokeConfiguredModels")
    [routed] = statements(synthesized, "InvokeBaseModelThroughProfile")

    assert invoke["actions"] == INVOKE and invoke["resources"] == [profile]
    assert routed["actions"] == INVOKE
    assert routed["resources"] == ["arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-5"]
    # Only reachable through the profile, never invoked directly.
    assert routed["condition"] == [
        {"test": "StringEquals", "variable": "bedrock:InferenceProfileArn", "values": [profile]}
    ]


def test_global_profile_also_allows_the_regionless_foundation_model_arn():
    [routed] = statements(synth_role("global.anthropic.claude-sonnet-5"), "InvokeBaseModelThroughProfile")
    assert routed["resources"] == [
        "arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-5",
        "arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-5",
    ]


def test_plain_model_id_allows_exactly_its_foundation_model_in_the_stack_region():
    synthesized = synth_role("anthropic.claude-3-5-sonnet-20240620-v1:0")
    [invoke] = statements(synthesized, "InvokeConfiguredModels")
    assert invoke["actions"] == INVOKE
    assert invoke["resources"] == [
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"
    ]
    assert statements(synthesized, "InvokeBaseModelThroughProfile") == []


def test_policy_is_attached_inline_to_the_role():
    synthesized = synth_role("us.anthropic.claude-sonnet-5")
    [policy] = resources_of(synthesized, IamRolePolicy.TF_RESOURCE_TYPE)
    assert policy["role"].startswith("${aws_iam_role.") and policy["policy"].startswith(
        "${data.aws_iam_policy_document."
    )


@pytest.mark.parametrize(
    "model_id",
    ["us.anthropic.claude-sonnet-5", "global.anthropic.claude-sonnet-5", "anthropic.claude-3-5-sonnet-20240620-v1:0"],
)
def test_streaming_is_allowed_exactly_where_invoking_is(model_id):
    # Every statement that grants one of the two grants both, on the same resources and condition.
    bedrock = bedrock_statements(synth_role(model_id))
    assert bedrock and all(s["actions"] == INVOKE for s in bedrock)


# --- several models: exactly those, each derived as for one -----------------------------------

PROFILE_ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
FOUNDATION_MODEL = "arn:aws:bedrock:{region}::foundation-model/"


def test_several_models_grant_exactly_those_profiles_plain_ids_and_their_base_models():
    # GIVEN two profiles (one global) and a plain id
    synthesized = synth_role(
        "us.anthropic.claude-sonnet-5", "global.anthropic.claude-opus-4-7", "anthropic.claude-haiku-4-5-20251001-v1:0"
    )
    [invoke] = statements(synthesized, "InvokeConfiguredModels")
    [routed] = statements(synthesized, "InvokeBaseModelThroughProfile")

    assert invoke["actions"] == INVOKE and invoke["resources"] == [
        PROFILE_ARN + "us.anthropic.claude-sonnet-5",
        PROFILE_ARN + "global.anthropic.claude-opus-4-7",
        FOUNDATION_MODEL.format(region="us-east-1") + "anthropic.claude-haiku-4-5-20251001-v1:0",
    ]
    assert routed["actions"] == INVOKE and routed["resources"] == [
        FOUNDATION_MODEL.format(region="*") + "anthropic.claude-sonnet-5",
        FOUNDATION_MODEL.format(region="*") + "anthropic.claude-opus-4-7",
        FOUNDATION_MODEL.format(region="") + "anthropic.claude-opus-4-7",  # global: no Region
    ]
    # the base models only through the listed profiles, never the plain id's: it needs none
    assert routed["condition"] == [
        {
            "test": "StringEquals",
            "variable": "bedrock:InferenceProfileArn",
            "values": [PROFILE_ARN + "us.anthropic.claude-sonnet-5", PROFILE_ARN + "global.anthropic.claude-opus-4-7"],
        }
    ]
    assert len(bedrock_statements(synthesized)) == 2  # one statement per kind, nothing else on bedrock


def test_two_profiles_of_one_base_model_name_it_once():
    [routed] = statements(
        synth_role("us.anthropic.claude-sonnet-5", "global.anthropic.claude-sonnet-5"), "InvokeBaseModelThroughProfile"
    )
    assert routed["resources"] == [
        FOUNDATION_MODEL.format(region="*") + "anthropic.claude-sonnet-5",
        FOUNDATION_MODEL.format(region="") + "anthropic.claude-sonnet-5",
    ]


def test_plain_ids_only_need_no_profile_statement():
    synthesized = synth_role("anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic.claude-sonnet-4-6")
    [invoke] = statements(synthesized, "InvokeConfiguredModels")
    assert invoke["resources"] == [
        FOUNDATION_MODEL.format(region="us-east-1") + "anthropic.claude-haiku-4-5-20251001-v1:0",
        FOUNDATION_MODEL.format(region="us-east-1") + "anthropic.claude-sonnet-4-6",
    ]
    assert statements(synthesized, "InvokeBaseModelThroughProfile") == []


# --- the guardrail: ApplyGuardrail on that one only, and only when set -------------------------


@pytest.mark.parametrize(
    "guardrail, arn",
    [
        (
            "abc123xyz",
            "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123xyz",
        ),  # an id: the stack's Region and account
        (
            "arn:aws:bedrock:us-east-1:210987654321:guardrail/shared1",
            "arn:aws:bedrock:us-east-1:210987654321:guardrail/shared1",
        ),
    ],
)
def test_a_guardrail_may_be_applied_that_one_only(guardrail, arn):
    [apply] = statements(synth_role("us.anthropic.claude-sonnet-5", guardrail=guardrail), "ApplyConfiguredGuardrail")
    assert apply == {
        "actions": ["bedrock:ApplyGuardrail"],
        "effect": "Allow",
        "resources": [arn],
        "sid": "ApplyConfiguredGuardrail",
    }


def test_without_a_guardrail_no_guardrail_may_be_applied():
    synthesized = synth_role("us.anthropic.claude-sonnet-5")
    assert not [s for s in bedrock_statements(synthesized) if "bedrock:ApplyGuardrail" in s["actions"]]


# --- API Gateway's CloudWatch Logs role ----------------------------------------------------------


def synth_api_gateway_role(partition: str = "aws") -> str:
    return synth_construct(
        lambda stack: ApiGatewayCloudWatchRole(
            stack,
            "apigw",
            role_name="demo-apigw-logs",
            partition=partition,
        )
    )


def test_api_gateway_logging_role_has_aws_managed_policy_and_nothing_else():
    # Why this one policy is AWS's and may grant logs actions on "*": the role is account-wide
    # (it writes the logs of every REST API in the Region, not only this stack's), API Gateway
    # checks when the role is set that it can write to CloudWatch Logs, and logs:DescribeLogGroups
    # takes only "*"; a policy narrowed to the stack's log groups made the first apply fail. The
    # API Gateway developer guide names this managed policy for exactly this role.
    synthesized = synth_api_gateway_role()
    [attachment] = resources_of(synthesized, IamRolePolicyAttachment.TF_RESOURCE_TYPE)
    assert attachment["policy_arn"] == "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
    assert attachment["role"].startswith("${aws_iam_role.") and attachment["role"].endswith(".name}")
    assert resources_of(synthesized, IamRolePolicy.TF_RESOURCE_TYPE) == []  # no policy of our own beside it
    [trust] = data_sources_of(synthesized, DataAwsIamPolicyDocument.TF_RESOURCE_TYPE)
    assert trust["statement"] == [
        {
            "actions": ["sts:AssumeRole"],
            "effect": "Allow",
            "principals": [{"type": "Service", "identifiers": ["apigateway.amazonaws.com"]}],
        }
    ]


def test_api_gateway_logging_policy_follows_the_partition():
    [attachment] = resources_of(synth_api_gateway_role("aws-cn"), IamRolePolicyAttachment.TF_RESOURCE_TYPE)
    assert attachment["policy_arn"].startswith("arn:aws-cn:iam::aws:policy/service-role/")


# --- partitions: every ARN the role names is in the stack's partition -------------------------


@pytest.mark.parametrize(
    ("partition", "region", "model_id"),
    [
        ("aws-us-gov", "us-gov-west-1", "us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0"),  # a GovCloud profile
        ("aws-us-gov", "us-gov-west-1", "anthropic.claude-sonnet-4-5-20250929-v1:0"),  # a plain model id
        ("aws-cn", "cn-north-1", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ],
)
def test_every_bedrock_arn_is_in_the_stacks_partition(partition, region, model_id):
    arns = models_arns([model_id], partition=partition, region=region, account_id="123456789012")
    assert arns.all  # something to check
    assert all(arn.startswith(f"arn:{partition}:bedrock:") for arn in arns.all), arns
    if model_id.startswith("us-gov."):
        assert arns.routed_foundation_models == (
            f"arn:{partition}:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
        )
    guardrail = guardrail_arn("gr1", partition=partition, region=region, account_id="123456789012")
    assert guardrail == f"arn:{partition}:bedrock:{region}:123456789012:guardrail/gr1"


def test_the_synthesized_role_names_bedrock_only_in_the_partition_it_is_given():
    synthesized = synth_construct(
        lambda stack: LambdaExecutionRole(
            stack,
            "iam",
            role_name="demo-lambda",
            log_group_arn="arn:aws-us-gov:logs:us-gov-west-1:1:log-group:x",
            model_ids=("us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0",),
            partition="aws-us-gov",
            region="us-gov-west-1",
            account_id="123456789012",
            guardrail="gr1",
        )
    )
    resources = [arn for statement in bedrock_statements(synthesized) for arn in statement["resources"]]
    assert len(resources) == 3  # the profile, its routed base model, the guardrail
    assert all(arn.startswith("arn:aws-us-gov:bedrock:") for arn in resources), resources


# --- what every policy and role of the stack says ---------------------------------------------


def test_every_statement_of_every_policy_in_the_stack_allows_and_says_exactly_allow():
    # IAM spells the effect "Allow" (or "Deny"): any other spelling fails the apply, and none of
    # the stack's policies needs a Deny.
    documents = data_sources_of(synth_stack(), DataAwsIamPolicyDocument.TF_RESOURCE_TYPE)
    effects = [statement.get("effect") for document in documents for statement in document["statement"]]
    assert len(documents) == 5 and len(effects) >= 8
    assert set(effects) == {"Allow"}


def test_the_roles_have_their_names_and_say_what_they_are_for():
    roles = {role["name"]: role["description"] for role in resources_of(synth_stack(), IamRole.TF_RESOURCE_TYPE)}
    assert roles == {
        "bedrock-api-dev-lambda": "Execution role of the Bedrock inference function",
        "bedrock-api-dev-authorizer": "Execution role of the API key authorizer",
        "bedrock-api-dev-apigw-logs": "Lets API Gateway write the execution and access logs of this Region's REST APIs",
    }


def test_traces_may_go_to_x_ray_whose_trace_apis_take_only_the_star_resource():
    [traces] = statements(synth_role("us.anthropic.claude-sonnet-5"), "SendTraces")
    assert traces["actions"] == ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    assert traces["resources"] == ["*"]
    assert traces["effect"] == "Allow"


def test_the_function_may_decrypt_its_settings_with_the_stacks_key_only():
    synthesized = synth_construct(
        lambda stack: LambdaExecutionRole(
            stack,
            "iam",
            role_name="demo-lambda",
            log_group_arn=LOG_GROUP_ARN,
            model_ids=("anthropic.x",),
            partition="aws",
            region="us-east-1",
            account_id="123456789012",
            kms_key_arn="arn:aws:kms:us-east-1:1:key/k",
        )
    )
    [decrypt] = statements(synthesized, "DecryptOwnSettings")
    assert (decrypt["effect"], decrypt["actions"], decrypt["resources"]) == (
        "Allow",
        ["kms:Decrypt"],
        ["arn:aws:kms:us-east-1:1:key/k"],
    )
    assert statements(synth_role("anthropic.x"), "DecryptOwnSettings") == []


def test_each_role_has_one_inline_policy_named_after_it():
    synthesized = synth_stack()
    policies = sorted(policy["name"] for policy in resources_of(synthesized, IamRolePolicy.TF_RESOURCE_TYPE))
    assert policies == ["bedrock-api-dev-authorizer-policy", "bedrock-api-dev-lambda-policy"]
