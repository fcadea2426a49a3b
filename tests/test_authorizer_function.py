"""The key authorizer as deployed: a small function of its own, its zip, its log group, and a role
that may write that log group and nothing else (X-Ray aside)."""

from __future__ import annotations

import json
import zipfile

import pytest

from constructs_lib.authorizer import KeyAuthorizer
from constructs_lib.aws import (
    CloudwatchLogGroup,
    DataAwsIamPolicyDocument,
    IamRole,
    IamRolePolicy,
    LambdaFunction,
)
from constructs_lib.lambda_zips import build_authorizer_zip
from constructs_lib.settings import load_settings
from tests.support import PROJECT_DIR
from tests.support.stack import data_sources_of, resources_of, synth_construct, synth_stack

LOG_GROUP_ARN = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/demo-authorizer"
KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def synth_authorizer(tmp_path, **overrides) -> str:
    props = {
        "name": "demo",
        "log_group_arn": LOG_GROUP_ARN,
        "log_retention_days": 365,
        "reserved_concurrency": 30,
        "kms_key_arn": KMS_KEY,
        "code": build_authorizer_zip(target=tmp_path / "authorizer.zip"),
    }
    props.update(overrides)
    return synth_construct(lambda stack: KeyAuthorizer(stack, "authorizer", **props))


def test_a_small_python_313_arm64_function_runs_api_keys_handler(tmp_path):
    synthesized = synth_authorizer(tmp_path)
    [function] = resources_of(synthesized, LambdaFunction.TF_RESOURCE_TYPE)
    assert (function["handler"], function["runtime"], function["architectures"]) == (
        "api_keys.handler",
        "python3.13",
        ["arm64"],
    )
    assert (function["memory_size"], function["timeout"], function["reserved_concurrent_executions"]) == (128, 3, 30)
    assert function["tracing_config"] == {"mode": "Active"}
    [role_id] = json.loads(synthesized)["resource"][IamRole.TF_RESOURCE_TYPE]
    assert (function["function_name"], function["role"]) == ("demo-authorizer", f"${{aws_iam_role.{role_id}.arn}}")
    assert "environment" not in function  # nothing to configure, nothing to encrypt
    [group_id] = json.loads(synthesized)["resource"][CloudwatchLogGroup.TF_RESOURCE_TYPE]
    assert function["logging_config"] == {
        "log_format": "JSON",
        "log_group": f"${{aws_cloudwatch_log_group.{group_id}.name}}",
    }
    assert function["depends_on"] == [f"aws_cloudwatch_log_group.{group_id}"]  # the group exists before Lambda writes


def test_without_reserved_concurrency_the_authorizer_shares_the_account_pool(tmp_path):
    [function] = resources_of(synth_authorizer(tmp_path, reserved_concurrency=None), LambdaFunction.TF_RESOURCE_TYPE)
    assert function["reserved_concurrent_executions"] == -1


def test_its_log_group_is_its_own_retained_and_encrypted(tmp_path):
    [group] = resources_of(synth_authorizer(tmp_path), CloudwatchLogGroup.TF_RESOURCE_TYPE)
    assert group == {"name": "/aws/lambda/demo-authorizer", "retention_in_days": 365, "kms_key_id": KMS_KEY}


def test_its_role_may_write_only_its_own_log_group_and_send_traces(tmp_path):
    synthesized = synth_authorizer(tmp_path)
    [trust, policy] = sorted(
        data_sources_of(synthesized, DataAwsIamPolicyDocument.TF_RESOURCE_TYPE),
        key=lambda document: "principals" not in document["statement"][0],
    )
    assert trust["statement"] == [
        {
            "effect": "Allow",
            "actions": ["sts:AssumeRole"],
            "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
        }
    ]
    by_sid = {statement["sid"]: statement for statement in policy["statement"]}
    assert set(by_sid) == {"WriteOwnLogGroup", "SendTraces"}
    assert by_sid["WriteOwnLogGroup"]["actions"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert by_sid["WriteOwnLogGroup"]["resources"] == [LOG_GROUP_ARN, f"{LOG_GROUP_ARN}:*"]
    assert by_sid["SendTraces"]["actions"] == ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    [role] = resources_of(synthesized, IamRole.TF_RESOURCE_TYPE)
    [inline] = resources_of(synthesized, IamRolePolicy.TF_RESOURCE_TYPE)
    assert role["name"] == "demo-authorizer" and inline["role"].startswith("${aws_iam_role.")


def test_the_zip_holds_the_authorizers_code_and_nothing_else(tmp_path):
    archive = build_authorizer_zip(target=tmp_path / "authorizer.zip")
    with zipfile.ZipFile(archive.path) as opened:
        assert opened.namelist() == ["api_keys.py"]
        assert opened.read("api_keys.py") == (PROJECT_DIR / "authorizer" / "api_keys.py").read_bytes().replace(
            b"\r\n", b"\n"
        )
    assert build_authorizer_zip(target=tmp_path / "again.zip").sha256 == archive.sha256  # same code, same bytes


@pytest.mark.parametrize("auth", ["iam", "none"])
def test_the_stack_has_the_authorizer_with_api_keys_only(auth):
    def names(synthesized):
        return sorted(f["function_name"] for f in resources_of(synthesized, LambdaFunction.TF_RESOURCE_TYPE))

    assert names(synth_stack()) == ["bedrock-api-dev", "bedrock-api-dev-authorizer"]
    assert names(synth_stack(load_settings({}, {"AUTH": auth}))) == ["bedrock-api-dev"]
    reserved = {
        f["function_name"]: f["reserved_concurrent_executions"]
        for f in resources_of(
            synth_stack(load_settings({}, {"RESERVED_CONCURRENCY": "off"})), LambdaFunction.TF_RESOURCE_TYPE
        )
    }
    assert reserved == {"bedrock-api-dev": -1, "bedrock-api-dev-authorizer": -1}
