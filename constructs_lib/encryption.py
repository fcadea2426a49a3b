"""The customer-managed KMS key that encrypts the stack's log groups and function settings.

CloudWatch Logs encrypts with AWS-owned keys by default; a key of our own lets the account
audit every use (CloudTrail), revoke access, and satisfies scanners' "log groups use KMS" rule.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from constructs import Construct

from constructs_lib.aws import KmsAlias, KmsKey

# The account keeps full control of the key through IAM, action by action (no "kms:*"), so
# the key can never become unmanageable and no statement needs a wildcard action.
ADMIN_ACTIONS = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
]
LOGS_ACTIONS = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
]


class LogEncryptionKey(Construct):
    """A rotating KMS key with an alias, usable by CloudWatch Logs for the named groups only.

    The key gets its policy at creation (``aws_kms_key.policy``), not from a separate
    ``aws_kms_key_policy``: KMS applies a policy put on an existing key eventually (AWS KMS
    eventual consistency; it can take minutes), and log groups created in between fail with "The
    specified KMS key does not exist or is not allowed to be used"
    (hashicorp/terraform-provider-aws#29282). In a key policy ``"Resource": "*"`` means this key
    and no other (AWS KMS developer guide, "Key policies"), so the statements stay as narrow as
    their principals and conditions: the account administers the key through IAM, CloudWatch Logs
    may use it only when the encryption context names one of ``log_group_arns`` (patterns
    allowed), and with ``alarm_topic`` CloudWatch alarms may use it to publish to the encrypted
    alarm topic.

    The policy is JSON built from ``self.policy`` rather than an ``aws_iam_policy_document``:
    checkov reads every policy document as an identity policy, where ``"*"`` means every resource,
    and cannot tell that this one is a key policy (bridgecrewio/checkov#2336, #5181; its
    maintainers point to a JSON policy for resource policies). tests/test_security.py walks
    ``self.policy`` instead: no wildcard action, no wildcard principal.
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
        statements = [
            _allow(
                "AccountAdministersKeyThroughIam",
                ADMIN_ACTIONS,
                {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            ),
            _allow(
                "CloudWatchLogsEncryptsTheStacksLogGroups",
                LOGS_ACTIONS,
                {"Service": f"logs.{region}.amazonaws.com"},
                {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": list(log_group_arns)}},
            ),
        ]
        if alarm_topic:
            statements.append(
                _allow(
                    "CloudWatchAlarmsPublishToTheEncryptedTopic",
                    ["kms:Decrypt", "kms:GenerateDataKey"],
                    {"Service": "cloudwatch.amazonaws.com"},
                    {"StringEquals": {"aws:SourceAccount": account_id}},
                )
            )
        self.policy: dict[str, Any] = {"Version": "2012-10-17", "Statement": statements}
        self.key = KmsKey(
            self,
            "key",
            description=f"Encrypts the log groups and function settings of {alias}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(self.policy),
        )
        KmsAlias(self, "alias", name=f"alias/{alias}", target_key_id=self.key.key_id)
        self.arn = self.key.arn


def _allow(
    sid: str, actions: list[str], principal: dict[str, str], condition: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One key-policy statement; its ``"Resource": "*"`` is this key (the only value a key policy takes)."""
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": actions,
        "Resource": "*",
    }
    if condition:
        statement["Condition"] = condition
    return statement
