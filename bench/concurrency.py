"""Concurrency: many slow answers at once through one server process, as `make serve` or a
container serves them (in Lambda each instance serves one request at a time).

    .venv/bin/python -m bench.concurrency [--runs 3] [--streams 64] [--seconds 2]

The local Bedrock stand-in answers every call with 17 text deltas spread evenly over --seconds
(`Script(text=..., delay_between=...)`). One uvicorn process serves the app (started by run.sh:
the same server and options as `make serve`), and --streams streamed `POST /invoke` requests
start together from one asyncio client (httpx). Each answer must end in `done` with every
delta. A healthy app holds all of them open at once and finishes in about --seconds; one that
blocks its event loop while waiting for Bedrock serves them one after another (minutes).
Before the runs, one stream alone is timed, for scale.
The stand-in runs in a process of its own: Bedrock is remote, and 64 stand-in threads in the
server's process would compete with the app for the GIL, a cost Bedrock never imposes.
Targets (issue 9): every stream complete; median total <= 4 s for 64 streams of 2 s.
Exits 1 if either is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

import httpx

from bench.support import App, SseReader, StandIn, completeness, verdict

MAX_TOTAL_S = 4.0
ANSWER = [f"word{i} " for i in range(17)]
GAPS = len(ANSWER) + 3  # the pauses before each event after messageStart (contentBlockStop, messageStop, metadata)


async def one_stream(client: httpx.AsyncClient, url: str) -> tuple[float, str | None]:
    """Seconds to the end of one streamed answer, and what was wrong with it (None: nothing)."""
    started = time.perf_counter()
    reader, events = SseReader(), []
    body = {"prompt": "Take your time.", "stream": True}
    try:
        async with client.stream("POST", f"{url}/invoke", json=body) as response:
            async for chunk in response.aiter_bytes():
                events += reader.feed(chunk)
    except httpx.HTTPError as error:
        return time.perf_counter() - started, f"{type(error).__name__}: {error}"
    elapsed = time.perf_counter() - started
    texts = [data["text"] for name, data in events if name == "delta"]
    last = events[-1] if events else ("none", None)
    if texts != ANSWER or last[0] != "done" or last[1].get("stop_reason") != "end_turn":
        return elapsed, f"HTTP {response.status_code}: {len(texts)} deltas, then {last}"
    return elapsed, None


async def many_streams(url: str, count: int) -> tuple[float, list[tuple[float, str | None]]]:
    """Total seconds for ``count`` streams started together, and each one's outcome."""
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(one_stream(client, url) for _ in range(count)))
        return time.perf_counter() - started, outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="rounds of simultaneous streams (default 3)")
    parser.add_argument("--streams", type=int, default=64, help="streams started together (default 64)")
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each answer at the stand-in (default 2)")
    args = parser.parse_args()
    totals, failures = [], []
    with StandIn(text=ANSWER, delay_between=args.seconds / GAPS) as stand_in, App(stand_in) as app:
        alone, [(_, problem)] = asyncio.run(many_streams(app.url, 1))
        failures += [problem] if problem else []
        print(
            f"concurrency: {args.streams} streams of {args.seconds:g} s at the stand-in, started together, "
            f"through one uvicorn process"
        )
        print(f"  one stream alone                   {alone:5.2f} s")
        for run in range(1, args.runs + 1):
            total, outcomes = asyncio.run(many_streams(app.url, args.streams))
            problems = [problem for _, problem in outcomes if problem]
            totals.append(total)
            failures += problems
            print(
                f"  run {run}: total {total:5.2f} s, slowest stream {max(s for s, _ in outcomes):5.2f} s, "
                f"median stream {statistics.median(s for s, _ in outcomes):5.2f} s, failures {len(problems)}"
            )
    complete = completeness(failures, args.runs * args.streams + 1)
    total = statistics.median(totals)
    in_time = verdict(
        total <= MAX_TOTAL_S,
        f"concurrency, {args.streams} streams of {args.seconds:g} s: median total "
        f"{total:.2f} s (target <= {MAX_TOTAL_S:g} s)",
    )
    return 0 if complete and in_time else 1


if __name__ == "__main__":
    sys.exit(main())
