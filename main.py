"""cdktf app entry point: read the settings, build the stack, synthesize Terraform JSON.

Run by `cdktf synth|deploy|destroy` (cdktf.json's "app") or directly: `python main.py`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from constructs_lib.settings import Settings, SettingsError, load_settings

PROJECT_DIR = Path(__file__).resolve().parent
STACK_ID = "bedrock-inference"


def read_settings(environ: dict[str, str] | os._Environ = os.environ) -> Settings:
    """Settings from the environment over cdktf.json's context over the defaults."""
    context = json.loads((PROJECT_DIR / "cdktf.json").read_text()).get("context", {})
    return load_settings(context, environ)


def build_app(settings: Settings, outdir: str | None = None):
    """The cdktf App holding the stack. cdktf is imported here, after the settings are read,
    so a bad setting is reported at once, before the jsii runtime starts."""
    from cdktf import App

    from constructs_lib.stack import BedrockInferenceStack

    app = App(outdir=outdir) if outdir else App()
    BedrockInferenceStack(app, STACK_ID, settings=settings)
    return app


def main() -> int:
    try:
        settings = read_settings()
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    build_app(settings).synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
