"""Print the README's model capability table from function/models.py's rows.

    .venv/bin/python -m scripts.models_table

tests/test_docs.py checks that README.md holds exactly this table, so what the README says a
model refuses, accepts and costs is what the function and the stack act on: change a row, run
this, paste the table.
"""

from __future__ import annotations

from function.models import MODELS, ModelFacts

THINKING = {"always": "adaptive, always on", "optional": "adaptive, when asked", "none": "—"}


def listed(values) -> str:
    return ", ".join(f"`{value}`" for value in values) or "—"


def price(row: ModelFacts) -> str:
    if not row.priced:
        return "—"
    return f"${row.input_usd_per_mtok:g} / ${row.output_usd_per_mtok:g} (read {row.prices_read})"


def sources(row: ModelFacts) -> str:
    return " ".join(f"[{number}]({url})" for number, url in enumerate(row.sources, 1))


def models_table() -> str:
    lines = [
        (
            "| Model | Bedrock model id | Refuses | Not together | Adaptive thinking | `effort` | Max output | Price "
            "in / out per MTok | End of life on Bedrock | Sources |"
        ),
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in MODELS:
        lines.append(
            f"| {row.name} | {listed(row.bedrock_ids)} | {listed(sorted(row.refused_parameters))} "
            f"| {' + '.join(f'`{name}`' for name in sorted(row.exclusive_parameters)) or '—'} "
            f"| {THINKING[row.thinking]} | {listed(row.effort_levels)} "
            f"| {f'{row.max_output_tokens:,}' if row.max_output_tokens else 'unknown'} "
            f"| {price(row)} | {row.retires or '—'} | {sources(row)} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(models_table())
