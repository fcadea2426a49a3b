"""cdktf app entry point: read the settings, build the stack, synthesize Terraform JSON.

Run by `cdktf synth|deploy|destroy` (cdktf.json's "app") or directly: `python main.py`.
`python main.py --check` only reads the settings and the layer stamp and prints their warnings or
error: `make synth|deploy|destroy|local` run it first, because the cdktf CLI shows whatever the app
writes to stderr behind a red `[ERROR] default -`, and an error twice (its line, then
`Error: non-zero exit code 2`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from constructs_lib.environments import stack_settings
from constructs_lib.lambda_zips import LayerNotBuiltError, built_layer
from constructs_lib.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from cdktf import App  # imported where used: the jsii runtime starts only after the settings are read

PROJECT_DIR = Path(__file__).resolve().parent
STACK_ID = "bedrock-inference"
# Set by the Makefile on the cdktf CLI it runs after `main.py --check`, which printed the
# warnings already: the app then prints nothing the CLI would dress up as an error.
CHECKED_VARIABLE = "SETTINGS_CHECKED"


def read_context() -> dict[str, Any]:
    """cdktf.json's ``context``: the settings a project keeps in version control."""
    context: dict[str, Any] = json.loads((PROJECT_DIR / "cdktf.json").read_text()).get("context", {})
    return context


def read_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """Settings from the environment over cdktf.json's context over the defaults."""
    return load_settings(read_context(), environ)


def read_stack_settings(environ: Mapping[str, str] = os.environ) -> dict[str, Settings]:
    """Stack id → settings: ``bedrock-inference``, or one stack per ``ENVIRONMENTS`` entry
    (constructs_lib/environments.py)."""
    return stack_settings(STACK_ID, read_context(), environ)


def print_warnings(stacks: Mapping[str, Settings]) -> None:
    """Each stack's synth warnings (constructs_lib/stack.py), one ``warning:`` line each."""
    from constructs_lib.stack import synth_warnings

    for stack_settings_ in stacks.values():
        for notice in synth_warnings(stack_settings_):
            print(f"warning: {notice}", file=sys.stderr)


def build_app(settings: Settings | Mapping[str, Settings], outdir: str | None = None, *, warn: bool = True) -> App:
    """The cdktf App holding the stack (one Settings) or stacks (stack id → Settings), after
    printing their warnings unless ``warn`` is false. cdktf is imported here, after the
    settings are read, so a bad setting is reported at once, before the jsii runtime starts."""
    from cdktf import App

    from constructs_lib.stack import BedrockInferenceStack

    stacks = {STACK_ID: settings} if isinstance(settings, Settings) else settings
    if warn:
        print_warnings(stacks)
    app = App(outdir=outdir) if outdir else App()
    for stack_id, stack_settings_ in stacks.items():
        BedrockInferenceStack(app, stack_id, settings=stack_settings_)
    return app


def write_openapi_documents(app: App) -> list[Path]:
    """Each stack's OpenAPI document beside its Terraform JSON: ``<outdir>/stacks/<stack>/openapi.json``."""
    from constructs_lib.openapi import write_document
    from constructs_lib.stack import BedrockInferenceStack

    return [
        write_document(stack.api.openapi_document, Path(app.outdir) / "stacks" / stack.node.id)
        for stack in app.node.children
        if isinstance(stack, BedrockInferenceStack)
    ]


def main(argv: list[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="only read the settings and the layer stamp; print their warnings or error"
    )
    args = parser.parse_args(argv)
    try:
        stacks = read_stack_settings(environ)
        built_layer()  # the function's package layer (`make layer`), checked before jsii starts
    except (SettingsError, LayerNotBuiltError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        print_warnings(stacks)
        return 0
    app = build_app(stacks, warn=environ.get(CHECKED_VARIABLE) != "1")
    app.synth()
    write_openapi_documents(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
