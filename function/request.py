"""Turn a POST body into a checked ``InferenceRequest`` or an ``ApiError``.

Pure: no I/O, no logging, no Bedrock, no web framework. Every input a caller controls is
refused here with a 4xx naming the cause, so nothing malformed ever costs a model call, and
nothing raises. Checks run cheapest first, and sizes are checked before anything is decoded
or parsed.
"""

from __future__ import annotations

from typing import Any

import json_body
from config import Settings
from errors import ApiError
from inference import InferenceRequest, Message, Role
from json_body import NOT_TEXT as _NOT_TEXT
from json_body import Refused as _Refused
from json_body import json_type as _json_type
from json_body import quoted as _name
from models import EFFORT_LEVELS  # which of them a model accepts is its row's business

__all__ = ["FIELDS", "InferenceRequest", "Message", "parse_request"]

FIELDS = (
    "prompt",
    "messages",
    "system",
    "max_tokens",
    "temperature",
    "top_p",
    "stop_sequences",
    "stream",
    "include_reasoning",
    "effort",
    "model",
)

MAX_STOP_SEQUENCES = 4


def parse_request(body: bytes, content_type: str | None, settings: Settings) -> InferenceRequest | ApiError:
    """The POST body (as received, already size-checked by the caller) → a request or its 4xx."""
    try:
        return _to_request(json_body.load(body, content_type, settings.body_max_bytes), settings)
    except _Refused as refused:
        return refused.error


def _to_request(data: Any, settings: Settings) -> InferenceRequest:
    if not isinstance(data, dict):
        raise _Refused("invalid_body", f"the body must be a JSON object, not {_json_type(data)}")
    unknown = [key for key in data if key not in FIELDS]
    if unknown:
        raise _Refused("unknown_field", f"unknown field {_name(unknown[0])}; known fields: {', '.join(FIELDS)}")
    given = {key: value for key, value in data.items() if value is not None}  # null means "not given"
    limit = settings.prompt_max_chars

    if "messages" in given:
        if "prompt" in given:
            raise _Refused("invalid_field", "give either 'prompt' or 'messages', not both")
        messages = _messages(given["messages"], limit)
    elif "prompt" in given:
        messages = (Message(role="user", content=_text(given["prompt"], "prompt", limit)),)
    else:
        raise _Refused("missing_field", "'prompt' is required (or 'messages' for a conversation)")

    cap = settings.max_tokens_cap
    max_tokens = given.get("max_tokens", settings.max_tokens_default)
    if type(max_tokens) is not int or not 1 <= max_tokens <= cap:  # bool and 5.0 are not integers here
        raise _Refused("invalid_field", f"'max_tokens' must be an integer from 1 to {cap}")
    return InferenceRequest(
        messages=messages,
        max_tokens=max_tokens,
        system=_text(given["system"], "system", limit) if "system" in given else None,
        temperature=_unit_interval(given, "temperature"),
        top_p=_unit_interval(given, "top_p"),
        stop_sequences=_stop_sequences(given["stop_sequences"]) if "stop_sequences" in given else None,
        stream=_boolean(given, "stream"),
        include_reasoning=_boolean(given, "include_reasoning"),
        effort=_effort(given["effort"]) if "effort" in given else None,
        model=_model(given["model"], settings.model_ids) if "model" in given else None,
    )


def _text(value: Any, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise _Refused("invalid_field", f"{field!r} must be a string, not {_json_type(value)}")
    if not value.strip():
        raise _Refused("invalid_field", f"{field!r} must not be empty or only whitespace")
    if len(value) > limit:
        raise _Refused("text_too_long", f"{field!r} is {len(value)} characters; the limit is {limit}")
    bad = _NOT_TEXT.search(value)
    if bad:
        raise _Refused(
            "invalid_field",
            f"{field!r} contains the control character or lone surrogate U+{ord(bad.group()):04X}"
            f" at position {bad.start()}; only tab, line feed and carriage return are allowed",
        )
    return value


def _messages(value: Any, limit: int) -> tuple[Message, ...]:
    if not isinstance(value, list) or not value:
        raise _Refused("invalid_field", '\'messages\' must be a non-empty list of {"role", "content"} objects')
    result = []
    for index, item in enumerate(value):
        where = f"messages[{index}]"
        if not isinstance(item, dict) or set(item) != {"role", "content"}:
            raise _Refused("invalid_field", f"{where!r} must be an object with exactly 'role' and 'content'")
        expected: Role = "user" if index % 2 == 0 else "assistant"
        if item["role"] not in ("user", "assistant"):
            raise _Refused("invalid_field", f"'{where}.role' must be 'user' or 'assistant'")
        if item["role"] != expected:
            raise _Refused(
                "invalid_field", f"'{where}.role' must be {expected!r}: turns alternate, starting with 'user'"
            )
        result.append(Message(role=expected, content=_text(item["content"], f"{where}.content", limit)))
    if result[-1]["role"] != "user":
        raise _Refused("invalid_field", "'messages' must end with a 'user' turn")
    return tuple(result)


def _unit_interval(given: dict[str, Any], field: str) -> float | None:
    value = given.get(field)
    if value is None:
        return None
    if type(value) not in (int, float) or not 0 <= value <= 1:
        raise _Refused("invalid_field", f"{field!r} must be a number from 0 to 1")
    return float(value)


def _boolean(given: dict[str, Any], field: str) -> bool:
    value = given.get(field, False)
    if type(value) is not bool:  # 1, "true" and "yes" are not booleans here
        raise _Refused("invalid_field", f"{field!r} must be true or false, not {_json_type(value)}")
    return value


def _effort(value: Any) -> str:
    if value not in EFFORT_LEVELS:
        raise _Refused("invalid_field", f"'effort' must be one of {', '.join(EFFORT_LEVELS)}")
    return str(value)


def _model(value: Any, served: tuple[str, ...]) -> str:
    """A model this deployment serves (404 otherwise: as OpenAI answers an unknown model)."""
    if not isinstance(value, str):
        raise _Refused("invalid_field", f"'model' must be a string, not {_json_type(value)}")
    if value not in served:
        raise _Refused(
            "model_not_found", f"the model {_name(value)} is not served here; use one of: {', '.join(served)}"
        )
    return value


def _stop_sequences(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_STOP_SEQUENCES:
        raise _Refused("invalid_field", f"'stop_sequences' must be a list of at most {MAX_STOP_SEQUENCES} strings")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip() or _NOT_TEXT.search(item):
            raise _Refused("invalid_field", f"'stop_sequences[{index}]' must be a non-blank string of text")
    return tuple(value)
