"""The provider's emulator block (present exactly when AWS_ENDPOINT_URL is set at synth time), and a stand-in
for every public layer."""

from __future__ import annotations

import json

import pytest

from constructs_lib.emulator import SERVICES, provider_overrides
from constructs_lib.settings import describe
from local.emulator.environment import STAND_IN_LAYERS
from tests.support.stack import synth_stack

EMULATOR = "http://127.0.0.1:5999"
FLAGS = {
    "skip_credentials_validation",
    "skip_metadata_api_check",
    "skip_requesting_account_id",
    "max_retries",
    "s3_use_path_style",
    "endpoints",
}


def synthesized_provider() -> dict:
    [provider] = json.loads(synth_stack())["provider"]["aws"]
    return provider


def test_with_an_endpoint_every_service_goes_to_the_emulator_with_its_flags(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", EMULATOR)
    provider = synthesized_provider()
    [endpoints] = provider["endpoints"]
    assert endpoints == {service.rstrip("_"): EMULATOR for service in SERVICES}
    # what the stack uses now, and what security and operations work adds
    assert {
        "apigateway",
        "lambda",
        "iam",
        "sts",
        "logs",
        "cloudwatch",
        "sns",
        "wafv2",
        "kms",
        "xray",
        "s3",
        "dynamodb",
    } <= set(endpoints)
    assert provider["skip_credentials_validation"] is True
    assert provider["skip_metadata_api_check"] == "true"
    assert provider["skip_requesting_account_id"] is False  # moto answers GetCallerIdentity
    # Provider 5.x reads max_retries as attempts: one retry, so moto's HTTP 500 for an
    # unimplemented call fails in seconds, not after the default 25 attempts.
    assert provider["max_retries"] == 2
    assert provider["s3_use_path_style"] is True
    assert provider["region"] == "us-east-1"


def test_without_an_endpoint_the_provider_has_none_of_it(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    provider = synthesized_provider()
    assert not FLAGS & set(provider)


@pytest.mark.parametrize("environ", [{}, {"AWS_ENDPOINT_URL": ""}, {"AWS_ENDPOINT_URL": "  "}])
def test_an_empty_or_missing_endpoint_means_real_aws(environ):
    assert provider_overrides(environ) == {}


def test_every_public_layer_setting_gets_a_stand_in_in_the_emulator():
    # moto attaches only its own account's layers: a public layer without a stand-in fails `make local`.
    layer_settings = {env for _, env, _, _ in describe() if env.endswith("_LAYER_ARN")}
    assert layer_settings == {"WEB_ADAPTER_LAYER_ARN", "POWERTOOLS_LAYER_ARN"}
    assert set(STAND_IN_LAYERS) == layer_settings
