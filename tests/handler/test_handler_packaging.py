"""What goes into the Lambda zip, and that it starts: function/ holds the handler's .py files only.

The stack zips every *.py under function/ (constructs_lib/lambda_function.py); Lambda's
runtime provides boto3 and the Powertools layer provides aws_lambda_powertools, so anything
else imported from there would fail only in AWS. These tests catch that here.
"""

from __future__ import annotations

import ast
import dataclasses
import glob
import io
import json
import os
import subprocess
import sys
import zipfile

from handler_support import FUNCTION_DIR, ROOT

from config import Settings
from constructs_lib.settings import Settings as StackSettings

PROVIDED_IN_LAMBDA = {"boto3", "botocore", "aws_lambda_powertools"}  # runtime and layer
ZIP_LIMIT_BYTES = 20 * 1024


def handler_sources() -> list:
    return sorted(FUNCTION_DIR.glob("*.py"))


def test_function_dir_holds_only_handler_python_files():
    entries = [p for p in FUNCTION_DIR.iterdir() if p.name != "__pycache__"]  # caches are never staged
    assert entries and all(p.is_file() and p.suffix == ".py" for p in entries), entries
    assert not [p for p in entries if p.name.startswith("test_") or p.name == "conftest.py"]
    assert (FUNCTION_DIR / "handler.py").is_file()


def test_handler_imports_only_the_standard_library_what_lambda_provides_and_itself():
    siblings = {p.stem for p in handler_sources()}
    for path in handler_sources():
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names | PROVIDED_IN_LAMBDA | siblings | {"__future__"}, f"{path.name}: {name}"


def test_zipped_function_stays_under_20_kb():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in handler_sources():
            archive.write(path, path.name)
    assert len(buffer.getvalue()) <= ZIP_LIMIT_BYTES


def test_handler_source_compiles_on_every_python_here_from_3_11():
    """Tests run on 3.11, Lambda on 3.13: the source must be valid on both."""
    interpreters = [sys.executable] + sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[2-9]*/bin/python3")))
    check = "import ast, sys; [ast.parse(open(p).read(), p) for p in sys.argv[1:]]; print(sys.version_info[:2])"
    for interpreter in interpreters:
        done = subprocess.run([interpreter, "-c", check, *map(str, handler_sources())], capture_output=True, text=True)
        assert done.returncode == 0, f"{interpreter}: {done.stderr}"


def test_handler_module_imports_on_python_3_11_with_the_default_environment():
    # GIVEN only what Lambda always sets (the Region, twice; credentials) and none of the stack's variables
    env = {"PATH": os.environ["PATH"], "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
           "AWS_EC2_METADATA_DISABLED": "true"}
    probe = (
        "import sys, json, dataclasses; sys.path.insert(0, sys.argv[1]); import handler; "
        "c = handler.BEDROCK.meta.config; "
        "print(json.dumps({'python': sys.version_info[:2], 'settings': dataclasses.asdict(handler.SETTINGS), "
        "'service': handler.BEDROCK.meta.service_model.service_name, 'region': handler.BEDROCK.meta.region_name, "
        "'timeouts': [c.connect_timeout, c.read_timeout], 'retries': c.retries, 'entry': callable(handler.lambda_handler)}))"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(FUNCTION_DIR)], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout.splitlines()[-1])
    assert facts["python"] == [3, 11]
    assert facts["settings"] == json.loads(json.dumps(dataclasses.asdict(Settings())))
    assert (facts["service"], facts["region"], facts["entry"]) == ("bedrock-runtime", "us-east-1", True)
    assert facts["timeouts"] == [2, 10] and facts["retries"] == {"mode": "standard", "total_max_attempts": 2}


def test_a_corrected_setting_is_logged_at_cold_start():
    env = {"PATH": os.environ["PATH"], "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
           "BEDROCK_READ_TIMEOUT_SECONDS": "25"}
    done = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import handler", str(FUNCTION_DIR)],
                          capture_output=True, text=True, env=env)
    [record] = [json.loads(line) for line in done.stdout.splitlines() if "setting corrected" in line]
    assert record["level"] == "WARNING" and "27 s" in record["message"]


def test_handler_defaults_match_the_stack_defaults():
    stack = StackSettings()
    ours = Settings()
    assert (ours.model_id, ours.max_tokens_default, ours.max_tokens_cap) == (stack.model_id, stack.max_tokens_default, stack.max_tokens_cap)
    assert (ours.prompt_max_chars, ours.body_max_bytes) == (stack.prompt_max_chars, stack.body_max_bytes)
    assert (ours.cors_allow_origin, ours.log_content) == (stack.cors_allow_origin, stack.log_content)
    assert dataclasses.astuple(ours.budget) == (stack.bedrock_connect_timeout_seconds, stack.bedrock_read_timeout_seconds,
                                                stack.bedrock_max_attempts)
    assert ours.lambda_timeout == stack.lambda_timeout_seconds
