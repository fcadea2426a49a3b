"""Write the Terraform CLI configuration this project runs with, and print its path.

Terraform reads provider-installation rules from the file named by TF_CLI_CONFIG_FILE. Where a
local filesystem mirror holds the pinned AWS provider, the config installs it from there (and
excludes it from direct download, so no registry is needed); elsewhere it installs every
provider from the public registry as usual.

The mirror is ``TF_PROVIDER_MIRROR`` when set (an error if it does not hold the provider),
otherwise the first of a few usual places (``SEARCH_ROOTS``) that holds it.

    python3 -m scripts.terraform_cli_config [OUTPUT]    # default: .terraformrc.generated
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROVIDER = "registry.terraform.io/hashicorp/aws"
PROVIDER_VERSION = "5.100.0"  # the version cdktf-cdktf-provider-aws 20.1.0 is generated from
PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = PROJECT_DIR / ".terraformrc.generated"
# Where mirrors usually live: these folders and their direct subfolders are searched in order.
SEARCH_ROOTS = (
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
    "/opt",
)


class MirrorError(RuntimeError):
    """TF_PROVIDER_MIRROR names a folder that does not hold the pinned provider."""


def holds_provider(mirror: Path) -> bool:
    """True when ``mirror`` is laid out as Terraform's filesystem mirror for the pinned provider."""
    unpacked = mirror / PROVIDER / PROVIDER_VERSION
    packed = mirror / PROVIDER
    return unpacked.is_dir() or any(packed.glob(f"terraform-provider-aws_{PROVIDER_VERSION}_*.zip"))


def find_mirror(environ: dict[str, str] | os._Environ = os.environ) -> Path | None:
    configured = environ.get("TF_PROVIDER_MIRROR")
    if configured:
        mirror = Path(configured).expanduser()
        if not holds_provider(mirror):
            raise MirrorError(
                f"TF_PROVIDER_MIRROR={configured!r} does not hold {PROVIDER} {PROVIDER_VERSION} "
                f"(expected {mirror / PROVIDER / PROVIDER_VERSION}/<os>_<arch>/)"
            )
        return mirror
    for root in SEARCH_ROOTS:
        base = Path(root).expanduser()
        if not base.is_dir():
            continue
        for mirror in (base, *sorted(p for p in base.iterdir() if p.is_dir())):
            if holds_provider(mirror):
                return mirror
    return None


def render(mirror: Path | None) -> str:
    if mirror is None:
        return "# No local provider mirror found: providers come from the public registry.\n"
    return (
        f"# Written by scripts/terraform_cli_config.py: {PROVIDER} from a local mirror.\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        f'    include = ["{PROVIDER}"]\n'
        "  }\n"
        "  direct {\n"
        f'    exclude = ["{PROVIDER}"]\n'
        "  }\n"
        "}\n"
    )


def write_config(output: Path = DEFAULT_OUTPUT, environ: dict[str, str] | os._Environ = os.environ) -> Path:
    output.write_text(render(find_mirror(environ)))
    return output


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    try:
        print(write_config(output))
    except MirrorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
