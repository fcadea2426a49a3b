"""moto's server, made to behave like AWS in the two places the stack's lifecycle needs.

Started by local/emulator/process.py (``python -m local.emulator.moto_server``) in place of
``python -m moto.server``, with the same arguments; everything else is moto's own.

- AWS's managed policies exist in every account; moto loads them only when asked
  (``MOTO_IAM_LOAD_MANAGED_POLICIES``). The API Gateway logging role attaches one.
- ``aws_api_gateway_account`` with ``reset_on_delete`` resets the account setting with a patch
  operation ``replace /cloudwatchRoleArn`` that carries no value (AWS provider 5.100.0,
  internal/service/apigateway/account.go). AWS accepts it and clears the role; moto 5.2.5 reads
  the operation's ``value`` unconditionally and answers 500. Here a missing value clears the role.
"""

from __future__ import annotations

import os
from typing import Any

os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"  # read when moto's IAM backend starts

from moto.apigateway.models import Account
from moto.server import main

_apply_patch_operations = Account.apply_patch_operations


def _apply_patch_operations_like_aws(self: Account, patch_operations: list[dict[str, Any]]) -> Account:
    filled = [
        {**op, "value": None} if op["path"] == "/cloudwatchRoleArn" and "value" not in op else op
        for op in patch_operations
    ]
    return _apply_patch_operations(self, filled)


Account.apply_patch_operations = _apply_patch_operations_like_aws

if __name__ == "__main__":
    main()
