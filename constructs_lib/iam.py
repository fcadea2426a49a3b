"""The Lambda execution role (the original design's ``modules/iam``).

Least privilege, written as ``DataAwsIamPolicyDocument`` so scanners (checkov) can read it:
the function may write only to its own log group, invoke only the configured models and apply
only the configured guardrail.
API Gateway's account-wide logging role is the exception: its one policy is AWS's managed one.
"""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from constructs_lib.aws import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
    IamRole,
    IamRolePolicy,
    IamRolePolicyAttachment,
)
from constructs_lib.bedrock_arns import guardrail_arn, models_arns

# The Converse API (answers in one piece) and ConverseStream (answers as a stream of events).
INVOKE_ACTIONS = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]


def service_trust(scope: Construct, service: str) -> DataAwsIamPolicyDocument:
    """A trust policy that lets one AWS service, and nothing else, assume the role."""
    return DataAwsIamPolicyDocument(
        scope,
        "trust",
        statement=[
            DataAwsIamPolicyDocumentStatement(
                effect="Allow",
                actions=["sts:AssumeRole"],
                principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=[service])],
            )
        ],
    )


def own_log_group_statement(log_group_arn: str) -> DataAwsIamPolicyDocumentStatement:
    """A function may write its own log group's streams, and no other group's."""
    return DataAwsIamPolicyDocumentStatement(
        sid="WriteOwnLogGroup",
        effect="Allow",
        actions=["logs:CreateLogStream", "logs:PutLogEvents"],
        # The provider's group ARN has no ':*'; streams are '<group arn>:log-stream:<name>'.
        resources=[log_group_arn, f"{log_group_arn}:*"],
    )


def send_traces_statement() -> DataAwsIamPolicyDocumentStatement:
    """Active tracing: the function's segments go to X-Ray."""
    return DataAwsIamPolicyDocumentStatement(
        sid="SendTraces",
        effect="Allow",
        actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        resources=["*"],  # X-Ray's trace APIs support no resource-level permissions
    )


def function_role(
    scope: Construct, *, name: str, description: str, statements: list[DataAwsIamPolicyDocumentStatement]
) -> tuple[IamRole, DataAwsIamPolicyDocument]:
    """A Lambda function's execution role: Lambda may assume it, and one inline policy named
    ``<name>-policy`` holds ``statements``. Returns the role and the policy document."""
    policy_document = DataAwsIamPolicyDocument(scope, "policy", statement=statements)
    role = IamRole(
        scope,
        "role",
        name=name,
        description=description,
        assume_role_policy=service_trust(scope, "lambda.amazonaws.com").json,
    )
    IamRolePolicy(scope, "inline", name=f"{name}-policy", role=role.id, policy=policy_document.json)
    return role, policy_document


