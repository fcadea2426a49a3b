"""Print one output of a deployed stack from outputs.json (written by `make deploy`).

    python3 -m scripts.stack_output OUTPUTS_FILE STACK NAME [MEMBER]

Used by `make endpoint` and `make api-key` (`make api-key KEY=web`: the member `web` of the map
output `api_keys`); says plainly what is missing instead of a trace.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def stack_output(outputs_file: Path, stack: str, name: str, member: str | None = None) -> str:
    if not outputs_file.is_file():
        raise LookupError(f"{outputs_file} does not exist: run `make deploy` first")
    stacks = json.loads(outputs_file.read_text())
    if stack not in stacks:
        raise LookupError(f"{outputs_file} has no stack {stack!r} (it has: {', '.join(stacks) or 'none'})")
    if name not in stacks[stack]:
        raise LookupError(f"stack {stack!r} has no output {name!r} (it has: {', '.join(stacks[stack])})")
    value = stacks[stack][name]
    if member is None:
        return str(value)
    if not isinstance(value, dict) or member not in value:
        known = ", ".join(value) if isinstance(value, dict) else "it is not a map"
        raise LookupError(f"output {name!r} of stack {stack!r} has no {member!r} (it has: {known})")
    return str(value[member])


def main(argv: list[str]) -> int:
    if len(argv) not in (4, 5):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        print(stack_output(Path(argv[1]), argv[2], argv[3], *argv[4:]))
    except (LookupError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
