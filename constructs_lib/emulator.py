"""Point the AWS provider at an AWS API emulator (moto) when ``AWS_ENDPOINT_URL`` is set.

``AWS_ENDPOINT_URL`` is the AWS SDKs' own variable for "send every service to this URL". When
it is set at synth time, the provider gets one endpoint per service the stack uses (now and
as the stack grows) and the flags an emulator needs; when it is unset, the provider
configuration is exactly what it would be without this module (an empty dict is added).

The emulator itself (moto's process, the tools run against it, `make local`) lives in
local/emulator/. This part stays with the stack: the stack calls it at every synth, and what
ships or builds the stack must not import development tools (it gets the stricter bandit scan
of constructs_lib/, and it is pure: nothing here starts a process or opens a port).

The flags, and why:

- ``skip_credentials_validation`` and ``skip_metadata_api_check``: the provider does not call
  STS to check the (fake) credentials, nor probe the EC2 instance metadata service.
- ``skip_requesting_account_id = false``: kept, because moto answers GetCallerIdentity and the
  stack builds ARNs from the account id.
- ``max_retries = 2``: moto answers calls it does not implement with HTTP 500, which the
  provider retries with back-off for minutes by default (25). Provider 5.x passes this value to
  the SDK as the number of *attempts*, so 2 is one retry: an unimplemented call still fails
  within seconds, while the Go SDK's transient "use of closed network connection" on reading a
  response (aws/aws-sdk-go-v2#2737, retryable since #2949), which moto's
  ``Connection: close`` server provokes under load, gets its one retry. With 1, that race
  failed about one lifecycle run in six on a loaded 2-core machine.
- ``s3_use_path_style``: an emulator on ``127.0.0.1`` has no ``<bucket>.host`` DNS names.

Pure: a function of the environment mapping, so tests need no emulator.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL"

# Every service the stack uses or is expected to use (security: WAF, KMS; operations: alarms,
# SNS, X-Ray, remote state in S3/DynamoDB). Names are the provider's ``endpoints`` block keys;
# the Python binding spells ``lambda`` as ``lambda_``. One name per service: the provider
# rejects two aliases of the same service.
SERVICES = (
    "apigateway",
    "apigatewayv2",
    "cloudwatch",
    "dynamodb",
    "events",
    "iam",
    "kms",
    "lambda_",
    "logs",
    "s3",
    "secretsmanager",
    "sns",
    "sqs",
    "ssm",
    "sts",
    "wafv2",
    "xray",
)


MAX_ATTEMPTS = 2  # the provider's max_retries: attempts, the first included (see above)


def emulator_endpoint(environ: Mapping[str, str] = os.environ) -> str | None:
    """The emulator's URL, or None when the stack targets real AWS."""
    url = environ.get(ENDPOINT_VARIABLE, "").strip()
    return url or None


def provider_overrides(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Extra ``AwsProvider`` keyword arguments for an emulator; ``{}`` for real AWS."""
    url = emulator_endpoint(environ)
    if url is None:
        return {}
    # Imported here so this module stays importable (and its tests fast) without the bindings.
    from constructs_lib.aws import AwsProviderEndpoints

    return {
        "endpoints": [AwsProviderEndpoints(**dict.fromkeys(SERVICES, url))],
        "skip_credentials_validation": True,
        "skip_metadata_api_check": "true",  # a string in the provider schema
        "skip_requesting_account_id": False,
        "max_retries": MAX_ATTEMPTS,
        "s3_use_path_style": True,
    }
