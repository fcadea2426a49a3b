"""Python 3.11, 3.12 and 3.13 may each run `make setup` (PYTHON_BOOTSTRAP): Pipfile.lock must
install on all three, and make must refuse any other version with one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.tags import sys_tags

from scripts import check_python
from tests.support import PROJECT_DIR

SUPPORTED = ("3.11", "3.12", "3.13")
LOCK = json.loads((PROJECT_DIR / "Pipfile.lock").read_text())
# Pipfile.lock's sections for the categories `make setup` installs.
LOCK_SECTIONS = ("default", "develop", "layer")


def requirements_from_lock() -> str:
    """What `pipenv requirements --hash` writes for those categories: one pinned, hashed line a
    package (the same package in two sections once, with both sections' hashes)."""
    merged: dict[str, dict] = {}
    for section in LOCK_SECTIONS:
        for name, entry in LOCK[section].items():
            known = merged.setdefault(name, {**entry, "hashes": []})
            known["hashes"] = sorted(set(known["hashes"]) | set(entry["hashes"]))
    lines = []
    for name, entry in sorted(merged.items()):
        extras = f"[{','.join(entry['extras'])}]" if entry.get("extras") else ""
        marker = f"; {entry['markers']}" if entry.get("markers") else ""
        hashes = "".join(f" --hash={digest}" for digest in entry["hashes"])
        lines.append(f"{name}{extras}{entry['version']}{marker}{hashes}")
    return "\n".join(lines) + "\n"


def test_the_pipfile_allows_exactly_the_supported_versions_and_the_lock_follows_it():
    allowed = tomllib.loads((PROJECT_DIR / "Pipfile").read_text())["requires"]["python_version"]
    minors = [f"3.{minor}" for minor in range(8, 16)]
    assert [v for v in minors if f"{v}.0" in SpecifierSet(allowed)] == list(SUPPORTED)
    # `pipenv lock` copies [requires] into the lock: a stale lock would still say 3.11 only
    assert LOCK["_meta"]["requires"] == {"python_version": allowed}


@pytest.mark.parametrize("version", ["3.11.0", "3.12.1", "3.13.9"])
def test_make_accepts_a_supported_interpreter(version: str):
    assert check_python.version_error(version, check_python.allowed_versions()) is None


@pytest.mark.parametrize("version", ["3.10.13", "3.14.0"])
def test_make_refuses_another_version_naming_it_and_the_allowed_ones(version: str):
    error = check_python.version_error(version, check_python.allowed_versions())
    assert error.startswith(f"error: PYTHON_BOOTSTRAP is Python {version} (")
    assert "Pipfile.lock is made for Python >=3.11,<3.14" in error


def test_the_check_stops_with_exit_code_2_when_the_interpreter_does_not_fit(tmp_path: Path, capsys):
    lock = tmp_path / "Pipfile.lock"
    lock.write_text(json.dumps({"_meta": {"requires": {"python_version": ">=3.99"}}}))
    assert check_python.main(lock) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error: PYTHON_BOOTSTRAP is Python ") and line.endswith(
        "made for Python >=3.99: run make with one of those, e.g. `make setup PYTHON_BOOTSTRAP=python3.13`"
    )


def test_the_check_script_passes_this_interpreter_silently():
    result = subprocess.run(
        [sys.executable, "-m", "scripts.check_python"], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.slow
@pytest.mark.parametrize("version", SUPPORTED)
def test_the_lock_installs_on_each_supported_python(version: str, tmp_path: Path):
    # pip resolves the locked set as that version would on this machine's platforms, binary wheels
    # only, every dependency pinned and hashed in the lock (--require-hashes refuses one that is
    # not, e.g. a package the lock's markers leave out for that version); --dry-run installs nothing.
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(requirements_from_lock())
    platforms = [arg for tag in sorted({t.platform for t in sys_tags()}) for arg in ("--platform", tag)]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--quiet",
            "--no-input",
            "--ignore-installed",
            "--only-binary=:all:",
            "--implementation",
            "cp",
            "--python-version",
            version,
            *platforms,
            "--target",
            str(tmp_path / "target"),
            "--require-hashes",
            "-r",
            str(requirements),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
