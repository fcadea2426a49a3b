"""The function's package layer: built from Pipfile.lock alone, and refused by synth when stale.

`make layer` (scripts/build_layer.py) installs the lock's ``layer`` packages, pinned and
hash-checked, for Lambda's Python 3.13 on arm64; constructs_lib/lambda_zips.py's
``built_layer`` is the check synth runs. No test here reaches a package index.
"""

from __future__ import annotations

import itertools
import json
import zipfile
from pathlib import Path

import pytest

import main
from constructs_lib.lambda_zips import (
    LAYER_ZIP,
    LayerNotBuiltError,
    built_layer,
    layer_digest,
    read_layer_lock,
    write_zip,
)
from scripts import build_layer

STARLETTE = {"version": "==1.10.0", "hashes": ["sha256:bbb", "sha256:aaa"], "markers": "python_version >= '3.11'"}


def lock_with(tmp_path: Path, packages: dict) -> Path:
    lock = tmp_path / "Pipfile.lock"
    lock.write_text(json.dumps({"_meta": {}, "default": {}, "layer": packages}))
    return lock


def built(tmp_path: Path, packages: dict) -> tuple[Path, Path, Path]:
    """A lock, a layer zip and the stamp `make layer` would write for them."""
    lock = lock_with(tmp_path, packages)
    archive = write_zip({"python/starlette/__init__.py": (b"", 0o644)}, tmp_path / "layer.zip")
    stamp = tmp_path / "layer.json"
    stamp.write_text(json.dumps({"lock_digest": layer_digest(packages), "zip_sha256": archive.sha256}))
    return lock, archive.path, stamp


# --- what gets installed ----------------------------------------------------------------------


def test_each_locked_package_becomes_one_pinned_hash_checked_requirement():
    assert build_layer.requirements({"starlette": STARLETTE}) == [
        "starlette==1.10.0 --hash=sha256:aaa --hash=sha256:bbb"
    ]


@pytest.mark.parametrize(
    "marker", ["python_version < '3.12'", "sys_platform == 'win32'", "platform_machine == 'x86_64'"]
)
def test_a_package_lambdas_python_313_on_arm64_linux_does_not_need_stays_out(marker):
    packages = {"starlette": STARLETTE, "backport": {"version": "==1.0", "hashes": ["sha256:c"], "markers": marker}}
    assert [line.split("==")[0] for line in build_layer.requirements(packages)] == ["starlette"]


@pytest.mark.parametrize(
    "entry, problem",
    [
        ({"version": ">=1.0", "hashes": ["sha256:a"]}, "is not pinned to one version (>=1.0)"),
        ({"hashes": ["sha256:a"]}, "is not pinned to one version (no version)"),
        ({"version": "==1.0", "hashes": []}, "has no hashes"),
    ],
)
def test_an_unpinned_or_unhashed_package_is_refused(entry, problem):
    with pytest.raises(build_layer.LockError) as raised:
        build_layer.requirements({"x": entry})
    assert str(raised.value) == f"Pipfile.lock's layer package 'x' {problem}"


def test_pip_installs_exactly_the_locked_wheels_for_lambdas_python_and_architecture(tmp_path: Path):
    command = build_layer.pip_command(tmp_path / "req.txt", tmp_path / "python")
    assert command[1:4] == ["-m", "pip", "install"]
    for flag in ("--require-hashes", "--no-deps", "--only-binary=:all:", "--no-compile"):
        assert flag in command
    options = dict(itertools.pairwise(command))
    assert options["--platform"] == "manylinux2014_aarch64"
    assert options["--implementation"] == "cp"
    assert options["--python-version"] == "3.13"
    assert (options["--target"], options["-r"]) == (str(tmp_path / "python"), str(tmp_path / "req.txt"))
    assert not [part for part in command if "://" in part], "the index comes from PIP_INDEX_URL, never from a file"


def test_the_projects_lock_pins_starlette_and_uvicorn_with_hashes():
    lines = build_layer.requirements(read_layer_lock())
    names = {line.split("==")[0] for line in lines}
    assert {"starlette", "uvicorn", "anyio", "h11"} <= names
    assert all(" --hash=sha256:" in line for line in lines)
    assert any(line.startswith("starlette==1.10.0 ") for line in lines)
    assert any(line.startswith("uvicorn==0.54.0 ") for line in lines)


def test_the_zip_holds_the_python_folder_as_lambda_unpacks_it_to_opt(tmp_path: Path):
    (tmp_path / "python" / "starlette").mkdir(parents=True)
    (tmp_path / "python" / "starlette" / "__init__.py").write_text("")
    (tmp_path / "python" / "typing_extensions.py").write_text("")
    assert sorted(build_layer.layer_entries(tmp_path)) == [
        "python/starlette/__init__.py",
        "python/typing_extensions.py",
    ]


# --- what synth accepts -----------------------------------------------------------------------


def test_a_layer_built_from_todays_lock_is_accepted(tmp_path: Path):
    lock, zip_path, stamp = built(tmp_path, {"starlette": STARLETTE})
    archive = built_layer(lock, zip_path, stamp)
    assert archive.path == zip_path and len(archive.sha256) == 44  # base64 of 32 bytes


def test_a_missing_layer_is_refused_with_the_command_to_run(tmp_path: Path):
    lock = lock_with(tmp_path, {"starlette": STARLETTE})
    with pytest.raises(LayerNotBuiltError, match=r"is not built \(.*layer.zip\): run `make layer`$"):
        built_layer(lock, tmp_path / "layer.zip", tmp_path / "layer.json")


def test_a_layer_built_from_other_locked_packages_is_refused_as_stale(tmp_path: Path):
    lock, zip_path, stamp = built(tmp_path, {"starlette": STARLETTE})
    lock_with(tmp_path, {"starlette": {**STARLETTE, "version": "==1.11.0"}})  # the lock moves on
    with pytest.raises(
        LayerNotBuiltError,
        match=r"is stale: the 'layer' packages in Pipfile.lock changed since it was built: run `make layer`",
    ):
        built_layer(lock, zip_path, stamp)


def test_a_zip_that_is_not_the_one_built_is_refused(tmp_path: Path):
    lock, zip_path, stamp = built(tmp_path, {"starlette": STARLETTE})
    with zipfile.ZipFile(zip_path, "a") as archive:
        archive.writestr("python/extra.py", "")
    with pytest.raises(LayerNotBuiltError, match="is not the zip `make layer` built: run `make layer`"):
        built_layer(lock, zip_path, stamp)


def test_a_lock_without_layer_packages_is_refused(tmp_path: Path):
    with pytest.raises(LayerNotBuiltError, match=r"Pipfile\.lock has no 'layer' packages"):
        read_layer_lock(lock_with(tmp_path, {}))


def test_main_reports_a_missing_layer_in_one_line_before_building_the_app(monkeypatch, capsys):
    def not_built():
        raise LayerNotBuiltError(f"the function's package layer is not built ({LAYER_ZIP.name}): run `make layer`")

    def must_not_run(_):
        raise AssertionError("the app was built although the layer is missing")

    monkeypatch.setattr(main, "built_layer", not_built)
    monkeypatch.setattr(main, "build_app", must_not_run)

    assert main.main([]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: the function's package layer is not built (layer.zip): run `make layer`"
    ]
