"""The customer-managed KMS key that encrypts the stack's log groups and function settings.

CloudWatch Logs encrypts with AWS-owned keys by default; a key of our own lets the account
audit every use (CloudTrail), revoke access, and satisfies scanners' "log groups use KMS" rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from constructs_lib.aws import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
    KmsAlias,
    KmsKey,
    KmsKeyPolicy,
)

# The account keeps full control of the key through IAM, action by action (no "kms:*"), so
# the key can never become unmanageable and no statement needs a wildcard action.
ADMIN_ACTIONS = [
    "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias",
    "kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey",
    "kms:EnableKeyRotation", "kms:Encrypt", "kms:GenerateDataKey", "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants", "kms:ListResourceTags",
    "kms:PutKeyPolicy", "kms:RetireGrant", "kms:RevokeGrant", "kms:ScheduleKeyDeletion",
    "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias", "kms:UpdateKeyDescription",
]
LOGS_ACTIONS = [
    "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo",
]


class LogEncryptionKey(Construct):
    """A rotating KMS key with an alias, usable by CloudWatch Logs for the named groups only.

    The policy is its own resource (``aws_kms_key_policy``) so its statements can name the key's
    ARN rather than the usual ``"*"`` ("this key"), which scanners cannot tell from "any
    resource". CloudWatch Logs may use the key only when the encryption context names one of
    ``log_group_arns`` (patterns allowed). With ``alarm_topic`` the key also encrypts the
    alarm topic, so CloudWatch alarms may use it to publish there.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        alias: str,
        log_group_arns: Sequence[str],
        partition: str,
        region: str,
        account_id: str,
        alarm_topic: bool = False,
    ) -> None:
        super().__init__(scope, id_)
        self.key = KmsKey(
            self, "key",
            description=f"Encrypts the log groups and function settings of {alias}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
        )
        statements = [
                DataAwsIamPolicyDocumentStatement(
                    sid="AccountAdministersKeyThroughIam",
                    effect="Allow",
                    actions=ADMIN_ACTIONS,
                    resources=[self.key.arn],
                    principals=[DataAwsIamPolicyDocumentStatementPrincipals(
                        type="AWS", identifiers=[f"arn:{partition}:iam::{account_id}:root"],
                    )],
                ),
                DataAwsIamPolicyDocumentStatement(
                    sid="CloudWatchLogsEncryptsTheStacksLogGroups",
                    effect="Allow",
                    actions=LOGS_ACTIONS,
                    resources=[self.key.arn],
                    principals=[DataAwsIamPolicyDocumentStatementPrincipals(
                        type="Service", identifiers=[f"logs.{region}.amazonaws.com"],
                    )],
                    condition=[DataAwsIamPolicyDocumentStatementCondition(
                        test="ArnLike",
                        variable="kms:EncryptionContext:aws:logs:arn",
                        values=list(log_group_arns),
                    )],
                ),
        ]
        if alarm_topic:
            statements.append(DataAwsIamPolicyDocumentStatement(
                sid="CloudWatchAlarmsPublishToTheEncryptedTopic",
                effect="Allow",
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[self.key.arn],
                principals=[DataAwsIamPolicyDocumentStatementPrincipals(
                    type="Service", identifiers=["cloudwatch.amazonaws.com"],
                )],
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="StringEquals", variable="aws:SourceAccount", values=[account_id],
                )],
            ))
        policy = DataAwsIamPolicyDocument(self, "policy", statement=statements)
        self.key_policy = KmsKeyPolicy(self, "policy_attachment", key_id=self.key.key_id, policy=policy.json)
        KmsAlias(self, "alias", name=f"alias/{alias}", target_key_id=self.key.key_id)
        # Read through the policy resource, so whatever uses this ARN (log groups above all) is
        # created after CloudWatch Logs is allowed to use the key.
        self.arn = f"arn:{partition}:kms:{region}:{account_id}:key/{self.key_policy.key_id}"
