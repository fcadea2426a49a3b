"""Print the README's settings table from the settings' own metadata.

    .venv/bin/python -m scripts.settings_table

tests/test_docs.py checks that README.md holds exactly this table, so the docs cannot drift
from the code: change a setting, run this, paste the table.
"""

from __future__ import annotations

from constructs_lib.settings import describe


def shown(default: object) -> str:
    if default is None:
        return "(unset)"
    if isinstance(default, bool):
        return "`true`" if default else "`false`"
    if isinstance(default, tuple):  # a list setting, as it is written: comma-separated
        default = ",".join(default)
    return f"`{default}`" if default != "" else "(empty)"


def settings_table() -> str:
    lines = [
        "| Environment variable | cdktf.json `context` key | Default | Meaning |",
        "| --- | --- | --- | --- |",
    ]
    for name, env, default, meaning in describe():
        lines.append(f"| `{env}` | `{name}` | {shown(default)} | {meaning} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(settings_table())
