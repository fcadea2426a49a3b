"""Warm per-request cost of the handler vs a raw Converse call to the same endpoint.

    .venv/bin/python bench/warm_request.py [--requests 400]

Both sides call the local Bedrock stand-in (local/fake_bedrock.py, in a process of its own,
as Bedrock is remote) over loopback HTTP with keep-alive, so the model costs nothing and
what remains is our overhead:
  raw      boto3 `converse` on a plain client
  handler  `lambda_handler(event, context)`: parsing, validation, the same call, the
           response, a JSON log line and EMF metrics (written to /dev/null, not a terminal)
Target: handler median <= 1.2 x raw median. Exits 1 if missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "function"), str(ROOT)]
MAX_RATIO = 1.2

from local.fake_bedrock import STAND_IN_MODEL_ID  # noqa: E402
from local.gateway import LambdaContext  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description="warm request: handler vs raw converse")
    parser.add_argument("--requests", type=int, default=400)
    count = parser.parse_args().requests

    stand_in = subprocess.Popen([sys.executable, "-m", "local.fake_bedrock"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    url = stand_in.stdout.readline().split()[-1]
    try:
        os.environ.update({
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": url, "MODEL_ID": STAND_IN_MODEL_ID,
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_EC2_METADATA_DISABLED": "true", "POWERTOOLS_SERVICE_NAME": "bench",
            "POWERTOOLS_METRICS_NAMESPACE": "BedrockInferenceApi",
        })
        import boto3

        import handler

        sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
        handler.logger.registered_handler.setStream(sink)
        raw = boto3.client("bedrock-runtime", endpoint_url=url)
        event = json.loads((ROOT / "tests" / "events" / "apigw_post_prompt.json").read_text())
        prompt = json.loads(event["body"])["prompt"]
        arguments = {"modelId": STAND_IN_MODEL_ID, "messages": [{"role": "user", "content": [{"text": prompt}]}],
                     "inferenceConfig": {"maxTokens": 1024}}

        context = LambdaContext()  # the runtime's object: not the handler's cost

        def through_handler() -> None:
            assert handler.lambda_handler(event, context)["statusCode"] == 200

        def raw_converse() -> None:
            raw.converse(**arguments)

        stdout, sys.stdout = sys.stdout, sink  # Powertools prints EMF metrics to stdout
        try:
            for _ in range(50):  # warm both: connections, caches, first-call paths
                through_handler(), raw_converse()
            timings: dict[str, list[float]] = {"handler": [], "raw": []}
            for _ in range(count):  # interleaved, so drift hits both alike
                for name, work in (("handler", through_handler), ("raw", raw_converse)):
                    started = time.perf_counter()
                    work()
                    timings[name].append((time.perf_counter() - started) * 1000)
        finally:
            sys.stdout = stdout
    finally:
        stand_in.terminate()
        stand_in.wait()

    handler_ms, raw_ms = statistics.median(timings["handler"]), statistics.median(timings["raw"])
    ratio = handler_ms / raw_ms
    print(f"warm request, median of {count} each over loopback HTTP to the local stand-in")
    print(f"  raw       boto3 converse              {raw_ms:6.2f} ms")
    print(f"  handler   lambda_handler(event, ctx)  {handler_ms:6.2f} ms   (overhead {handler_ms - raw_ms:+.2f} ms)")
    print(f"  ratio     {ratio:.2f}  (target <= {MAX_RATIO})")
    print(f"  {'PASS' if ratio <= MAX_RATIO else 'FAIL'}")
    return 0 if ratio <= MAX_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
