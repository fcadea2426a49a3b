"""Stop `make setup` early when PYTHON_BOOTSTRAP is a Python version Pipfile.lock was not made for.

pipenv itself only warns about a version outside the Pipfile's ``[requires]`` and goes on to
build an environment the lock may not install into. Run with the interpreter to check
(`$(PYTHON_BOOTSTRAP) -m scripts.check_python`): it prints nothing when the version is allowed,
else one ``error:`` line, exit 2. The allowed versions are the lock's ``_meta.requires``, copied
there from the Pipfile by `pipenv lock`.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

# The specifier parser pip itself uses: present wherever `make` can run pipenv, before any
# environment of the project's exists.
from pip._vendor.packaging.specifiers import SpecifierSet

LOCK_FILE = Path(__file__).resolve().parents[1] / "Pipfile.lock"


def allowed_versions(lock_file: Path = LOCK_FILE) -> str:
    """The Python versions the lock was resolved for, as written there: ``>=3.11,<3.14``."""
    return json.loads(lock_file.read_text())["_meta"]["requires"]["python_version"]


def version_error(version: str, allowed: str) -> str | None:
    """One line naming the interpreter's version and the allowed ones, or None when it fits."""
    if version in SpecifierSet(allowed):
        return None
    return (
        f"error: PYTHON_BOOTSTRAP is Python {version} ({sys.executable}); Pipfile.lock is made for "
        f"Python {allowed}: run make with one of those, e.g. `make setup PYTHON_BOOTSTRAP=python3.13`"
    )


def main(lock_file: Path = LOCK_FILE) -> int:
    error = version_error(platform.python_version(), allowed_versions(lock_file))
    if error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
