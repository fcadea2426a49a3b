"""Relay: what the app costs per delta when the model writes as fast as the wire allows.

    .venv/bin/python -m bench.relay [--runs 7] [--deltas 5000]

The local Bedrock stand-in answers every call with --deltas one-word text deltas and no pause
(`Script(count=...)`, encoded before serving), in interleaved pairs:
  raw  boto3 `converse_stream` on a plain client, iterating every event to the stream's end
  app  `POST /invoke` with `"stream": true` to the app served by run.sh (a uvicorn process of
       its own), the client reading and decoding every server-sent event up to `done`
The app's side decodes every delta twice (botocore in the app, then the client the SSE), in two
processes that overlap on two cores; the target allows half again the raw time.
The stand-in runs in a process of its own: Bedrock is remote, and a stand-in in this process
would compete for the GIL with the raw client it feeds, slowing the baseline.
Target: app median <= 1.5 x raw median (issue 9). Exits 1 if missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import httpx

from bench.support import App, StandIn, completeness, converse_arguments, median_ms, read_answer, verdict

MAX_RATIO = 1.5
PROMPT = "Count."


def raw_s(client: Any, expected: int) -> float:
    started = time.perf_counter()
    stream = client.converse_stream(**converse_arguments(PROMPT))["stream"]
    deltas = sum("contentBlockDelta" in event for event in stream)
    elapsed = time.perf_counter() - started
    if deltas != expected:
        sys.exit(f"raw stream: {deltas} deltas, not {expected}")
    return elapsed


def app_s(client: httpx.Client, url: str, expected: int, problems: list[str]) -> float:
    """Seconds to read the whole answer; what was wrong with it, if anything, goes to ``problems``."""
    started = time.perf_counter()
    with client.stream("POST", f"{url}/invoke", json={"prompt": PROMPT, "stream": True}) as response:
        deltas, last, data = read_answer(response.iter_bytes())
    elapsed = time.perf_counter() - started
    if deltas != expected or last != "done" or data.get("stop_reason") != "end_turn":
        problems.append(f"HTTP {response.status_code}, {deltas} deltas, then {last} {data}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed answers per side (default 7)")
    parser.add_argument("--deltas", type=int, default=5000, help="text deltas per answer (default 5000)")
    args = parser.parse_args()
    with StandIn(count=args.deltas) as stand_in, App(stand_in) as app, httpx.Client(timeout=60) as http:
        raw_client = stand_in.raw_client()
        problems: list[str] = []
        raw_s(raw_client, args.deltas), app_s(http, app.url, args.deltas, problems)  # warm both; not counted
        raw, through_app = [], []
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            raw.append(raw_s(raw_client, args.deltas))
            through_app.append(app_s(http, app.url, args.deltas, problems))
    print(f"relay of {args.deltas} deltas sent without pause, median of {args.runs} answers each")
    raw_ms = median_ms("raw  converse_stream, every event          ", raw)
    app_ms = median_ms("app  POST /invoke stream, every SSE event  ", through_app)
    ratio = app_ms / raw_ms
    complete = completeness(problems, args.runs + 1)
    unsure = "" if complete else ", but over answers cut short: not a measure of the relay"
    fast = verdict(complete and ratio <= MAX_RATIO, f"relay: app {ratio:.2f} x raw (target <= {MAX_RATIO} x){unsure}")
    return 0 if complete and fast else 1


if __name__ == "__main__":
    sys.exit(main())
