"""The lifecycle test's second plan, as data: which resources and attributes would change.

``terraform plan -detailed-exitcode`` in the deployed stack's directory (through the emulator's
tool runner, local/emulator/tools.py), then ``terraform show -json`` of the plan when it has
changes, reduced to each resource's changed top-level attributes; tests/test_lifecycle.py
accepts only the emulator's known drift.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from local.emulator.tools import Run, Workspace, run


@dataclass(frozen=True)
class Change:
    """One planned change: a resource and the top-level attributes whose values would change."""

    address: str
    type: str
    actions: tuple[str, ...]
    attributes: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    run: Run
    changes: tuple[Change, ...]
    text: str


def plan(workspace: Workspace, env: dict[str, str]) -> Plan:
    """``terraform plan -detailed-exitcode`` of the deployed stack, with its changes as data."""
    plan_file = workspace.root / "replan.tfplan"
    code, result = run(
        ["terraform", "plan", "-input=false", "-no-color", "-lock=false", "-detailed-exitcode", f"-out={plan_file}"],
        cwd=workspace.stack_dir,
        env=env,
        ok_codes=(0, 2),
    )
    if code == 0:
        return Plan(run=result, changes=(), text=result.output)
    _, shown = run(["terraform", "show", "-json", str(plan_file)], cwd=workspace.stack_dir, env=env)
    return Plan(run=result, changes=changes_of(json.loads(shown.output)), text=result.output)


def changes_of(plan_json: dict) -> tuple[Change, ...]:
    """Resource changes of a ``terraform show -json`` plan, each with the attributes it changes."""
    changes = []
    for item in plan_json.get("resource_changes", []):
        actions = tuple(item["change"]["actions"])
        if item.get("mode") == "data" or actions == ("no-op",):
            continue
        before = item["change"].get("before") or {}
        after = item["change"].get("after") or {}
        unknown = item["change"].get("after_unknown") or {}
        names = sorted(
            k
            for k in set(before) | set(after) | set(unknown)
            if before.get(k) != after.get(k) or _any_unknown(unknown.get(k))
        )
        changes.append(Change(address=item["address"], type=item["type"], actions=actions, attributes=tuple(names)))
    return tuple(changes)


def _any_unknown(marks: object) -> bool:
    """``after_unknown`` mirrors the value's shape with ``true`` where a value is unknown."""
    if isinstance(marks, dict):
        return any(_any_unknown(v) for v in marks.values())
    if isinstance(marks, list):
        return any(_any_unknown(v) for v in marks)
    return marks is True


def plan_explanation(text: str) -> str:
    """The part of `terraform plan` output that says what would change and why."""
    for marker in ("Note: Objects have changed outside", "Terraform will perform the following actions:"):
        if marker in text:
            return text[text.index(marker) :][:8000]
    return text[-8000:]
