"""Export the app as plain Terraform: a way off cdktf, which is archived.

    .venv/bin/python -m scripts.export                # synthesize, then write dist/terraform/<stack>/
    .venv/bin/python -m scripts.export --from cdktf.out --out /somewhere/else

Each stack becomes a directory that `terraform init && terraform apply` runs as it is, with no
cdktf, Python or Node: ``main.tf.json`` (the synthesized Terraform JSON) and ``assets/`` (the
function's zip and its package layer's zip). Paths to assets become
``${path.module}/assets/...``, so they resolve from the directory itself whatever the working
directory. The backend stays S3 when ``STATE_BUCKET`` is
set; otherwise cdktf's local state path (an absolute path in this checkout) becomes
``terraform.tfstate`` inside the exported directory.

Re-exporting replaces ``main.tf.json`` and ``assets/`` only: a state file, ``.terraform/`` and
the lock file already in the directory stay.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_OUT = PROJECT_DIR / "dist" / "terraform"
CONFIG_NAME = "main.tf.json"
ASSETS = "assets"
LOCAL_STATE = "terraform.tfstate"


def with_module_relative_assets(node: Any) -> Any:
    """Every string that is an asset path (``assets/...``) made relative to the module."""
    if isinstance(node, dict):
        return {key: with_module_relative_assets(value) for key, value in node.items()}
    if isinstance(node, list):
        return [with_module_relative_assets(value) for value in node]
    if isinstance(node, str) and node.startswith(f"{ASSETS}/"):
        return f"${{path.module}}/{node}"
    return node


def portable_backend(backend: dict[str, Any] | None) -> dict[str, Any]:
    """A remote backend as it is; a local one (or none) as a state file beside the config."""
    if backend and "local" not in backend:
        return backend
    return {"local": {"path": LOCAL_STATE}}


def export_stack(stack_dir: Path, destination: Path) -> Path:
    """Write one synthesized stack (``cdk.tf.json`` + ``assets/``) as plain Terraform."""
    config = json.loads((stack_dir / "cdk.tf.json").read_text())
    config = with_module_relative_assets(config)
    config.setdefault("terraform", {})["backend"] = portable_backend(config.get("terraform", {}).get("backend"))

    destination.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(destination / ASSETS, ignore_errors=True)
    if (stack_dir / ASSETS).is_dir():
        shutil.copytree(stack_dir / ASSETS, destination / ASSETS)
    (destination / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n")
    return destination


def export_synth_output(synth_dir: Path, out: Path) -> list[Path]:
    """Export every stack in a cdktf output directory (as written by ``cdktf synth``)."""
    manifest = json.loads((synth_dir / "manifest.json").read_text())
    return [
        export_stack(synth_dir / stack["workingDirectory"], out / name) for name, stack in manifest["stacks"].items()
    ]


def synthesize(outdir: Path) -> None:
    """Run the app in-process (as ``cdktf synth`` would) into ``outdir``."""
    from main import build_app, read_stack_settings

    build_app(read_stack_settings(), outdir=str(outdir)).synth()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--from", dest="source", type=Path, help="an existing cdktf output directory (default: synthesize now)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"where to write (default: {DEFAULT_OUT.relative_to(PROJECT_DIR)})",
    )
    args = parser.parse_args(argv)

    if args.source:
        exported = export_synth_output(args.source, args.out)
    else:
        from constructs_lib.lambda_zips import LayerNotBuiltError
        from constructs_lib.settings import SettingsError

        with tempfile.TemporaryDirectory(prefix="cdktf-export-") as synth_dir:
            try:
                synthesize(Path(synth_dir))
            except (SettingsError, LayerNotBuiltError) as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
            exported = export_synth_output(Path(synth_dir), args.out)
    for directory in exported:
        backend = json.loads((directory / CONFIG_NAME).read_text())["terraform"]["backend"]
        where = "S3" if "s3" in backend else f"local, {directory / LOCAL_STATE} (`make clean` deletes dist/)"
        print(f"{directory}: cd there, then `terraform init && terraform apply` (state: {where})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
