"""The one place that imports the AWS provider bindings, and only the parts the app uses.

``cdktf_cdktf_provider_aws/__init__.py`` imports all ~2,100 of its submodules (9-15 s on a
2-core machine) although each submodule stands on its own. This module registers the
package without running that ``__init__`` and then imports only the submodules below, which
cuts a whole synth to a few seconds (bench/synth_speed.py measures both ways).

To use another resource, add its import below (and its name to ``__all__``).
When the package is already fully imported (someone ran ``import cdktf_cdktf_provider_aws``
first), this changes nothing and the usual import is used.
"""

from __future__ import annotations

import importlib.util
import sys

_PACKAGE = "cdktf_cdktf_provider_aws"


def _register_package_without_init() -> None:
    if _PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None:
        raise ModuleNotFoundError(f"{_PACKAGE} is not installed: run `make setup`")
    # A module object with the package's __path__, so `import package.sub` finds submodules,
    # but without executing the package's __init__.py.
    sys.modules[_PACKAGE] = importlib.util.module_from_spec(spec)


_register_package_without_init()

# ruff: noqa: E402 -- the imports must follow the registration above.
from cdktf_cdktf_provider_aws.api_gateway_deployment import ApiGatewayDeployment
from cdktf_cdktf_provider_aws.api_gateway_integration import ApiGatewayIntegration
from cdktf_cdktf_provider_aws.api_gateway_method import ApiGatewayMethod
from cdktf_cdktf_provider_aws.api_gateway_resource import ApiGatewayResource
from cdktf_cdktf_provider_aws.api_gateway_rest_api import (
    ApiGatewayRestApi,
    ApiGatewayRestApiEndpointConfiguration,
)
from cdktf_cdktf_provider_aws.api_gateway_stage import ApiGatewayStage
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.lambda_function import (
    LambdaFunction,
    LambdaFunctionEnvironment,
    LambdaFunctionLoggingConfig,
)
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags

__all__ = [
    "ApiGatewayDeployment",
    "ApiGatewayIntegration",
    "ApiGatewayMethod",
    "ApiGatewayResource",
    "ApiGatewayRestApi",
    "ApiGatewayRestApiEndpointConfiguration",
    "ApiGatewayStage",
    "AwsProvider",
    "AwsProviderDefaultTags",
    "CloudwatchLogGroup",
    "DataAwsCallerIdentity",
    "DataAwsIamPolicyDocument",
    "DataAwsIamPolicyDocumentStatement",
    "DataAwsIamPolicyDocumentStatementCondition",
    "DataAwsIamPolicyDocumentStatementPrincipals",
    "DataAwsPartition",
    "IamRole",
    "IamRolePolicy",
    "LambdaFunction",
    "LambdaFunctionEnvironment",
    "LambdaFunctionLoggingConfig",
    "LambdaPermission",
]
