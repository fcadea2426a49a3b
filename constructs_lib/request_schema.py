"""The JSON Schema (draft 4) API Gateway checks POST bodies against before invoking Lambda.

It mirrors the handler's contract (function/request.py) but is never stricter: whatever the
handler accepts passes here (``null`` means "not given" to the handler, so nulls pass), and
the handler still makes the finer checks (roles alternating, control characters, one of
``prompt``/``messages``). What it refuses — unknown fields, wrong types, an oversized prompt,
``max_tokens`` out of range — never costs a Lambda invocation. tests/test_request_schema.py
checks the agreement.
"""

from __future__ import annotations

MAX_STOP_SEQUENCES = 4


def request_schema(*, prompt_max_chars: int, max_tokens_cap: int) -> dict:
    text = {"type": ["string", "null"], "maxLength": prompt_max_chars}
    unit = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "InferenceRequest",
        "type": "object",
        "additionalProperties": False,
        "anyOf": [{"required": ["prompt"]}, {"required": ["messages"]}],
        "properties": {
            "prompt": text,
            "messages": {
                "type": ["array", "null"],
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["role", "content"],
                    "properties": {"role": {"enum": ["user", "assistant"]}, "content": {"type": "string", "maxLength": prompt_max_chars}},
                },
            },
            "system": text,
            "max_tokens": {"type": ["integer", "null"], "minimum": 1, "maximum": max_tokens_cap},
            "temperature": unit,
            "top_p": unit,
            "stop_sequences": {"type": ["array", "null"], "maxItems": MAX_STOP_SEQUENCES, "items": {"type": "string"}},
        },
    }
