"""Print the README's table of OpenAI chat completions fields from function/openai_request.py's FIELDS.

    # function/ on the path: openai_request imports its siblings by their top-level names
    PYTHONPATH=function .venv/bin/python -m scripts.openai_fields_table

tests/test_docs.py checks that README.md holds exactly this table (and tests/test_readme_ko.py
that README.ko.md lists the same fields, kinds and accepted values), so what the README says
about a field is what the function does with it: change FIELDS, run this, paste the table.
"""

from __future__ import annotations

import json

from openai_request import FIELDS


def accepted(values: tuple) -> str:
    return ", ".join(f"`{json.dumps(value)}`" for value in values)


def openai_fields_table() -> str:
    lines = ["| Field | Here | |", "| --- | --- | --- |"]
    for field in FIELDS:
        also = f" (accepted: {accepted(field.off)})" if field.off else ""
        lines.append(f"| `{field.name}` | {field.treatment} | {field.note}{also} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(openai_fields_table())
