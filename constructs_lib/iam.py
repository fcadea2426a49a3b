"""The Lambda execution role (the original design's ``modules/iam``).

Least privilege, written as ``DataAwsIamPolicyDocument`` so scanners (checkov) can read it:
the function may write only to its own log group and invoke only the configured model.
"""

from __future__ import annotations

from constructs import Construct

from constructs_lib.aws import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
    IamRole,
    IamRolePolicy,
)
from constructs_lib.bedrock_arns import model_arns

# The Converse API (answers in one piece) and ConverseStream (answers as a stream of events).
INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]


def service_trust(scope: Construct, service: str) -> DataAwsIamPolicyDocument:
    """A trust policy that lets one AWS service, and nothing else, assume the role."""
    return DataAwsIamPolicyDocument(
        scope, "trust",
        statement=[DataAwsIamPolicyDocumentStatement(
            effect="Allow",
            actions=["sts:AssumeRole"],
            principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=[service])],
        )],
    )


class LambdaExecutionRole(Construct):
    """Role assumed by the Bedrock function, with one inline policy.

    ``bedrock:InvokeModel`` covers the Converse API, ``bedrock:InvokeModelWithResponseStream``
    the ConverseStream API (Bedrock API reference, ConverseStream: "requires permission for the
    bedrock:InvokeModelWithResponseStream action"); both are granted on exactly the same
    resources, under the same condition. For an inference profile the foundation-model
    statement carries a ``bedrock:InferenceProfileArn`` condition, so the role can reach the
    base model only through that profile, never directly. X-Ray is the one service here whose
    actions need ``Resource: "*"``; ``kms:Decrypt`` names the stack's key when there is one.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        role_name: str,
        log_group_arn: str,
        model_id: str,
        partition: str,
        region: str,
        account_id: str,
        kms_key_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id_)
        arns = model_arns(model_id, partition=partition, region=region, account_id=account_id)

        trust = service_trust(self, "lambda.amazonaws.com")
        statements = [
            DataAwsIamPolicyDocumentStatement(
                sid="WriteOwnLogGroup",
                effect="Allow",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                # The provider's group ARN has no ':*'; streams are '<group arn>:log-stream:<name>'.
                resources=[log_group_arn, f"{log_group_arn}:*"],
            ),
            DataAwsIamPolicyDocumentStatement(
                sid="InvokeConfiguredModel",
                effect="Allow",
                actions=INVOKE_ACTIONS,
                resources=list(arns.invoked),
            ),
        ]
        if arns.routed_foundation_models:
            statements.append(DataAwsIamPolicyDocumentStatement(
                sid="InvokeBaseModelThroughProfile",
                effect="Allow",
                actions=INVOKE_ACTIONS,
                resources=list(arns.routed_foundation_models),
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="StringEquals",
                    variable="bedrock:InferenceProfileArn",
                    values=list(arns.invoked),
                )],
            ))
        statements.append(DataAwsIamPolicyDocumentStatement(
            sid="SendTraces",
            effect="Allow",
            actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            resources=["*"],  # X-Ray's trace APIs support no resource-level permissions
        ))
        if kms_key_arn:
            statements.append(DataAwsIamPolicyDocumentStatement(
                sid="DecryptOwnSettings",
                effect="Allow",
                actions=["kms:Decrypt"],
                resources=[kms_key_arn],
            ))
        self.policy_document = DataAwsIamPolicyDocument(self, "policy", statement=statements)

        self.role = IamRole(
            self, "role",
            name=role_name,
            description="Execution role of the Bedrock inference function",
            assume_role_policy=trust.json,
        )
        IamRolePolicy(
            self, "inline",
            name=f"{role_name}-policy",
            role=self.role.id,
            policy=self.policy_document.json,
        )


class ApiGatewayCloudWatchRole(Construct):
    """The role API Gateway uses to write this API's execution and access logs.

    API Gateway takes one such role per account and Region (``aws_api_gateway_account``), so
    setting it is account-wide; the stack does so only when API_GATEWAY_ACCOUNT_ROLE is on.
    Unlike AWS's managed policy (``Resource: "*"``), this one names the stack's log groups.
    """

    def __init__(self, scope: Construct, id_: str, *, role_name: str, log_group_arns: list[str]) -> None:
        super().__init__(scope, id_)
        trust = service_trust(self, "apigateway.amazonaws.com")
        policy = DataAwsIamPolicyDocument(
            self, "policy",
            statement=[DataAwsIamPolicyDocumentStatement(
                sid="WriteStackApiLogs",
                effect="Allow",
                actions=[
                    "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                ],
                resources=[arn for group in log_group_arns for arn in (group, f"{group}:*")],
            )],
        )
        self.role = IamRole(
            self, "role",
            name=role_name,
            description="Lets API Gateway write the Bedrock API's execution and access logs",
            assume_role_policy=trust.json,
        )
        IamRolePolicy(self, "inline", name=f"{role_name}-policy", role=self.role.id, policy=policy.json)
