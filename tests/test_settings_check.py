"""`make synth|deploy|destroy|local|local-down` check the settings before the cdktf CLI starts (main.py --check).

The CLI shows whatever the app writes to stderr behind a red `[ERROR] default -`, and a failed
app's line a second time under `Error: non-zero exit code 2`: a bad setting must come out as
its one line, and a warning must not look like an error.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support import PROJECT_DIR

BAD_MEMORY_LINE = "error: invalid setting LAMBDA_MEMORY_MB (lambda_memory_mb) = 64: expected a number from 128 to 10240"
PUBLIC_WARNING = (
    "warning: AUTH=none: the endpoint is public; anyone who finds the URL can spend Bedrock tokens "
    "on this account (throttling, reserved concurrency and WAF still apply)."
)


def run_make(target: str, **settings: str) -> subprocess.CompletedProcess:
    """``make TARGET`` with these settings, the shared environments taken as installed."""
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            ".venv/.synced",
            "-o",
            "node_modules/.installed",
            "-o",
            ".build/layer.json",
            target,
            "STACK=bedrock-inference",
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CI": "1", **settings},
    )


def run_check(**settings: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", "--check"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **settings},
    )


@pytest.mark.parametrize("target", ["synth", "deploy", "destroy", "local", "local-down"])
def test_a_bad_setting_stops_make_with_its_one_line_before_the_cdktf_cli(target: str):
    result = run_make(target, LAMBDA_MEMORY_MB="64")

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert output.splitlines().count(BAD_MEMORY_LINE) == 1, output
    assert "[ERROR]" not in output and "non-zero exit code" not in output
    assert "SETTINGS_CHECKED=1" not in result.stdout  # make never echoed the next command: the CLI did not start


def test_the_check_prints_a_warning_once_and_passes():
    result = run_check(AUTH="none")

    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith(("warning:", "error:"))] == [PUBLIC_WARNING]


def test_the_check_fails_with_the_error_line_and_no_warning():
    result = run_check(LAMBDA_MEMORY_MB="64", AUTH="none")

    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if line.startswith(("warning:", "error:"))] == [BAD_MEMORY_LINE]


@pytest.mark.slow
def test_make_synth_prints_a_warning_once_and_never_as_an_error():
    result = run_make("synth", AUTH="none")

    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert output.splitlines().count(PUBLIC_WARNING) == 1, output
    assert "[ERROR]" not in output
