"""A POST body → JSON, checked the same way for every wire format (``/invoke`` and OpenAI's).

Pure: no I/O, no web framework. Sizes are checked before anything is decoded, the encoding
before the JSON, and the JSON parser refuses what JSON cannot mean (NaN, 10**4000-digit
numbers, a key given twice). Every refusal is a ``Refused`` carrying the ``ApiError`` to send.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from errors import ApiError

MAX_INTEGER_DIGITS = 20  # far beyond any range here; stops 10**4000-digit numbers early

# Tab, line feed and carriage return are ordinary text. Other C0 controls (NUL included), DEL
# and lone surrogates (which "\ud800" escapes can smuggle into JSON) are not text at all.
NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class Refused(Exception):
    """A short-cut out of nested checks; the parsers turn it into their ``ApiError`` result."""

    def __init__(self, code: str, detail: str | None = None, param: str | None = None) -> None:
        super().__init__(code)
        self.error = ApiError(code, detail, param=param)


def load(body: bytes, content_type: str | None, max_bytes: int) -> Any:
    """The body as JSON, or ``Refused``: a wrong Content-Type, too large, not UTF-8, not JSON."""
    _check_content_type(content_type)
    return _load_json(_decode(body, max_bytes))


def _check_content_type(value: str | None) -> None:
    if value is None:
        raise Refused("unsupported_media_type", "Content-Type is missing; send application/json")
    media_type, *params = value.split(";")
    if media_type.strip().lower() != "application/json":
        raise Refused("unsupported_media_type", f"Content-Type {media_type.strip()[:64]!r} is not application/json")
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise Refused("unsupported_media_type", "only charset=utf-8 is accepted")


def _decode(body: bytes, max_bytes: int) -> str:
    if not body:
        raise Refused("missing_body")
    if len(body) > max_bytes:
        raise Refused("body_too_large", f"the body exceeds {max_bytes} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refused("invalid_encoding", f"the body is not valid UTF-8 (byte {error.start})") from None
    if not text.strip():
        raise Refused("missing_body")
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
    except Refused:
        raise
    except RecursionError:
        raise Refused("invalid_json", "the JSON is nested too deeply") from None
    except json.JSONDecodeError as error:
        # The only ValueError left: the hooks turn every number they cannot take into a Refused.
        raise Refused("invalid_json", f"the body is not valid JSON at character {error.pos}") from None


def _refuse_constant(name: str) -> Any:
    raise Refused("invalid_json", f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise Refused("invalid_json", f"the number {text[:32]} is out of range")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise Refused("invalid_json", f"the number {text[:32]}... is out of range")
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:  # the first key met a second time
            if key in seen:
                raise Refused("invalid_json", f"the field {quoted(key)} appears more than once", param=key[:40])
            seen.add(key)
    return result


def json_type(value: Any) -> str:
    """How a JSON value is named in an error message."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def quoted(key: str) -> str:
    """A caller-supplied name, quoted and cut short, safe to echo in a message."""
    return ascii(key[:40])
