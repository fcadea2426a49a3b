"""`make endpoint` / `make api-key`: one output read from outputs.json, or a clear reason why not."""

from __future__ import annotations

import json

import pytest

from scripts.stack_output import stack_output


def test_reads_the_named_output_of_the_named_stack(tmp_path):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"bedrock-inference": {"api_endpoint": "https://x/v1/invoke", "api_key": "k"}}))
    assert stack_output(outputs, "bedrock-inference", "api_endpoint") == "https://x/v1/invoke"


@pytest.mark.parametrize(
    "content, stack, name, reason",
    [
        (None, "bedrock-inference", "api_key", "does not exist: run `make deploy` first"),
        (
            {"bedrock-inference-dev": {}},
            "bedrock-inference",
            "api_key",
            "has no stack 'bedrock-inference' (it has: bedrock-inference-dev)",
        ),
        (
            {"bedrock-inference": {"api_endpoint": "u"}},
            "bedrock-inference",
            "api_key",
            "has no output 'api_key' (it has: api_endpoint)",
        ),
    ],
)
def test_missing_pieces_are_named(tmp_path, content, stack, name, reason):
    outputs = tmp_path / "outputs.json"
    if content is not None:
        outputs.write_text(json.dumps(content))
    with pytest.raises(LookupError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        stack_output(outputs, stack, name)


def test_one_key_of_several_is_read_by_its_name(tmp_path):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"bedrock-inference": {"api_keys": {"web": "k1", "batch": "k2"}}}))
    assert stack_output(outputs, "bedrock-inference", "api_keys", "batch") == "k2"
    with pytest.raises(
        LookupError, match=r"output 'api_keys' of stack 'bedrock-inference' has no 'mobile' \(it has: web, batch\)"
    ):
        stack_output(outputs, "bedrock-inference", "api_keys", "mobile")
