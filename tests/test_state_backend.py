"""Where the state lives: a local file by default, S3 (encrypted, locked, a key per stack) on request."""

from __future__ import annotations

import json

import pytest

from constructs_lib.settings import SettingsError, load_settings
from tests.support.stack import synth_stack


def backend_of(environ: dict[str, str], stack_id: str = "bedrock-inference") -> dict:
    return json.loads(synth_stack(load_settings({}, environ), stack_id))["terraform"].get("backend", {})


def test_without_state_bucket_state_stays_local():
    backend = backend_of({})
    assert "s3" not in backend  # cdktf's local backend (or none): terraform.<stack>.tfstate


def test_state_bucket_selects_s3_with_encryption_a_key_per_stack_and_a_lock_file():
    assert backend_of({"STATE_BUCKET": "acme-terraform-state", "AWS_REGION": "eu-west-1"}) == {
        "s3": {
            "bucket": "acme-terraform-state",
            "key": "bedrock-inference/terraform.tfstate",
            "region": "eu-west-1",  # the stack's Region unless STATE_REGION says otherwise
            "encrypt": True,
            "use_lockfile": True,  # S3-native locking, Terraform >= 1.10
        }
    }


def test_key_prefix_region_and_a_dynamodb_lock_table_are_honoured():
    backend = backend_of(
        {
            "STATE_BUCKET": "acme-terraform-state",
            "STATE_KEY_PREFIX": "teams/ml",
            "STATE_REGION": "us-west-2",
            "STATE_LOCK_TABLE": "terraform-locks",
        },
        stack_id="bedrock-inference-prod",
    )
    assert backend == {
        "s3": {
            "bucket": "acme-terraform-state",
            "key": "teams/ml/bedrock-inference-prod/terraform.tfstate",
            "region": "us-west-2",
            "encrypt": True,
            "dynamodb_table": "terraform-locks",  # instead of the lock file, not as well
        }
    }


@pytest.mark.parametrize(
    "variable, value",
    [
        ("STATE_BUCKET", "Not_A_Bucket"),
        ("STATE_KEY_PREFIX", "/teams/ml/"),
        ("STATE_REGION", "nowhere"),
    ],
)
def test_bad_state_settings_are_refused(variable, value):
    with pytest.raises(SettingsError, match=variable):
        load_settings({}, {variable: value})
