"""The public layers the function runs with, as ARNs: the Web Adapter and Powertools.

Kept apart from constructs_lib/lambda_function.py (which builds the function and imports cdktf)
so that `make doctor` (scripts/doctor.py) checks exactly the layers the stack names without
starting the jsii runtime.
"""

from __future__ import annotations

from constructs_lib.lambda_zips import PYTHON_VERSION
from constructs_lib.settings import Settings

RUNTIME = f"python{PYTHON_VERSION}"
ARCHITECTURE = "arm64"

# Powertools for AWS Lambda (Python) v3, AWS-managed layer; the version is pinned so a deploy
# is repeatable (version 27 as listed in the Powertools docs, read 2026-11-25).
POWERTOOLS_LAYER_ACCOUNT = "017000801446"
POWERTOOLS_LAYER_VERSION = 27

# AWS Lambda Web Adapter (aws/aws-lambda-web-adapter), the layer AWS publishes in every
# commercial Region. Version 30 is v1.1.0: README.md and docs/guide/src/getting-started/
# zip-packages.md of that repository, pinned there by PR #871 ("point docs and examples at
# v1.1.0 and layer version 30"; 29 was never a release), read 2026-11-26. China Regions
# publish only an x86_64 layer: set WEB_ADAPTER_LAYER_ARN there.
WEB_ADAPTER_LAYER_ACCOUNT = "753240598075"
WEB_ADAPTER_LAYER_VERSION = 30


def powertools_layer_arn(partition: str, region: str) -> str:
    """The AWS-managed Powertools layer for this runtime and architecture in ``region``."""
    name = f"AWSLambdaPowertoolsPythonV3-{RUNTIME.replace('.', '')}-{ARCHITECTURE}"
    return f"arn:{partition}:lambda:{region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:{name}:{POWERTOOLS_LAYER_VERSION}"


def web_adapter_layer_arn(partition: str, region: str) -> str:
    """The AWS-published Lambda Web Adapter layer for arm64 in ``region``."""
    return (
        f"arn:{partition}:lambda:{region}:{WEB_ADAPTER_LAYER_ACCOUNT}:layer:"
        f"LambdaAdapterLayerArm64:{WEB_ADAPTER_LAYER_VERSION}"
    )


def public_layer_arns(settings: Settings, partition: str) -> dict[str, str]:
    """Setting (environment variable) → the layer ARN the function gets for it, in the order the
    function lists them: the setting's own ARN, or the AWS-published layer for the Region."""
    return {
        "WEB_ADAPTER_LAYER_ARN": settings.web_adapter_layer_arn or web_adapter_layer_arn(partition, settings.region),
        "POWERTOOLS_LAYER_ARN": settings.powertools_layer_arn or powertools_layer_arn(partition, settings.region),
    }
