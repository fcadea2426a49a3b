"""Turn a POST body into a checked ``InferenceRequest`` or an ``ApiError``.

Pure: no I/O, no logging, no Bedrock, no web framework. Every input a caller controls is
refused here with a 4xx naming the cause, so nothing malformed ever costs a model call, and
nothing raises. Checks run cheapest first, and sizes are checked before anything is decoded
or parsed.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from config import Settings
from errors import ApiError
from models import EFFORT_LEVELS  # which of them a model accepts is its row's business


class Message(TypedDict):
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class InferenceRequest:
    """What the caller asked for, validated; ``None`` means "not given, use the model's default"."""

    messages: tuple[Message, ...]
    max_tokens: int
    system: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop_sequences: tuple[str, ...] | None = None
    stream: bool = False  # answer as server-sent events, written as the model writes
    include_reasoning: bool = False  # also return the model's reasoning (never inside the answer)
    effort: str | None = None  # how hard the model may think; None: the EFFORT setting
    model: str | None = None  # one of the deployment's MODEL_ID list; None: its first


FIELDS = ("prompt", "messages", "system", "max_tokens", "temperature", "top_p", "stop_sequences", "stream",
          "include_reasoning", "effort", "model")

MAX_STOP_SEQUENCES = 4
MAX_INTEGER_DIGITS = 20  # far beyond any range here; stops 10**4000-digit numbers early

# Tab, line feed and carriage return are ordinary text. Other C0 controls (NUL included), DEL
# and lone surrogates (which "\ud800" escapes can smuggle into JSON) are not text at all.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class _Refused(Exception):
    """Internal short-cut out of nested checks; always turned into an ``ApiError`` below."""

    def __init__(self, code: str, detail: str | None = None) -> None:
        super().__init__(code)
        self.error = ApiError(code, detail)


def parse_request(body: bytes, content_type: str | None, settings: Settings) -> InferenceRequest | ApiError:
    """The POST body (as received, already size-checked by the caller) → a request or its 4xx."""
    try:
        _check_content_type(content_type)
        return _to_request(_load_json(_decode(body, settings.body_max_bytes)), settings)
    except _Refused as refused:
        return refused.error


def _check_content_type(value: str | None) -> None:
    if value is None:
        raise _Refused("unsupported_media_type", "Content-Type is missing; send application/json")
    media_type, *params = value.split(";")
    if media_type.strip().lower() != "application/json":
        raise _Refused("unsupported_media_type", f"Content-Type {media_type.strip()[:64]!r} is not application/json")
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise _Refused("unsupported_media_type", "only charset=utf-8 is accepted")


def _decode(body: bytes, max_bytes: int) -> str:
    if not body:
        raise _Refused("missing_body")
    if len(body) > max_bytes:
        raise _Refused("body_too_large", f"the body exceeds {max_bytes} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Refused("invalid_encoding", f"the body is not valid UTF-8 (byte {error.start})") from None
    if not text.strip():
        raise _Refused("missing_body")
    return text


def _load_json(text: str) -> Any:
    try:
        return json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
            object_pairs_hook=_unique_keys,
        )
    except _Refused:
        raise
    except RecursionError:
        raise _Refused("invalid_json", "the JSON is nested too deeply") from None
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        position = f" at character {error.pos}" if isinstance(error, json.JSONDecodeError) else ""
        raise _Refused("invalid_json", f"the body is not valid JSON{position}") from None


def _refuse_constant(name: str) -> Any:
    raise _Refused("invalid_json", f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused("invalid_json", f"the number {text[:32]} is out of range")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _Refused("invalid_json", f"the number {text[:32]}... is out of range")
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise _Refused("invalid_json", f"the field {_name(duplicate)} appears more than once")
    return result


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
        raise _Refused("invalid_field", "'messages' must be a non-empty list of {\"role\", \"content\"} objects")
    result = []
    for index, item in enumerate(value):
        where = f"messages[{index}]"
        if not isinstance(item, dict) or set(item) != {"role", "content"}:
            raise _Refused("invalid_field", f"{where!r} must be an object with exactly 'role' and 'content'")
        expected = "user" if index % 2 == 0 else "assistant"
        if item["role"] not in ("user", "assistant"):
            raise _Refused("invalid_field", f"'{where}.role' must be 'user' or 'assistant'")
        if item["role"] != expected:
            raise _Refused("invalid_field", f"'{where}.role' must be {expected!r}: turns alternate, starting with 'user'")
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
    return value


def _model(value: Any, served: tuple[str, ...]) -> str:
    """A model this deployment serves (404 otherwise: as OpenAI answers an unknown model)."""
    if not isinstance(value, str):
        raise _Refused("invalid_field", f"'model' must be a string, not {_json_type(value)}")
    if value not in served:
        raise _Refused("model_not_found", f"the model {_name(value)} is not served here; use one of: {', '.join(served)}")
    return value


def _stop_sequences(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_STOP_SEQUENCES:
        raise _Refused("invalid_field", f"'stop_sequences' must be a list of at most {MAX_STOP_SEQUENCES} strings")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip() or _NOT_TEXT.search(item):
            raise _Refused("invalid_field", f"'stop_sequences[{index}]' must be a non-blank string of text")
    return tuple(value)


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _name(key: str) -> str:
    """A caller-supplied field name, quoted and cut short, safe to echo in a message."""
    return ascii(key[:40])
