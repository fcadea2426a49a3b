"""The outside scanner's verdict: checkov finds nothing to fail in the synthesized stack."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from cdktf import Testing

from constructs_lib.settings import load_settings
from tests.support import PROJECT_DIR
from tests.support.stack import build_stack

CHECKOV = PROJECT_DIR / ".venv-checkov" / "bin" / "checkov"
CONFIG = PROJECT_DIR / ".checkov.yaml"
# Each skip is justified in .checkov.yaml and in the README's Security section.
EXPECTED_SKIPS = {
    "CKV_AWS_117",  # Lambda in a VPC
    "CKV_AWS_116",  # DLQ for a synchronous invocation
    "CKV_AWS_120",  # stage caching
    "CKV_AWS_225",  # method-settings caching
    "CKV2_AWS_51",  # client certificate
    "CKV_AWS_272",  # code signing
}
MAX_SKIPS = 6  # a new skip replaces one, or earns a higher cap in review


def configured_skips() -> list[str]:
    block = CONFIG.read_text().split("skip-check:", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\s+- (CKV\S+)", block, re.MULTILINE)


def test_every_skip_is_an_expected_one_with_a_justification():
    skips = configured_skips()
    assert set(skips) == EXPECTED_SKIPS and len(skips) == len(EXPECTED_SKIPS) <= MAX_SKIPS
    assert "CKV_AWS_338" not in skips  # logs are kept a year (LOG_RETENTION_DAYS=365), as the check asks
    text = CONFIG.read_text()
    for skip in skips:  # the line before each skip is its reason
        reason = text.split(f"  - {skip}")[0].rstrip().splitlines()[-1]
        assert reason.lstrip().startswith("#") and len(reason) > 20, skip


@pytest.mark.slow
@pytest.mark.parametrize(
    "environ",
    [
        {},  # the defaults: what the gate is about
        {"CORS_ALLOW_ORIGIN": "https://app.example.com", "ALARM_EMAIL": "oncall@example.com"},  # optional parts on
    ],
    ids=["default", "cors-and-alarm-topic"],
)
def test_checkov_finds_no_failed_check_in_the_synthesized_stack(environ):
    assert CHECKOV.exists(), "checkov's environment is missing: run `make setup` or `make test`"
    stack = build_stack(load_settings({}, environ))
    stack_json = Path(Testing.full_synth(stack)) / "stacks" / "bedrock-inference" / "cdk.tf.json"

    result = subprocess.run(
        [str(CHECKOV), "--config-file", str(CONFIG), "-f", str(stack_json), "--output", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )

    report = json.loads(result.stdout)
    summary = report["summary"]
    failed = [f"{c['check_id']} {c['resource']}" for c in report["results"]["failed_checks"]]
    assert summary["failed"] == 0, failed
    assert summary["passed"] > 80 and summary["parsing_errors"] == 0  # it read the whole stack
    assert result.returncode == 0
