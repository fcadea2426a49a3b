"""pytest plugin for `make mutate`'s runs (scripts/mutate.py loads it with ``-p``): the same
tests, in an order and a process state that make each mutant cheap.

- **Fastest tests first.** mutmut 3.8.1 hands pytest a mutant's covering tests in the order of
  a Python set, pytest runs them in that order and mutmut's ``-x`` stops at the first failure.
  A mutant the tests kill is therefore paid for by the slow tests drawn before the one that
  fails; run fastest first (the durations mutmut measured in its own first pass), a killed
  mutant costs about its cheapest failing test. Survivors run every covering test either way.
- **The app's log handler on this session's stdout.** The ``function`` group's fork server
  imports the tests and the app once (mutmut's "collect" warm-up), inside a pytest session
  whose captured stdout is closed when that session ends. Powertools' handler keeps the stream
  it was created with; each mutant's session points it at its own stdout again, as a fresh
  import would.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

STATS_FILE = "mutmut-stats.json"  # mutmut's, in the folder the tests run from


def durations(stats_file: Path = Path(STATS_FILE)) -> dict[str, float]:
    """Each test's duration from mutmut's first pass; empty before that pass has run."""
    if not stats_file.is_file():
        return {}
    return dict(json.loads(stats_file.read_text()).get("duration_by_test", {}))


def fastest_first(items: list[Any], seconds: dict[str, float]) -> None:
    """Sort pytest items in place by their measured duration; unmeasured ones keep their place
    among equals (a stable sort, unknown as 0)."""
    items.sort(key=lambda item: seconds.get(item.nodeid, 0.0))


def pytest_collection_modifyitems(items: list[Any]) -> None:
    fastest_first(items, durations())


def pytest_sessionstart() -> None:
    observability = sys.modules.get("observability")
    handler = getattr(getattr(observability, "logger", None), "registered_handler", None)
    stream = getattr(handler, "stream", None)
    if stream is not None and getattr(stream, "closed", False):
        handler.stream = sys.stdout
