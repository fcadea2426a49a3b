"""The Python code's scanner: bandit finds nothing in function/, authorizer/, constructs_lib/, scripts/ and local/.

function/ and authorizer/ (run in Lambda) and constructs_lib/ (writes the stack) get every bandit test
(.bandit.yaml); scripts/ and local/, developer tools, skip what .bandit-scripts.yaml justifies. A finding
is reported as ``file:line test id (severity/confidence): text``: fix it, or add a skip with its
reason to the config and to EXPECTED_SKIPS below.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.support import PROJECT_DIR

BANDIT = PROJECT_DIR / ".venv-bandit" / "bin" / "bandit"
# config file → the folders it scans, and the skips it may carry (each justified in the file).
SCANS = {
    ".bandit.yaml": (("function", "authorizer", "constructs_lib"), set()),
    ".bandit-scripts.yaml": (("scripts", "local"), {"B101", "B105", "B310", "B404", "B603"}),
}


def configured_skips(config: str) -> list[str]:
    return re.findall(r"^\s+- (B\d{3})", (PROJECT_DIR / config).read_text(), re.MULTILINE)


def run_bandit(config: str, *targets: str | Path) -> dict:
    assert BANDIT.exists(), "bandit's environment is missing: run `make test` or `make scan`"
    result = subprocess.run(
        [str(BANDIT), "--quiet", "-c", config, "-f", "json", "-r", *map(str, targets)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr  # 1: findings, reported by the caller
    return json.loads(result.stdout)


def findings(report: dict) -> list[str]:
    return [
        (
            f"{r['filename']}:{r['line_number']} {r['test_id']} ({r['issue_severity']}/{r['issue_confidence']}): "
            f"{r['issue_text']}"
        )
        for r in report["results"]
    ]


@pytest.mark.parametrize("config", SCANS)
def test_every_skip_is_an_expected_one_with_a_justification(config):
    skips = configured_skips(config)
    assert set(skips) == SCANS[config][1] and len(skips) == len(set(skips)), skips
    text = (PROJECT_DIR / config).read_text()
    for skip in skips:  # the line before each skip is its reason
        reason = text.split(f"  - {skip}")[0].rstrip().splitlines()[-1]
        assert reason.lstrip().startswith("#") and len(reason) > 20, skip


@pytest.mark.parametrize("config", SCANS)
def test_bandit_finds_nothing_in_the_python_code(config):
    folders, _ = SCANS[config]

    report = run_bandit(config, *folders)

    assert findings(report) == [], "\n".join(findings(report))
    assert report["errors"] == [], report["errors"]
    scanned = {Path(name).parts[0] for name in report["metrics"] if name != "_totals"}
    assert scanned == set(folders)  # every folder was read, none was empty
    # Skips live in the config, with their reason, not in `# nosec` comments beside the code.
    assert report["metrics"]["_totals"]["nosec"] == 0


def test_the_gate_reports_what_it_is_there_to_find(tmp_path):
    # A shell command built from input: B602 in the app's scan, named with its file and line.
    sample = tmp_path / "handler.py"
    sample.write_text("import subprocess\n\n\ndef run(name):\n    subprocess.run(f'echo {name}', shell=True)\n")

    reported = findings(run_bandit(".bandit.yaml", sample))

    assert any(line.startswith(f"{sample}:5 B602 ") for line in reported), reported
