"""Run the Lambda handler behind a localhost HTTP endpoint, as API Gateway would call it.

    .venv/bin/python scripts/serve.py             # real Amazon Bedrock, your AWS credentials
    .venv/bin/python scripts/serve.py --offline   # local stand-in model: no AWS account needed

The handler module is imported exactly as Lambda imports it; with --offline its boto3 client
is pointed at a local Converse stand-in (AWS_ENDPOINT_URL_BEDROCK_RUNTIME), so every line of
the handler runs, and only the model is fake. Ctrl-C (SIGINT) or SIGTERM stops it cleanly.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "function"), str(ROOT)]

from local.fake_bedrock import LABEL, STAND_IN_MODEL_ID, FakeBedrock  # noqa: E402
from local.gateway import LocalApiGateway  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=3000, help="port (default 3000; 0 picks a free one)")
    parser.add_argument("--stage", default="local", help="stage name in the event (default local)")
    parser.add_argument("--offline", action="store_true",
                        help="answer with a local stand-in model instead of Amazon Bedrock (no AWS account needed)")
    return parser.parse_args(argv)


def use_stand_in(url: str) -> None:
    """Point the handler's client at the stand-in, with throwaway credentials it never checks."""
    os.environ.update({
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": url,
        "MODEL_ID": STAND_IN_MODEL_ID,
        "AWS_ACCESS_KEY_ID": "local-stand-in",
        "AWS_SECRET_ACCESS_KEY": "local-stand-in",
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # any Region: the stand-in ignores it
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        os.environ.pop(name, None)


def real_bedrock_problem() -> str | None:
    """Why the real Bedrock cannot be called from here, or None."""
    import boto3

    session = boto3.session.Session()
    if not session.region_name:
        return "no AWS Region configured: set AWS_REGION (e.g. us-east-1) or a profile's region, or run with --offline"
    if session.get_credentials() is None:
        return "no AWS credentials found (aws configure / AWS_PROFILE), or run with --offline"
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "bedrock-api-local")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "BedrockInferenceApi")
    stand_in = None
    if os.environ.get("AWS_REGION") and not os.environ.get("AWS_DEFAULT_REGION"):
        os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"]  # Lambda sets both; boto3 reads this one
    if args.offline:
        stand_in = FakeBedrock().start()
        use_stand_in(stand_in.url)
    else:
        problem = real_bedrock_problem()
        if problem:
            print(f"serve.py: {problem}", file=sys.stderr)
            return 2

    import handler  # after the environment is set: the module reads it once, like Lambda

    try:
        gateway = LocalApiGateway(handler.lambda_handler, args.host, args.port, args.stage)
    except OSError as error:
        print(f"serve.py: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    threading.Thread(target=gateway.serve_forever, name="gateway", daemon=True).start()

    if stand_in:
        print(f"Model: {LABEL} {STAND_IN_MODEL_ID} at {stand_in.url}")
        print("       Answers are a fixed summary of your request, not model output. Drop --offline for Bedrock.")
    else:
        region = handler.BEDROCK.meta.region_name
        print(f"Model: Amazon Bedrock {handler.SETTINGS.model_id} in {region} (billed to your AWS account)")
    print(f"Listening on {gateway.url}  (Ctrl-C to stop)")
    print(f"Try:   curl -s -X POST {gateway.url} -H 'Content-Type: application/json' -d '{{\"prompt\": \"Hello!\"}}'",
          flush=True)

    while not stop.wait(0.5):
        pass
    gateway.shutdown()
    gateway.server_close()
    if stand_in:
        stand_in.stop()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
