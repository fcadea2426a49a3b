"""README.ko.md stays in step with README.md: the same settings, OpenAI fields and make targets.

The Korean README translates the meanings, not the names: every settings row must carry the
same environment variable, cdktf.json key and default, in the same order, and both READMEs
must document the same make targets (README.md's are checked against the Makefile by
tests/test_docs.py).
"""

from __future__ import annotations

import re

from tests.support import PROJECT_DIR

README = (PROJECT_DIR / "README.md").read_text()
README_KO = (PROJECT_DIR / "README.ko.md").read_text()


def settings_rows(readme: str) -> list[tuple[str, str, str]]:
    """(variable, context key, default) of each row of the settings table."""
    table = readme.split("<!-- settings-table")[1].split("-->", 1)[1].split("<!-- /settings-table -->")[0]
    rows = [line.split("|")[1:4] for line in table.strip().splitlines()[2:]]
    return [tuple(cell.strip() for cell in row) for row in rows]


def make_targets(readme: str) -> set[str]:
    pairs = re.findall(r"^\| `make ([a-z-]+)`(?: / `make ([a-z-]+)`)? \|", readme, re.MULTILINE)
    return {target for pair in pairs for target in pair if target}


def test_both_readmes_list_the_same_settings_in_the_same_order():
    assert settings_rows(README_KO) == settings_rows(README), (
        "README.ko.md's settings table differs from README.md's: add or change the row there too "
        "(names and defaults as in README.md, meaning in Korean)"
    )


KINDS_KO = {"사용": "used", "무시": "ignored", "거부": "refused"}


def openai_field_rows(readme: str, kinds: dict[str, str] | None = None) -> list[tuple[str, str, list[str]]]:
    """(field, kind, accepted values) of each row of the OpenAI fields table; kinds translated back."""
    table = readme.split("<!-- openai-fields")[1].split("-->", 1)[1].split("<!-- /openai-fields -->")[0]
    rows = []
    for line in table.strip().splitlines()[2:]:
        field, kind, note = (cell.strip() for cell in line.split(" | ", 2))
        accepted = re.findall(r"\((?:accepted|허용): (.*)\) \|$", note)
        rows.append((field.lstrip("| "), (kinds or {}).get(kind, kind), accepted))
    return rows


def test_both_readmes_list_the_same_openai_fields_kinds_and_accepted_values():
    assert openai_field_rows(README_KO, KINDS_KO) == openai_field_rows(README), (
        "README.ko.md's OpenAI fields table differs from README.md's: same fields, kinds (사용/무시/거부) "
        "and accepted values, in the same order"
    )


def test_both_readmes_list_the_same_make_targets():
    assert make_targets(README_KO) == make_targets(README)


def test_each_readme_links_the_other():
    assert "(README.ko.md)" in README
    assert "(README.md)" in README_KO
