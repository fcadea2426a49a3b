"""Build the function's package layer from Pipfile.lock: `make layer`.

    .venv/bin/python -m scripts.build_layer            # build, or say it is up to date
    .venv/bin/python -m scripts.build_layer --force    # build even when up to date

Reads the ``layer`` section of Pipfile.lock (exact versions and their sha256 hashes), writes
them as a requirements file, and has pip install exactly those wheels for Lambda's Python 3.13
on arm64 into ``.build/layer/python`` (``--require-hashes --no-deps --only-binary=:all:``: no
resolver, no source builds, nothing the lock does not name). Then ``.build/layer.zip`` (the
folder zipped deterministically) and ``.build/layer.json``, a stamp recording a digest of the
lock section and the zip's hash, which synth checks (constructs_lib/lambda_zips.py).

pip takes its index from the environment (``PIP_INDEX_URL``, exported by the Makefile), so no
file here names a registry.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.markers import Marker

from constructs_lib.lambda_zips import (
    BUILD_DIR,
    FILE_MODE,
    LAYER_DIR,
    LAYER_STAMP,
    LAYER_ZIP,
    LOCK_FILE,
    PIP_IMPLEMENTATION,
    PIP_PLATFORM,
    PYTHON_VERSION,
    LayerNotBuiltError,
    built_layer,
    layer_digest,
    read_layer_lock,
    write_zip,
)

REQUIREMENTS_FILE = BUILD_DIR / "layer-requirements.txt"

# Environment markers as Lambda's python3.13 arm64 runtime evaluates them (PEP 508), so a lock
# entry meant only for other Pythons or platforms stays out of the layer.
LAMBDA_MARKER_ENVIRONMENT = {
    "python_version": PYTHON_VERSION,
    "python_full_version": f"{PYTHON_VERSION}.0",
    "implementation_name": "cpython",
    "implementation_version": f"{PYTHON_VERSION}.0",
    "platform_python_implementation": "CPython",
    "platform_machine": "aarch64",
    "platform_system": "Linux",
    "sys_platform": "linux",
    "os_name": "posix",
    "extra": "",
}


class LockError(ValueError):
    """A lock entry the layer cannot be built from (unpinned, no hashes)."""


def requirements(packages: Mapping[str, Any]) -> list[str]:
    """One pinned, hash-checked requirement line per package Lambda's Python needs."""
    lines = []
    for name, entry in sorted(packages.items()):
        marker = entry.get("markers")
        if marker and not Marker(marker).evaluate(LAMBDA_MARKER_ENVIRONMENT):
            continue
        version = entry.get("version", "")
        if not version.startswith("=="):
            raise LockError(
                f"Pipfile.lock's layer package '{name}' is not pinned to one version ({version or 'no version'})"
            )
        if not entry.get("hashes"):
            raise LockError(f"Pipfile.lock's layer package '{name}' has no hashes")
        hashes = " ".join(f"--hash={digest}" for digest in sorted(entry["hashes"]))
        lines.append(f"{name}{version} {hashes}")
    return lines


def pip_command(requirements_file: Path, target: Path) -> list[str]:
    """pip install of exactly the locked wheels, for Lambda's interpreter and architecture."""
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--quiet",
        "--require-hashes",
        "--no-deps",
        "--only-binary=:all:",
        "--platform",
        PIP_PLATFORM,
        "--implementation",
        PIP_IMPLEMENTATION,
        "--python-version",
        PYTHON_VERSION,
        "--no-compile",  # bytecode for this machine's Python would be dead weight on 3.13
        "--target",
        str(target),
        "-r",
        str(requirements_file),
    ]


def layer_entries(layer_dir: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``layer_dir`` (its ``python/`` folder), as zip entries."""
    return {
        path.relative_to(layer_dir).as_posix(): (path.read_bytes(), FILE_MODE)
        for path in sorted(layer_dir.rglob("*"))
        if path.is_file()
    }


def build() -> None:
    packages = read_layer_lock(LOCK_FILE)
    lines = requirements(packages)
    LAYER_STAMP.unlink(missing_ok=True)  # a failed build leaves no stamp: synth then refuses
    shutil.rmtree(LAYER_DIR, ignore_errors=True)
    REQUIREMENTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    REQUIREMENTS_FILE.write_text("\n".join(lines) + "\n")
    target = LAYER_DIR / "python"
    subprocess.run(pip_command(REQUIREMENTS_FILE, target), check=True)
    # Console scripts (bin/uvicorn) point at this machine's interpreter: useless in Lambda.
    shutil.rmtree(target / "bin", ignore_errors=True)
    archive = write_zip(layer_entries(LAYER_DIR), LAYER_ZIP)
    LAYER_STAMP.write_text(
        json.dumps(
            {
                "lock_digest": layer_digest(packages),
                "zip_sha256": archive.sha256,
                "packages": {name: packages[name]["version"].removeprefix("==") for name in sorted(packages)},
            },
            indent=2,
        )
        + "\n"
    )
    size = LAYER_ZIP.stat().st_size
    print(
        f"built {LAYER_ZIP.relative_to(BUILD_DIR.parent)}: {len(lines)} packages, {size:,} bytes, sha256 "
        f"{archive.sha256}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="build even when the layer is up to date")
    args = parser.parse_args(argv)
    if not args.force:
        try:
            built_layer()
            LAYER_STAMP.touch()  # newer than Pipfile.lock again, so make sees it up to date
            print(f"{LAYER_ZIP.relative_to(BUILD_DIR.parent)} is up to date with Pipfile.lock")
            return 0
        except LayerNotBuiltError:
            pass
    try:
        build()
    except (LockError, LayerNotBuiltError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as error:
        print(
            f"error: pip could not install the layer's packages (exit {error.returncode}); see its output above",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
