"""Serve the function's web app on this machine, with uvicorn, as run.sh does in Lambda.

    PYTHONPATH=function .venv/bin/python -m scripts.serve             # real Amazon Bedrock, your AWS credentials
    PYTHONPATH=function .venv/bin/python -m scripts.serve --offline   # local stand-in model: no AWS account needed

(`make serve` runs it so.) function/ goes on the import path because it is the app's import root,
as in Lambda: its modules import each other by their top-level names (``import bedrock``).

The app (function/app.py) is the same one Lambda runs behind the Web Adapter: nothing is
translated. With --offline its boto3 client is pointed at a local ConverseStream stand-in
(AWS_ENDPOINT_URL_BEDROCK_RUNTIME), so every line of the app runs and only the model is
fake. The banner prints the address of the playground page (function/playground.py) too.
Ctrl-C (SIGINT) or SIGTERM stops it cleanly.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import socket
import sys
from pathlib import Path

from local.fake_bedrock import LABEL, STAND_IN_MODEL_ID, FakeBedrock

FUNCTION_DIR = Path(__file__).resolve().parents[1] / "function"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    parser.add_argument("--port", type=int, default=3000, help="port (default 3000; 0 picks a free one)")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="answer with a local stand-in model instead of Amazon Bedrock (no AWS account needed)",
    )
    return parser.parse_args(argv)


def use_stand_in(url: str) -> None:
    """Point the app's client at the stand-in, with throwaway credentials it never checks."""
    os.environ.update(
        {
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": url,
            "MODEL_ID": STAND_IN_MODEL_ID,
            "AWS_ACCESS_KEY_ID": "local-stand-in",
            "AWS_SECRET_ACCESS_KEY": "local-stand-in",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # any Region: the stand-in ignores it
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        os.environ.pop(name, None)


def function_not_importable() -> str | None:
    """Why function/'s app cannot be imported by its top-level name, or None."""
    spec = importlib.util.find_spec("app")
    if spec is None or spec.origin is None or Path(spec.origin).parent != FUNCTION_DIR:
        return (
            f"{FUNCTION_DIR} is not on the import path: run `make serve`, "
            "or PYTHONPATH=function .venv/bin/python -m scripts.serve"
        )
    return None


def real_bedrock_problem() -> str | None:
    """Why the real Bedrock cannot be called from here, or None."""
    import boto3

    session = boto3.session.Session()
    if not session.region_name:
        return "no AWS Region configured: set AWS_REGION (e.g. us-east-1) or a profile's region, or run with --offline"
    if session.get_credentials() is None:
        return "no AWS credentials found (aws configure / AWS_PROFILE), or run with --offline"
    return None


def listening_socket(host: str, port: int) -> socket.socket:
    """Bind first, so a busy port is one clear line, and port 0 shows the port it got.

    Listening at once means a request sent as soon as the banner says "Listening" waits in
    the backlog until uvicorn accepts it, instead of being refused.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)  # uvicorn's default backlog
    return sock


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problem = function_not_importable()
    if problem:
        print(f"serve.py: {problem}", file=sys.stderr)
        return 2
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "bedrock-api-local")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "BedrockInferenceApi")
    if os.environ.get("AWS_REGION") and not os.environ.get("AWS_DEFAULT_REGION"):
        os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"]  # Lambda sets both; boto3 reads this one
    stand_in = None
    if args.offline:
        stand_in = FakeBedrock().start()
        use_stand_in(stand_in.url)
    else:
        problem = real_bedrock_problem()
        if problem:
            print(f"serve.py: {problem}", file=sys.stderr)
            return 2
    try:
        sock = listening_socket(args.host, args.port)
    except OSError as error:
        print(f"serve.py: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 2

    import uvicorn

    import app  # after the environment is set: the module reads it once, as in Lambda

    host, port = sock.getsockname()[:2]
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    server = uvicorn.Server(uvicorn.Config(app.app, log_level="warning", access_log=False, server_header=False))
    # uvicorn stops gracefully on SIGINT or SIGTERM while it serves, then raises the signal
    # again for the handler it found. That handler is its own too, so a signal is a clean
    # stop at any moment from the banner on: before uvicorn is up (it starts, sees it should
    # exit, and stops), while it serves, and after.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, server.handle_exit)
    try:
        if stand_in:
            print(f"Model: {LABEL} {STAND_IN_MODEL_ID} at {stand_in.url}")
            print("       Answers are a fixed summary of your request, not model output. Drop --offline for Bedrock.")
        else:
            print(
                f"Model: Amazon Bedrock {app.SETTINGS.model_id} in {app.BEDROCK.meta.region_name} (billed to your "
                f"AWS account)"
            )
        print(f"Listening on {url}/invoke  (Ctrl-C to stop)")
        print(f"       {url}/v1/chat/completions and {url}/v1/models  (OpenAI SDKs: base_url {url}/v1)")
        print(f"Page:  {url}/playground  (try it in a browser)")
        print(f"Try:   curl -s {url}/invoke -H 'Content-Type: application/json' -d '{{\"prompt\": \"Hello!\"}}'")
        chat = json.dumps({"model": app.SETTINGS.model_id, "messages": [{"role": "user", "content": "Hello!"}]})
        print(f"       curl -s {url}/v1/chat/completions -H 'Content-Type: application/json' -d '{chat}'")
        print(
            f"       curl -N {url}/invoke -H 'Content-Type: application/json'"
            """ -d '{"prompt": "Hello!", "stream": true}'""",
            flush=True,
        )
        server.run(sockets=[sock])
    finally:
        if stand_in:
            stand_in.stop()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