class LambdaExecutionRole(Construct):
    """Role assumed by the Bedrock function, with one inline policy.

    Every model of MODEL_ID is granted, and no other; its ARNs are derived as for one model
    (constructs_lib/bedrock_arns.py) and granted in one statement per kind: the ARNs callers
    name, then the foundation models the profiles route to, under the condition that the call
    came through one of these profiles. One condition for all the profiles grants no more than
    one per profile would: a system-defined profile routes only to its own base model.

    ``bedrock:InvokeModel`` covers the Converse API, ``bedrock:InvokeModelWithResponseStream``
    the ConverseStream API (Bedrock API reference, ConverseStream: "requires permission for the
    bedrock:InvokeModelWithResponseStream action"); both are granted on exactly the same
    resources, under the same condition. For an inference profile the foundation-model
    statement carries a ``bedrock:InferenceProfileArn`` condition, so the role can reach the
    base model only through that profile, never directly. With GUARDRAIL_ID set, the role may
    apply that guardrail and no other (``bedrock:ApplyGuardrail``). X-Ray is the one service
    here whose actions need ``Resource: "*"``; ``kms:Decrypt`` names the stack's key when there
    is one.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        role_name: str,
        log_group_arn: str,
        model_ids: Sequence[str],
        partition: str,
        region: str,
        account_id: str,
        kms_key_arn: str | None = None,
        guardrail: str | None = None,
    ) -> None:
        super().__init__(scope, id_)
        arns = models_arns(model_ids, partition=partition, region=region, account_id=account_id)

        statements = [
            own_log_group_statement(log_group_arn),
            DataAwsIamPolicyDocumentStatement(
                sid="InvokeConfiguredModels",
                effect="Allow",
                actions=INVOKE_ACTIONS,
                resources=list(arns.invoked),
            ),
        ]
        if arns.routed_foundation_models:
            statements.append(
                DataAwsIamPolicyDocumentStatement(
                    sid="InvokeBaseModelThroughProfile",
                    effect="Allow",
                    actions=INVOKE_ACTIONS,
                    resources=list(arns.routed_foundation_models),
                    condition=[
                        DataAwsIamPolicyDocumentStatementCondition(
                            test="StringEquals",
                            variable="bedrock:InferenceProfileArn",
                            values=list(arns.profiles),
                        )
                    ],
                )
            )
        if guardrail:
            # A guardrail in guardrailConfig needs bedrock:ApplyGuardrail on it besides the
            # invoke actions (Bedrock user guide, "Set up permissions to use Amazon Bedrock
            # Guardrails": permissions for invoking guardrails to filter content).
            statements.append(
                DataAwsIamPolicyDocumentStatement(
                    sid="ApplyConfiguredGuardrail",
                    effect="Allow",
                    actions=["bedrock:ApplyGuardrail"],
                    resources=[guardrail_arn(guardrail, partition=partition, region=region, account_id=account_id)],
                )
            )
        statements.append(send_traces_statement())
        if kms_key_arn:
            statements.append(
                DataAwsIamPolicyDocumentStatement(
                    sid="DecryptOwnSettings",
                    effect="Allow",
                    actions=["kms:Decrypt"],
                    resources=[kms_key_arn],
                )
            )
        self.role, self.policy_document = function_role(
            self, name=role_name, description="Execution role of the Bedrock inference function", statements=statements
        )


# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonAPIGatewayPushToCloudWatchLogs.html
API_GATEWAY_LOGS_POLICY = "service-role/AmazonAPIGatewayPushToCloudWatchLogs"


def api_gateway_logs_policy_arn(partition: str) -> str:
    """AWS's managed policy for API Gateway's CloudWatch Logs role, in the stack's partition."""
    return f"arn:{partition}:iam::aws:policy/{API_GATEWAY_LOGS_POLICY}"


class ApiGatewayCloudWatchRole(Construct):
    """The role API Gateway uses to write the execution and access logs of every REST API in
    this account and Region (set by ``ApiGatewayAccountLogging``).

    Its one permission is AWS's managed policy for this role, AmazonAPIGatewayPushToCloudWatchLogs,
    which the API Gateway developer guide names ("Set up CloudWatch logging for REST APIs"). It
    grants the logs actions on ``Resource: "*"``, the one ``*`` in the stack outside X-Ray, and
    that is right here: the role is account-wide, so it writes the logs of every REST API in the
    Region, not only this stack's; API Gateway checks, when the role is set, that it can write to
    CloudWatch Logs, and ``logs:DescribeLogGroups`` takes only ``*``, so a role narrowed to this
    stack's groups fails the first apply ("The role ARN does not have required permissions",
    retried by the provider until IAM's propagation timeout); and AWS keeps the policy current.
    """

    def __init__(self, scope: Construct, id_: str, *, role_name: str, partition: str) -> None:
        super().__init__(scope, id_)
        trust = service_trust(self, "apigateway.amazonaws.com")
        self.role = IamRole(
            self,
            "role",
            name=role_name,
            description="Lets API Gateway write the execution and access logs of this Region's REST APIs",
            assume_role_policy=trust.json,
        )
        self.policy_attachment = IamRolePolicyAttachment(
            self,
            "push_to_cloudwatch_logs",
            role=self.role.name,
            policy_arn=api_gateway_logs_policy_arn(partition),
        )
