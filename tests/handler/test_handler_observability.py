"""Structured logs and EMF metrics, through the real ``lambda_handler`` and its module client.

Logs carry the ids needed to follow one request (API Gateway's and Lambda's), the model,
latency, token counts and status, and never the prompt or completion text unless
LOG_CONTENT is on. Metrics are CloudWatch EMF lines on stdout.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pytest
from botocore.stub import Stubber
from handler_support import CONVERSE_OK, LambdaContext, load_event, post, reply

import handler

PROMPT = "What is Amazon Bedrock? Answer in one sentence."
COMPLETION = CONVERSE_OK["output"]["message"]["content"][0]["text"]


@pytest.fixture
def module_client() -> Iterator[Stubber]:
    """Stubber on the handler's own module-level client: the deployed wiring, no patching."""
    handler.metrics.clear_metrics()
    with Stubber(handler.BEDROCK) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def emf_lines(out: str) -> list[dict]:
    return [line for line in map(json.loads, filter(None, out.splitlines())) if "_aws" in line]


def test_answered_request_is_logged_with_ids_model_latency_and_tokens(module_client, logs):
    module_client.add_response("converse", CONVERSE_OK)
    context = LambdaContext(aws_request_id="lambda-req-42")
    assert reply(handler.lambda_handler(load_event("apigw_post_prompt"), context)).status == 200
    [record] = [r for r in logs.records if r["message"] == "request answered"]
    assert record["level"] == "INFO"
    assert record["api_request_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert record["function_request_id"] == "lambda-req-42"
    assert record["model"] == "us.anthropic.claude-sonnet-5"
    assert (record["status"], record["input_tokens"], record["output_tokens"]) == (200, 14, 9)
    assert record["latency_ms"] >= 0 and record["bedrock_latency_ms"] >= 0
    assert record["prompt_chars"] == len(PROMPT) and record["completion_chars"] == len(COMPLETION)


def test_prompt_and_completion_text_are_not_logged_by_default(module_client, logs):
    module_client.add_response("converse", CONVERSE_OK)
    handler.lambda_handler(load_event("apigw_post_prompt"), LambdaContext())
    handler.lambda_handler(post({"prompt": "my secret diary " * 2000}), LambdaContext())  # refused: too long
    assert "Amazon Bedrock?" not in logs.text
    assert "managed service" not in logs.text
    assert "secret diary" not in logs.text


def test_log_content_setting_logs_the_text(bedrock_stub, logs):
    bedrock_stub.answers()
    settings = dataclasses.replace(handler.SETTINGS, log_content=True)
    handler.handle(load_event("apigw_post_messages"), LambdaContext(), bedrock_stub.client, settings)
    handler.metrics.clear_metrics()
    [record] = [r for r in logs.records if r["message"] == "request answered"]
    assert record["system"] == "You are a terse assistant."
    assert record["messages"][-1] == {"role": "user", "content": "And one more?\nJust the number, please."}
    assert record["completion"] == COMPLETION


def test_refused_request_is_logged_at_info_with_its_code(module_client, logs):
    handler.lambda_handler(post({"prompt": "hi", "max_tokens": 0}), LambdaContext())
    [record] = [r for r in logs.records if r["message"] == "request failed"]
    assert (record["level"], record["status"], record["error_code"]) == ("INFO", 400, "invalid_field")
    assert "'max_tokens'" in record["error"]


def test_token_and_latency_metrics_are_emitted_as_emf(module_client, capsys):
    module_client.add_response("converse", CONVERSE_OK)
    handler.lambda_handler(load_event("apigw_post_prompt"), LambdaContext())
    blobs = emf_lines(capsys.readouterr().out)
    [request_blob] = [b for b in blobs if "InputTokens" in b]
    assert request_blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "BedrockInferenceApi"
    assert request_blob["service"] == "bedrock-api-test"
    assert (request_blob["InputTokens"], request_blob["OutputTokens"]) == ([14.0], [9.0])
    names = {m["Name"]: m["Unit"] for m in request_blob["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert names == {"InputTokens": "Count", "OutputTokens": "Count", "BedrockLatency": "Milliseconds"}


def test_errors_are_counted_by_code(module_client, capsys):
    module_client.add_client_error("converse", service_error_code="ThrottlingException", http_status_code=429)
    handler.lambda_handler(load_event("apigw_post_prompt"), LambdaContext())
    handler.lambda_handler(post(raw="{"), LambdaContext())
    errors = [b for b in emf_lines(capsys.readouterr().out) if "Errors" in b]
    assert [(b["ErrorCode"], b["Errors"]) for b in errors] == [("throttled", [1.0]), ("invalid_json", [1.0])]
    [dimensions] = errors[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
    assert sorted(dimensions) == ["ErrorCode", "service"]  # what the stack's throttling alarm selects on
