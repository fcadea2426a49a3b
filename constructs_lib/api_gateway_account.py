"""API Gateway's account setting: the CloudWatch Logs role of every REST API in the Region.

Stage logging (execution and access logs) needs this role, and there is one per account and
Region, so whichever stack sets it sets it for everything else there too. That is why it is a
construct of its own, wired by the stack only when ``API_GATEWAY_ACCOUNT_ROLE`` is on, and by at
most one stack of an app (constructs_lib/environments.py).
"""

from __future__ import annotations

from constructs import Construct

from constructs_lib.aws import ApiGatewayAccount
from constructs_lib.iam import ApiGatewayCloudWatchRole


class ApiGatewayAccountLogging(Construct):
    """The role (with AWS's managed logging policy) and the account setting that names it.

    - The setting waits for the policy attachment, not only for the role: API Gateway checks,
      when the role is set, that it can write to CloudWatch Logs, and refuses a role without its
      permissions (the provider retries until IAM's propagation timeout, then fails).
    - ``reset_on_delete``: a destroy sets the account back to no role, instead of leaving it
      pointing at the role the same destroy deletes (the provider's default keeps the setting).

    ``account`` is exposed so the stage can be created after it.
    """

    def __init__(self, scope: Construct, id_: str, *, role_name: str, partition: str) -> None:
        super().__init__(scope, id_)
        self.cloudwatch_role = ApiGatewayCloudWatchRole(
            self, "cloudwatch_role", role_name=role_name, partition=partition
        )
        self.account = ApiGatewayAccount(
            self,
            "account",
            cloudwatch_role_arn=self.cloudwatch_role.role.arn,
            reset_on_delete=True,
            depends_on=[self.cloudwatch_role.policy_attachment],
        )
