"""Several environments from one app: one stack each, its own names, its own settings."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from constructs_lib.environments import stack_settings
from constructs_lib.settings import SettingsError
from main import STACK_ID, build_app

CONTEXT = {
    "name_prefix": "bedrock-api",
    "lambda_memory_mb": 512,
    "environments": {"prod": {"lambda_memory_mb": 1024, "alarm_email": "oncall@example.com"}},
}


def test_unset_means_one_stack_named_as_always():
    stacks = stack_settings(STACK_ID, CONTEXT, {})
    assert list(stacks) == ["bedrock-inference"]
    assert stacks["bedrock-inference"].environment == "dev"
    assert stacks["bedrock-inference"].lambda_memory_mb == 512


def test_the_single_stack_still_gets_its_environments_block():
    stacks = stack_settings(STACK_ID, CONTEXT, {"ENVIRONMENT": "prod"})
    assert list(stacks) == ["bedrock-inference"]
    assert stacks["bedrock-inference"].lambda_memory_mb == 1024


def test_environments_make_one_stack_each_with_its_own_context_block():
    stacks = stack_settings(STACK_ID, CONTEXT, {"ENVIRONMENTS": "dev, prod"})
    assert list(stacks) == ["bedrock-inference-dev", "bedrock-inference-prod"]
    dev, prod = stacks.values()
    assert (dev.environment, prod.environment) == ("dev", "prod")
    assert (dev.lambda_memory_mb, prod.lambda_memory_mb) == (512, 1024)
    assert (dev.alarm_email, prod.alarm_email) == ("", "oncall@example.com")


def test_environment_variables_still_win_for_every_environment_except_its_name():
    stacks = stack_settings(
        STACK_ID, CONTEXT, {"ENVIRONMENTS": "dev,prod", "LAMBDA_MEMORY_MB": "2048", "ENVIRONMENT": "qa"}
    )
    assert [s.lambda_memory_mb for s in stacks.values()] == [2048, 2048]
    assert [s.environment for s in stacks.values()] == ["dev", "prod"]


@pytest.mark.parametrize(
    "environ, context, message",
    [
        ({"ENVIRONMENTS": "dev,Prod"}, {}, "invalid setting ENVIRONMENTS = 'dev,Prod'"),
        ({"ENVIRONMENTS": "dev,dev"}, {}, "named twice"),
        ({}, {"environments": ["dev", "prod"]}, "expected an object of environment name"),
        ({}, {"environments": {"prod": {"environment": "live"}}}, "'environment' is the block's own name"),
        (
            {"ENVIRONMENTS": "prod"},
            {"environments": {"prod": {"lamda_memory_mb": 1024}}},
            "unknown setting 'lamda_memory_mb'",
        ),
    ],
)
def test_mistakes_are_reported_in_one_line(environ, context, message):
    with pytest.raises(SettingsError, match=message.replace("(", r"\(")):
        stack_settings(STACK_ID, context, environ)


def test_dev_and_prod_synthesize_as_two_stacks_with_distinct_names(tmp_path: Path):
    stacks = stack_settings(STACK_ID, CONTEXT, {"ENVIRONMENTS": "dev,prod", "STATE_BUCKET": "acme-terraform-state"})
    build_app(stacks, outdir=str(tmp_path)).synth()

    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert set(manifest["stacks"]) == {"bedrock-inference-dev", "bedrock-inference-prod"}
    synthesized = {
        name: json.loads((tmp_path / stack["synthesizedStackPath"]).read_text())
        for name, stack in manifest["stacks"].items()
    }
    names = {}
    for stack_id, config in synthesized.items():
        resources = config["resource"]
        functions = sorted(function["function_name"] for function in resources["aws_lambda_function"].values())
        [dashboard] = resources["aws_cloudwatch_dashboard"].values()
        names[stack_id] = (functions, dashboard["dashboard_name"], config["terraform"]["backend"]["s3"]["key"])
    assert names == {  # the Bedrock function and the key authorizer
        "bedrock-inference-dev": (
            ["bedrock-api-dev", "bedrock-api-dev-authorizer"],
            "bedrock-api-dev",
            "bedrock-inference-dev/terraform.tfstate",
        ),
        "bedrock-inference-prod": (
            ["bedrock-api-prod", "bedrock-api-prod-authorizer"],
            "bedrock-api-prod",
            "bedrock-inference-prod/terraform.tfstate",
        ),
    }
    [prod_function] = [
        function
        for function in synthesized["bedrock-inference-prod"]["resource"]["aws_lambda_function"].values()
        if function["function_name"] == "bedrock-api-prod"
    ]
    assert prod_function["memory_size"] == 1024
    assert "aws_sns_topic" in synthesized["bedrock-inference-prod"]["resource"]
    assert "aws_sns_topic" not in synthesized["bedrock-inference-dev"]["resource"]


def test_projects_cdktf_json_context_is_accepted():
    from main import read_stack_settings

    assert list(read_stack_settings({k: v for k, v in os.environ.items() if k != "ENVIRONMENTS"})) == [
        "bedrock-inference"
    ]


def test_only_the_first_environment_manages_the_account_wide_api_gateway_role():
    stacks = stack_settings(STACK_ID, CONTEXT, {"ENVIRONMENTS": "dev,prod,qa"})
    assert {stack_id: s.api_gateway_account_role for stack_id, s in stacks.items()} == {
        "bedrock-inference-dev": True,
        "bedrock-inference-prod": False,
        "bedrock-inference-qa": False,
    }


def test_the_first_environment_that_asks_manages_it_and_none_when_none_asks():
    context = {"environments": {"dev": {"api_gateway_account_role": False}}}
    stacks = stack_settings(STACK_ID, context, {"ENVIRONMENTS": "dev,prod,qa"})
    assert [s.api_gateway_account_role for s in stacks.values()] == [False, True, False]

    stacks = stack_settings(STACK_ID, {}, {"ENVIRONMENTS": "dev,prod", "API_GATEWAY_ACCOUNT_ROLE": "false"})
    assert [s.api_gateway_account_role for s in stacks.values()] == [False, False]


def test_dev_and_prod_synthesize_one_account_setting_between_them(tmp_path: Path):
    build_app(stack_settings(STACK_ID, {}, {"ENVIRONMENTS": "dev,prod"}), outdir=str(tmp_path)).synth()

    manifest = json.loads((tmp_path / "manifest.json").read_text())
    account_settings = {
        name: list(
            json.loads((tmp_path / stack["synthesizedStackPath"]).read_text())["resource"].get(
                "aws_api_gateway_account", {}
            )
        )
        for name, stack in manifest["stacks"].items()
    }
    assert {name: len(found) for name, found in account_settings.items()} == {
        "bedrock-inference-dev": 1,
        "bedrock-inference-prod": 0,
    }
