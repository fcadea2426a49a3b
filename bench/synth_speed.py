"""Synth time and memory: the app as written against the same app after a full provider import.

The AWS provider package's __init__ imports all ~2,100 of its submodules; constructs_lib/aws.py
imports only the ones the app uses. This runs both ways in fresh processes, in the same run,
and prints the median wall time of each, their ratio (target <= 0.25) and the peak memory of
the synth as written (Python + its Node jsii process; target <= 600 MB).

    .venv/bin/python -m bench.synth_speed [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
TARGET_RATIO = 0.25
TARGET_PEAK_MB = 600

# The same synth machinery with no provider at all: what cdktf and jsii cost by themselves.
CORE_ONLY = """
from cdktf import App, TerraformOutput, TerraformStack
app = App()
TerraformOutput(TerraformStack(app, "core-only"), "value", value="v")
app.synth()
"""
# Runs main.py as cdktf would (cdktf.json's "app"), optionally after the full provider import.
SYNTH = """
import runpy, sys
{preimport}
sys.exit(runpy.run_path({main!r}, run_name="not_main")["main"]())
"""
SAMPLE_EVERY_S = 0.02


def tree_rss_kb(root: int) -> dict[str, int]:
    """Resident memory of ``root`` and its descendants (the Node process jsii starts), by name."""
    parents, names = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            names[int(entry.name)] = stat.split("(", 1)[1].rsplit(")", 1)[0]
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    rss: dict[str, int] = {}
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss[names.get(pid, "?")] = rss.get(names.get(pid, "?"), 0) + int(line.split()[1])
        except OSError:
            continue
    return rss


def run_once(full_import: bool, code: str | None = None) -> tuple[float, dict]:
    code = code or SYNTH.format(
        main=str(PROJECT_DIR / "main.py"),
        preimport="import cdktf_cdktf_provider_aws" if full_import else "",
    )
    with tempfile.TemporaryDirectory() as outdir:
        env = {
            **os.environ,
            "CDKTF_OUTDIR": outdir,
            "PATH": f"{PROJECT_DIR / 'node_modules' / '.bin'}{os.pathsep}{os.environ['PATH']}",
        }
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        peak_total, peak_by_name = 0, {}
        while process.poll() is None:  # sample the whole process tree until synth ends
            rss = tree_rss_kb(process.pid)
            if sum(rss.values()) > peak_total:
                peak_total, peak_by_name = sum(rss.values()), rss
            time.sleep(SAMPLE_EVERY_S)
        elapsed = time.perf_counter() - started
        stderr = process.stderr.read()
        if process.returncode != 0 or not (Path(outdir) / "stacks").is_dir():
            sys.exit(f"synth failed:\n{stderr}")
    return elapsed, {"total_kb": peak_total, "by_process": peak_by_name}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per variant (default 3)")
    runs = parser.parse_args().runs

    as_written, full_import, memory = [], [], []
    for _ in range(runs):  # interleaved, so machine load affects both alike
        seconds, peak = run_once(full_import=False)
        as_written.append(seconds)
        memory.append(peak)
        full_import.append(run_once(full_import=True)[0])

    written_s, full_s = statistics.median(as_written), statistics.median(full_import)
    ratio = written_s / full_s
    peak = max(memory, key=lambda m: m["total_kb"])
    peak_mb = peak["total_kb"] / 1024
    parts = " + ".join(f"{name} {kb / 1024:.0f} MB" for name, kb in sorted(peak["by_process"].items()))
    print(f"synth as written (selective provider import): median {written_s:.2f} s over {runs} runs")
    print(f"synth after `import cdktf_cdktf_provider_aws`:   median {full_s:.2f} s over {runs} runs")
    print(f"ratio: {ratio:.3f} (target <= {TARGET_RATIO})")
    print(
        f"peak memory of the synth as written: {peak_mb:.0f} MB ({parts}; "
        f"sampled every {SAMPLE_EVERY_S * 1000:.0f} ms; target <= {TARGET_PEAK_MB} MB)"
    )
    core_mb = run_once(full_import=False, code=CORE_ONLY)[1]["total_kb"] / 1024
    print(
        f"  for scale, a synth with cdktf alone (no provider): {core_mb:.0f} MB. The rest is jsii's Node "
        f"process loading @cdktf/provider-aws, whose package entry point requires all of its ~2,100 "
        f"JavaScript modules (~200 MB of source) whatever the Python side imports."
    )
    ok = ratio <= TARGET_RATIO and peak_mb <= TARGET_PEAK_MB
    print("result:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
