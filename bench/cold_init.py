"""Cold-start cost of the handler module vs the bare minimum any Bedrock function pays.

    .venv/bin/python bench/cold_init.py [--runs 9]

Each sample is a fresh Python process timing only its import work (interpreter start-up is
the same for both and left out):
  baseline  `import boto3; boto3.client("bedrock-runtime")`
  handler   `import handler` (settings, Powertools Logger and Metrics, the client)
The handler's sources are copied without bytecode and imported with PYTHONDONTWRITEBYTECODE,
as in Lambda, where the zip has no .pyc and /var/task is read-only, so they compile every
cold start. Targets: handler median <= 1.5 x baseline and <= 300 ms. Exits 1 if missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_RATIO = 1.5
MAX_MS = 300

TIMED = "import sys, time; sys.path.insert(0, sys.argv[1]); t = time.perf_counter(); {work}; print((time.perf_counter() - t) * 1000)"
BASELINE = 'import boto3; boto3.client("bedrock-runtime")'
HANDLER = "import handler"


def sample(work: str, source: str, env: dict[str, str]) -> float:
    done = subprocess.run([sys.executable, "-c", TIMED.format(work=work), source], capture_output=True, text=True, env=env, check=True)
    return float(done.stdout.splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description="cold init: handler import vs boto3 + client")
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    env = {
        "PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_EC2_METADATA_DISABLED": "true", "POWERTOOLS_SERVICE_NAME": "bench", "POWERTOOLS_METRICS_NAMESPACE": "BedrockInferenceApi",
    }
    with tempfile.TemporaryDirectory() as source:
        for path in (ROOT / "function").glob("*.py"):
            shutil.copy(path, source)
        sample(BASELINE, source, env), sample(HANDLER, source, env)  # warm the OS page cache, not counted
        baseline, handler = [], []
        for _ in range(runs):  # interleaved, so drift on a busy machine hits both alike
            baseline.append(sample(BASELINE, source, env))
            handler.append(sample(HANDLER, source, env))
    base_ms, handler_ms = statistics.median(baseline), statistics.median(handler)
    ratio = handler_ms / base_ms
    ok = ratio <= MAX_RATIO and handler_ms <= MAX_MS
    print(f"cold init, median of {runs} fresh processes each (Python {sys.version.split()[0]})")
    print(f"  baseline  boto3 + bedrock-runtime client  {base_ms:7.1f} ms")
    print(f"  handler   import handler                 {handler_ms:7.1f} ms")
    print(f"  ratio     {ratio:.2f}  (target <= {MAX_RATIO})   handler <= {MAX_MS} ms: {'yes' if handler_ms <= MAX_MS else 'no'}")
    print(f"  {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
