"""Helpers the tests import by name (``from tests.support.stack import synth_construct``).

conftest.py files hold only fixtures and hooks; everything a test calls lives here, one module
per concern: ``stack`` (synthesizing constructs and the stack) and ``app`` (the function's web
app against the local Bedrock stand-in).
"""

from __future__ import annotations

from pathlib import Path

import pytest

# Helpers that assert (valid_for_botocore, sse_events) explain their failures as a test would.
pytest.register_assert_rewrite(f"{__name__}.app", f"{__name__}.stack")

PROJECT_DIR = Path(__file__).resolve().parents[2]
FUNCTION_DIR = PROJECT_DIR / "function"
