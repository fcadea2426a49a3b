"""The README stays true: its settings table, model table and make targets are the code's."""

from __future__ import annotations

import re

from scripts.models_table import models_table
from scripts.openai_fields_table import openai_fields_table
from scripts.settings_table import settings_table
from tests.support import PROJECT_DIR

README = (PROJECT_DIR / "README.md").read_text()
MAKEFILE = (PROJECT_DIR / "Makefile").read_text()


def test_readme_settings_table_is_the_generated_one():
    table = README.split("<!-- settings-table")[1].split("-->", 1)[1].split("<!-- /settings-table -->")[0]
    assert table.strip() == settings_table(), (
        "run `python -m scripts.settings_table` and paste its table into README.md"
    )


def test_readme_model_table_is_the_generated_one():
    table = README.split("<!-- models-table")[1].split("-->", 1)[1].split("<!-- /models-table -->")[0]
    assert table.strip() == models_table(), "run `python -m scripts.models_table` and paste its table into README.md"


def test_readme_openai_fields_table_is_the_generated_one():
    table = README.split("<!-- openai-fields")[1].split("-->", 1)[1].split("<!-- /openai-fields -->")[0]
    assert table.strip() == openai_fields_table(), (
        "run `PYTHONPATH=function python -m scripts.openai_fields_table` and paste its table into README.md"
    )


def test_readme_starts_with_the_two_commands():
    first_block = README.split("```bash", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make synth", "make test"]


def test_every_documented_make_target_exists_and_every_target_is_documented():
    documented = set(re.findall(r"^\| `make ([a-z-]+)`(?: / `make ([a-z-]+)`)? \|", README, re.MULTILINE))
    documented = {target for pair in documented for target in pair if target}
    in_makefile = set(re.findall(r"^([a-z-]+):.*## ", MAKEFILE, re.MULTILINE)) - {"help"}
    assert documented == in_makefile
