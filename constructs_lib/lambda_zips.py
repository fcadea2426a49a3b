"""How the function's code and its third-party packages become the zips Lambda runs.

Three archives, each written byte for byte the same from the same input (sorted names, one
fixed timestamp, explicit Unix modes), so a hash changes only when what Lambda runs does:

- the function zip: ``function/``'s Python files, the playground page's files (HTML, CSS,
  JavaScript) and ``run.sh``, the handler Lambda execs (mode 0755, LF line endings), written at
  synth by the construct;
- the authorizer zip: ``authorizer/``'s Python files, written at synth the same way;
- the layer zip: the ``layer`` packages of Pipfile.lock (pinned and hash-locked) installed for
  Lambda's Python 3.13 on arm64 under ``python/``, written by ``make layer``
  (scripts/build_layer.py) with a stamp saying what it was built from. Synth refuses a layer
  that is missing or stale instead of deploying packages the lock does not name.

No cdktf import here: main.py checks the layer before the jsii runtime starts, and the
build script needs none of it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
FUNCTION_DIR = PROJECT_DIR / "function"
BUILD_DIR = PROJECT_DIR / ".build"
FUNCTION_ZIP = BUILD_DIR / "function.zip"
AUTHORIZER_DIR = PROJECT_DIR / "authorizer"  # the key authorizer (AUTH=api_key): its own small function
AUTHORIZER_ZIP = BUILD_DIR / "authorizer.zip"
LOCK_FILE = PROJECT_DIR / "Pipfile.lock"
LOCK_SECTION = "layer"  # Pipfile's [layer] category
LAYER_DIR = BUILD_DIR / "layer"  # holds python/, the folder Lambda unpacks to /opt/python
LAYER_ZIP = BUILD_DIR / "layer.zip"
LAYER_STAMP = BUILD_DIR / "layer.json"
BUILD_COMMAND = "make layer"

ENTRY_SCRIPT = "run.sh"  # the function's handler: the Web Adapter's exec wrapper runs it
PAGE_SUFFIXES = (".html", ".css", ".js")  # the playground page the app serves (function/playground.py)
# Lambda's runtime and architecture as pip names them (constructs_lib/lambda_function.py
# derives RUNTIME from PYTHON_VERSION).
PYTHON_VERSION = "3.13"
PIP_PLATFORM = "manylinux2014_aarch64"
PIP_IMPLEMENTATION = "cp"

# One timestamp for every entry (the earliest a zip can hold), so rebuilding the same files
# gives the same bytes.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
EXECUTABLE_MODE = 0o755
_REGULAR_FILE = 0o100000
_UNIX = 3  # "version made by" host system: Unix, so unzip and Lambda read the mode bits


class LayerNotBuiltError(RuntimeError):
    """The layer zip is missing or does not match Pipfile.lock; the message is one line."""


@dataclass(frozen=True)
class Archive:
    """A zip on disk and its SHA-256 in base64: Lambda's CodeSha256, Terraform's filebase64sha256."""

    path: Path
    sha256: str


def file_sha256(path: Path) -> str:
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def write_zip(entries: Mapping[str, tuple[bytes, int]], target: Path) -> Archive:
    """Write ``name → (content, mode)`` as a deterministic zip at ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(entries):
            content, mode = entries[name]
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.create_system = _UNIX
            info.external_attr = (_REGULAR_FILE | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    partial.replace(target)  # never a half-written zip under the real name
    return Archive(target, file_sha256(target))


# --- the function zip ------------------------------------------------------------------------


def function_entries(source: Path = FUNCTION_DIR) -> dict[str, tuple[bytes, int]]:
    """``function/``'s code as zip entries: its Python files, run.sh and the page's files, nothing else."""
    script = source / ENTRY_SCRIPT
    if not script.is_file():
        raise FileNotFoundError(f"{script} is missing: Lambda runs it as the function's handler")
    page = {
        path.name: (_with_lf(path.read_bytes()), FILE_MODE)
        for path in sorted(source.iterdir())
        if path.suffix in PAGE_SUFFIXES and path.is_file()
    }
    return {ENTRY_SCRIPT: (_with_lf(script.read_bytes()), EXECUTABLE_MODE), **python_entries(source), **page}


def python_entries(source: Path) -> dict[str, tuple[bytes, int]]:
    """A folder's Python files as zip entries.

    Tests, caches and notes stay out. Line endings become LF (a Windows checkout may have CRLF,
    which ``/bin/sh`` cannot run, and the same code then zips to the same bytes everywhere).
    """
    entries = {}
    for path in sorted(source.rglob("*.py")):
        relative = path.relative_to(source)
        if "__pycache__" in relative.parts or path.name.startswith("test_") or path.name == "conftest.py":
            continue
        entries[relative.as_posix()] = (_with_lf(path.read_bytes()), FILE_MODE)
    if not entries:
        raise FileNotFoundError(f"{source} has no Python files to zip")
    return entries


def _with_lf(content: bytes) -> bytes:
    return content.replace(b"\r\n", b"\n")


def build_function_zip(source: Path = FUNCTION_DIR, target: Path = FUNCTION_ZIP) -> Archive:
    """Zip the function's code (``function_entries``) at ``target``."""
    return write_zip(function_entries(source), target)


def build_authorizer_zip(source: Path = AUTHORIZER_DIR, target: Path = AUTHORIZER_ZIP) -> Archive:
    """Zip the key authorizer's code (``python_entries``) at ``target``."""
    return write_zip(python_entries(source), target)


# --- the layer zip ---------------------------------------------------------------------------


def read_layer_lock(lock_file: Path = LOCK_FILE) -> dict[str, Any]:
    """The ``layer`` section of Pipfile.lock: package name → version, hashes, markers."""
    try:
        lock = json.loads(lock_file.read_text())
    except (OSError, ValueError) as error:
        raise LayerNotBuiltError(f"cannot read {lock_file.name}: {error}") from None
    section: dict[str, Any] | None = lock.get(LOCK_SECTION)
    if not section:
        raise LayerNotBuiltError(
            f"{lock_file.name} has no '{LOCK_SECTION}' packages: the function's layer needs them (Pipfile "
            f"[{LOCK_SECTION}])"
        )
    return section


def layer_digest(packages: Mapping[str, Any]) -> str:
    """What a layer is built from: the locked packages and the platform they are installed for."""
    source = {
        "packages": packages,
        "python": PYTHON_VERSION,
        "platform": PIP_PLATFORM,
        "implementation": PIP_IMPLEMENTATION,
    }
    return hashlib.sha256(json.dumps(source, sort_keys=True).encode()).hexdigest()


def read_stamp(stamp: Path = LAYER_STAMP) -> dict[str, Any] | None:
    try:
        recorded: dict[str, Any] = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return None
    return recorded


def built_layer(lock_file: Path = LOCK_FILE, zip_path: Path = LAYER_ZIP, stamp: Path = LAYER_STAMP) -> Archive:
    """The layer zip ``make layer`` built from today's Pipfile.lock, or ``LayerNotBuiltError``."""
    recorded = read_stamp(stamp)
    shown = _shown(zip_path)
    if recorded is None or not zip_path.is_file():
        raise LayerNotBuiltError(f"the function's package layer is not built ({shown}): run `{BUILD_COMMAND}`")
    if recorded.get("lock_digest") != layer_digest(read_layer_lock(lock_file)):
        raise LayerNotBuiltError(
            f"the function's package layer ({shown}) is stale: the '{LOCK_SECTION}' packages in "
            f"{lock_file.name} changed since it was built: run `{BUILD_COMMAND}`"
        )
    archive = Archive(zip_path, file_sha256(zip_path))
    if recorded.get("zip_sha256") != archive.sha256:
        raise LayerNotBuiltError(
            f"the function's package layer ({shown}) is not the zip `{BUILD_COMMAND}` built: run `{BUILD_COMMAND}`"
        )
    return archive


def _shown(path: Path) -> str:
    """A path relative to the project when it is inside it, for messages."""
    try:
        return str(path.relative_to(PROJECT_DIR))
    except ValueError:
        return str(path)
