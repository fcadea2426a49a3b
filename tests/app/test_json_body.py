"""json_body.load, the one body decoder of every route: each refusal's code, words and field.

The app-level tests show a refusal reaches the caller; these pin what it says. A caller reads
the message to mend the request and an OpenAI client reads ``param``, so a refusal that loses its
words (falling back to the generic text) or names the wrong field is a bug, and every cut-off
point is tested on both sides.
"""

from __future__ import annotations

import pytest

import json_body
from errors import ApiError
from json_body import Refused

JSON = "application/json"


def refusal(body: bytes, content_type: str | None = JSON, max_bytes: int = 1_000_000) -> ApiError:
    with pytest.raises(Refused) as caught:
        json_body.load(body, content_type, max_bytes)
    return caught.value.error


def test_a_missing_content_type_says_what_to_send():
    assert refusal(b"{}", None) == ApiError("unsupported_media_type", "Content-Type is missing; send application/json")


def test_another_media_type_is_echoed_cut_at_64_characters():
    short = "text/" + "p" * 59  # 64 characters: echoed whole
    assert refusal(b"{}", short).detail == f"Content-Type {short!r} is not application/json"
    long = short + "q"  # 65: the last one is cut
    assert refusal(b"{}", long).detail == f"Content-Type {short!r} is not application/json"


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", 'application/json; charset="UTF-8"', "application/json;charset=utf8"],
)
def test_utf_8_named_either_way_is_accepted(content_type):
    assert json_body.load(b'{"a": 1}', content_type, 100) == {"a": 1}


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=latin-1",
        "application/json; charset=utf-8X",  # only quotes are stripped from the value
        "application/json; charset=utf-8=x",  # the value is everything after the first '='
    ],
)
def test_any_other_charset_is_refused_in_words(content_type):
    assert refusal(b"{}", content_type) == ApiError("unsupported_media_type", "only charset=utf-8 is accepted")


def test_invalid_utf_8_names_the_first_bad_byte():
    assert refusal(b'{"prompt": "\xff"}') == ApiError("invalid_encoding", "the body is not valid UTF-8 (byte 12)")


def test_too_large_names_the_limit_and_the_limit_itself_is_allowed():
    assert json_body.load(b"[1]", JSON, 3) == [1]
    assert refusal(b"[1] ", max_bytes=3) == ApiError("body_too_large", "the body exceeds 3 bytes")


def test_json_too_deep_for_the_parser_is_a_refusal_not_a_crash():
    assert refusal(b"[" * 100_000 + b"]" * 100_000) == ApiError("invalid_json", "the JSON is nested too deeply")


def test_invalid_json_names_the_character_where_it_broke():
    assert refusal(b'{"prompt": }') == ApiError("invalid_json", "the body is not valid JSON at character 11")


def test_integers_up_to_20_digits_are_read_and_longer_ones_refused_with_their_first_32():
    assert json_body.load(b"-" + b"9" * 20, JSON, 100) == -int("9" * 20)
    digits = "1" * 40
    assert refusal(digits.encode()) == ApiError("invalid_json", f"the number {digits[:32]}... is out of range")
    assert refusal(b"1" * 21).detail == f"the number {'1' * 21}... is out of range"


def test_a_float_beyond_double_range_is_refused_with_its_first_32_characters():
    text = "1" + "0" * 35 + "e999"
    assert refusal(text.encode()) == ApiError("invalid_json", f"the number {text[:32]} is out of range")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_refused_by_name(constant):
    assert refusal(f'{{"temperature": {constant}}}'.encode()) == ApiError(
        "invalid_json", f"{constant} is not a JSON number"
    )


def test_a_repeated_key_is_named_and_is_the_param_both_cut_at_40_characters():
    key = "k" * 40
    assert refusal(f'{{"{key}": 1, "{key}": 2}}'.encode()) == ApiError(
        "invalid_json", f"the field {key!r} appears more than once", param=key
    )
    longer = key + "z"
    assert refusal(f'{{"{longer}": 1, "{longer}": 2}}'.encode()) == ApiError(
        "invalid_json", f"the field {key!r} appears more than once", param=key
    )


def test_quoted_escapes_what_it_echoes_and_keeps_40_characters():
    assert json_body.quoted("é" * 41) == "'" + "\\xe9" * 40 + "'"


@pytest.mark.parametrize(
    ("value", "name"),
    [({}, "an object"), ([], "an array"), ("", "a string"), (True, "a boolean"), (None, "null"), (1.5, "a number")],
)
def test_json_type_names_each_kind_as_a_message_says_it(value, name):
    assert json_body.json_type(value) == name
