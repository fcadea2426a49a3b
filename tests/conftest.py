"""The test session's environment (the tools on PATH, the Terraform CLI config) and shared fixtures.

Helpers the tests call live in tests/support/ and are imported by name; imports resolve through
pytest.ini's ``pythonpath``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from constructs_lib.settings import Settings
from scripts import terraform_cli_config
from tests.support import PROJECT_DIR


def pytest_configure(config: pytest.Config) -> None:
    """Before any test module is imported (cdktf starts jsii on Node when it is)."""
    # jsii runs the cdktf core on Node: the project's Node 22 comes first, as in the Makefile.
    os.environ["PATH"] = f"{PROJECT_DIR / 'node_modules' / '.bin'}{os.pathsep}{os.environ['PATH']}"
    os.environ.setdefault("CHECKPOINT_DISABLE", "1")
    if not Path(os.environ.get("TF_CLI_CONFIG_FILE", "")).is_file():
        os.environ["TF_CLI_CONFIG_FILE"] = str(terraform_cli_config.write_config())


@pytest.fixture
def default_settings() -> Settings:
    return Settings()
