"""API Gateway's account-wide CloudWatch role: set only once its policy is attached, reset on destroy."""

from __future__ import annotations

import json

from constructs_lib.api_gateway import AccessControl, ApiLogging, InferenceApi, LambdaBackend
from constructs_lib.api_gateway_account import ApiGatewayAccountLogging
from constructs_lib.aws import ApiGatewayAccount, ApiGatewayStage, IamRole, IamRolePolicyAttachment
from constructs_lib.request_schema import request_schema
from tests.support.stack import resources_of, synth_construct


def synth_account_logging() -> str:
    return synth_construct(
        lambda stack: ApiGatewayAccountLogging(
            stack,
            "account_logging",
            role_name="demo-apigw-logs",
            partition="aws",
        )
    )


def test_the_account_setting_waits_for_the_policy_attachment_not_only_the_role():
    # API Gateway refuses a role it cannot yet write logs with; the role alone exists earlier.
    synthesized = synth_account_logging()
    [account] = resources_of(synthesized, ApiGatewayAccount.TF_RESOURCE_TYPE)
    resources = json.loads(synthesized)["resource"]
    [attachment_id] = resources[IamRolePolicyAttachment.TF_RESOURCE_TYPE]
    [role_id] = resources[IamRole.TF_RESOURCE_TYPE]

    assert account["cloudwatch_role_arn"] == f"${{aws_iam_role.{role_id}.arn}}"
    assert account["depends_on"] == [f"{IamRolePolicyAttachment.TF_RESOURCE_TYPE}.{attachment_id}"]


def test_a_destroy_resets_the_account_setting_instead_of_leaving_a_deleted_role_in_it():
    [account] = resources_of(synth_account_logging(), ApiGatewayAccount.TF_RESOURCE_TYPE)
    assert account["reset_on_delete"] is True


def test_the_stage_is_created_after_the_account_setting_it_is_given_and_only_then():
    def build(stack, manage: bool):
        account = ApiGatewayAccountLogging(stack, "account_logging", role_name="demo-apigw-logs", partition="aws")
        InferenceApi(
            stack,
            "api",
            api_name="demo",
            stage_name="v1",
            backend=LambdaBackend(
                function_name="demo",
                function_arn="arn:aws:lambda:us-east-1:123456789012:function:demo",
                timeout_seconds=60,
                partition="aws",
                region="us-east-1",
            ),
            request_schema=request_schema(prompt_max_chars=100, max_tokens_cap=10),
            access=AccessControl(auth="iam", rate_limit=1, burst_limit=2, daily_quota=10),
            logging=ApiLogging(
                retention_days=30, kms_key_arn=None, account_setting=account.account if manage else None
            ),
        )

    [managed] = resources_of(synth_construct(lambda stack: build(stack, True)), ApiGatewayStage.TF_RESOURCE_TYPE)
    [unmanaged] = resources_of(synth_construct(lambda stack: build(stack, False)), ApiGatewayStage.TF_RESOURCE_TYPE)

    assert any(d.startswith(f"{ApiGatewayAccount.TF_RESOURCE_TYPE}.") for d in managed["depends_on"])
    assert not any(d.startswith(f"{ApiGatewayAccount.TF_RESOURCE_TYPE}.") for d in unmanaged["depends_on"])
