"""Time to first byte: what the app adds before a caller sees the first piece of an answer.

    .venv/bin/python -m bench.first_byte [--requests 200] [--warmup 20]

Both sides ask the same local Bedrock stand-in for the same short answer, over loopback HTTP
with keep-alive, in interleaved pairs:
  raw  boto3 `converse_stream` on a plain client, until its first event arrives
  app  `POST /invoke` with `{"prompt": ..., "stream": true}` to the app served by run.sh (a real
       uvicorn server in a process of its own, as in Lambda behind the adapter), until the first
       `event: delta` has arrived whole
Each answer is then read to its end (not timed), so every connection is reused clean.
The stand-in runs in a process of its own: Bedrock is remote, and a stand-in in this process
would take the GIL from the raw client while it waits for its first event, inflating the
baseline the app is compared against.
Target: app median - raw median <= +5 ms (issue 9). Exits 1 if missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

import httpx

from bench.support import App, SseReader, StandIn, completeness, converse_arguments, verdict

MAX_ADDED_MS = 5.0
PROMPT = "Explain the theory of relativity."
ANSWER = ["Space ", "and ", "time ", "are ", "one."]


def raw_first_event_s(client: Any) -> float:
    started = time.perf_counter()
    stream = client.converse_stream(**converse_arguments(PROMPT))["stream"]
    events = iter(stream)
    first = next(events)
    elapsed = time.perf_counter() - started
    deltas = sum("contentBlockDelta" in event for event in events)
    if "messageStart" not in first or deltas != len(ANSWER):
        sys.exit(f"raw stream: {first} first, then {deltas} deltas, not messageStart and {len(ANSWER)}")
    return elapsed


def app_first_delta_s(client: httpx.Client, url: str, problems: list[str]) -> float:
    """Seconds to the first whole delta event; what was wrong with the answer goes to ``problems``."""
    started, first_at = time.perf_counter(), None
    reader, events = SseReader(), []
    with client.stream("POST", f"{url}/invoke", json={"prompt": PROMPT, "stream": True}) as response:
        for chunk in response.iter_bytes():
            events += reader.feed(chunk)
            if first_at is None and events:
                first_at = time.perf_counter()
    names = [name for name, _ in events]
    if names != ["delta"] * len(ANSWER) + ["done"] or events[-1][1].get("stop_reason") != "end_turn":
        problems.append(f"HTTP {response.status_code}, events {names}, the last {events[-1][1] if events else None}")
    return first_at - started if first_at is not None else float("inf")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per side (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per side first (default 20)")
    args = parser.parse_args()
    with StandIn(text=ANSWER) as stand_in, App(stand_in) as app, httpx.Client(timeout=30) as http:
        raw_client = stand_in.raw_client()
        raw, through_app, problems = [], [], []
        for i in range(args.warmup + args.requests):  # interleaved, so drift hits both alike
            raw_s, app_s = raw_first_event_s(raw_client), app_first_delta_s(http, app.url, problems)
            if i >= args.warmup:
                raw.append(raw_s)
                through_app.append(app_s)
    raw_ms, app_ms = statistics.median(raw) * 1000, statistics.median(through_app) * 1000
    paired_ms = statistics.median([(a - r) * 1000 for a, r in zip(through_app, raw, strict=True)])
    print(f"time to first byte, median of {args.requests} requests each, over loopback to the stand-in")
    print(f"  raw  converse_stream -> first event         {raw_ms:6.2f} ms")
    print(
        f"  app  POST /invoke stream -> first delta     {app_ms:6.2f} ms   (median of paired differences "
        f"{paired_ms:+.2f} ms)"
    )
    added = app_ms - raw_ms
    complete = completeness(problems, args.warmup + args.requests)
    fast = verdict(
        added <= MAX_ADDED_MS,
        f"time to first byte: app adds {added:+.2f} ms to the raw median (target <= +{MAX_ADDED_MS:g} ms)",
    )
    return 0 if complete and fast else 1


if __name__ == "__main__":
    sys.exit(main())
