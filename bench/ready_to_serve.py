"""Ready to serve: how long a cold start takes until the app answers, against the least any
Bedrock function pays.

    .venv/bin/python -m bench.ready_to_serve [--runs 9] [--poll-ms 5]

Each sample is a fresh process, timed by the wall clock from its start (interpreter start-up
included on both sides):
  baseline  `python -c "import boto3; boto3.client('bedrock-runtime')"`, until it exits
  app       `run.sh`, until its first answer to `GET /` (the Web Adapter's readiness check),
            polled every --poll-ms
run.sh runs as the adapter runs it: from a copy of function/ as the zip holds it (no bytecode;
PYTHONDONTWRITEBYTECODE=1, as in Lambda, where /var/task is read-only, so our modules compile
on every cold start), with that copy as working directory and LAMBDA_TASK_ROOT, PORT set to a
free port, a Region and dummy credentials. `GET /` calls no Bedrock, so no stand-in is needed.
The samples are interleaved, so a busy machine slows both sides alike.
Target: app median <= 1.3 x baseline median (issue 9). Exits 1 if missed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.support import BASE_ENV, RunSh, free_port, median_ms, stage_function, verdict

MAX_RATIO = 1.3
BASELINE = "import boto3; boto3.client('bedrock-runtime')"


def baseline_s() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", BASELINE], env=BASE_ENV, check=True)
    return time.perf_counter() - started


def app_s(task_root: Path, poll_s: float) -> float:
    started = time.perf_counter()
    server = RunSh(task_root, free_port())
    try:
        return server.first_answer(started, poll_s)
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh processes per side (default 9)")
    parser.add_argument("--poll-ms", type=float, default=5, help="interval between GET / attempts (default 5)")
    args = parser.parse_args()
    poll_s = args.poll_ms / 1000
    with tempfile.TemporaryDirectory(prefix="bench-function-") as stage:
        task_root = stage_function(Path(stage))
        baseline_s(), app_s(task_root, poll_s)  # warm the OS page cache; not counted
        baseline, app = [], []
        for _ in range(args.runs):
            baseline.append(baseline_s())
            app.append(app_s(task_root, poll_s))
    print(f"ready to serve, median of {args.runs} fresh processes each (Python {sys.version.split()[0]})")
    base_ms = median_ms("baseline  import boto3 + bedrock-runtime client   ", baseline)
    app_ms = median_ms("app       run.sh start -> first answer on GET /   ", app)
    ratio = app_ms / base_ms
    ok = verdict(ratio <= MAX_RATIO, f"ready to serve: {ratio:.2f} x baseline (target <= {MAX_RATIO} x)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
