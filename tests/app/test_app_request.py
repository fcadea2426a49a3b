"""The request contract of ``/invoke``: what a caller may send, and the 4xx every other input gets.

Every bad input is answered with a 4xx naming the field or cause, as JSON in our error shape
(also when the body asks for ``"stream": true``), and never reaches Bedrock: the stand-in
records every ConverseStream call, and it must have none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from config import Settings
from tests.support.app import JSON, Script, reply, sse_events

# A model id outside models.py's table: the request passes through to Bedrock unchecked.
PASS_THROUGH = "local.stand-in-not-bedrock"
PROMPT = {"prompt": "What is Amazon Bedrock? Answer in one sentence."}
DEFAULTS = Settings()
CAP = DEFAULTS.max_tokens_cap
API_CONTEXT = {
    "x-amzn-request-context": json.dumps({"requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "stage": "v1"})
}


def send(client, *, method="POST", path="/invoke", body: Any = None, raw: bytes | None = None, headers=JSON):
    """One HTTP request: ``body`` as JSON, or ``raw`` bytes as they are, with exactly ``headers``."""
    content = raw if raw is not None else None if body is None else json.dumps(body).encode()
    return client.request(method, path, content=content, headers=headers)


@dataclass(frozen=True)
class Bad:
    """A request the contract refuses, and what the answer must say."""

    id: str
    status: int
    code: str
    mention: str  # text the message must contain: the field or the cause
    body: Any = None  # sent as JSON; an object is sent once as is and once with "stream": true
    raw: bytes | None = None  # sent as is (the mode is unknowable: the body never parses)
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))

    def params(self) -> list[Any]:
        if isinstance(self.body, dict):
            return [
                pytest.param(self, False, id=f"{self.id} [json]"),
                pytest.param(self, True, id=f"{self.id} [stream]"),
            ]
        return [pytest.param(self, False, id=self.id)]


def with_prompt(**fields: Any) -> dict[str, Any]:
    return {"prompt": "hi", **fields}


BAD_INPUTS = [
    # --- the envelope: content type, body, encoding, size ---
    Bad(
        "content type text/plain",
        415,
        "unsupported_media_type",
        "text/plain",
        body=PROMPT,
        headers={"Content-Type": "text/plain"},
    ),
    Bad(
        "content type form",
        415,
        "unsupported_media_type",
        "x-www-form-urlencoded",
        body=PROMPT,
        headers={"content-type": "application/x-www-form-urlencoded"},
    ),
    Bad(
        "content type absent",
        415,
        "unsupported_media_type",
        "Content-Type",
        body=PROMPT,
        headers={"Accept": "application/json"},
    ),
    Bad(
        "content type json with latin-1 charset",
        415,
        "unsupported_media_type",
        "utf-8",
        body=PROMPT,
        headers={"Content-Type": "application/json; charset=latin-1"},
    ),
    Bad("body absent", 400, "missing_body", "body"),
    Bad("body empty", 400, "missing_body", "body", raw=b""),
    Bad("body whitespace only", 400, "missing_body", "body", raw=b"  \n\t "),
    Bad("body bytes not UTF-8", 400, "invalid_encoding", "UTF-8", raw='{"prompt": "café"}'.encode("latin-1")),
    Bad("body with an encoded lone surrogate", 400, "invalid_encoding", "UTF-8", raw=b'{"prompt": "a\xed\xa0\x80b"}'),
    Bad("body over the byte limit", 413, "body_too_large", "65536 bytes", body={"prompt": "x" * 70_000}),
    Bad(
        "body over the byte limit in multi-byte text",
        413,
        "body_too_large",
        "65536 bytes",
        raw=json.dumps({"prompt": "é" * 33_000}, ensure_ascii=False).encode(),
    ),
    # --- JSON itself ---
    Bad("JSON malformed", 400, "invalid_json", "not valid JSON", raw=b'{"prompt": "hi"'),
    Bad("JSON with a trailing comma", 400, "invalid_json", "not valid JSON", raw=b'{"prompt": "hi",}'),
    Bad("JSON with a BOM", 400, "invalid_json", "not valid JSON", raw='\ufeff{"prompt": "hi"}'.encode()),
    Bad("JSON NaN", 400, "invalid_json", "NaN", raw=b'{"prompt": "hi", "temperature": NaN}'),
    Bad("JSON Infinity", 400, "invalid_json", "Infinity", raw=b'{"prompt": "hi", "top_p": Infinity}'),
    Bad("JSON -Infinity", 400, "invalid_json", "-Infinity", raw=b'{"prompt": "hi", "top_p": -Infinity}'),
    Bad(
        "JSON float overflowing to infinity",
        400,
        "invalid_json",
        "out of range",
        raw=b'{"prompt": "hi", "temperature": 1e400}',
    ),
    Bad(
        "JSON integer with 5000 digits",
        400,
        "invalid_json",
        "out of range",
        raw=b'{"prompt": "hi", "max_tokens": ' + b"9" * 5000 + b"}",
    ),
    Bad(
        "JSON nested 30000 deep",
        400,
        "invalid_json",
        "nested too deeply",
        raw=b'{"prompt": "hi", "x": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
    ),
    Bad(
        "JSON duplicate field",
        400,
        "invalid_json",
        "'prompt' appears more than once",
        raw=b'{"prompt": "hi", "prompt": "ho"}',
    ),
    Bad(
        "JSON duplicate stream",
        400,
        "invalid_json",
        "'stream' appears more than once",
        raw=b'{"prompt": "hi", "stream": true, "stream": false}',
    ),
    Bad("JSON array, not object", 400, "invalid_body", "an array", body=["hi"]),
    Bad("JSON string, not object", 400, "invalid_body", "a string", body="hi"),
    Bad("JSON number, not object", 400, "invalid_body", "a number", raw=b"42"),
    Bad("JSON null, not object", 400, "invalid_body", "null", raw=b"null"),
    # --- prompt ---
    Bad("prompt missing", 400, "missing_field", "'prompt'", body={}),
    Bad("prompt null", 400, "missing_field", "'prompt'", body={"prompt": None}),
    Bad("prompt empty", 400, "invalid_field", "'prompt' must not be empty", body={"prompt": ""}),
    Bad("prompt whitespace only", 400, "invalid_field", "'prompt' must not be empty", body={"prompt": " \n\t "}),
    Bad("prompt a number", 400, "invalid_field", "'prompt' must be a string, not a number", body={"prompt": 42}),
    Bad("prompt a boolean", 400, "invalid_field", "'prompt' must be a string, not a boolean", body={"prompt": True}),
    Bad("prompt a list", 400, "invalid_field", "'prompt' must be a string, not an array", body={"prompt": ["hi"]}),
    Bad(
        "prompt an object",
        400,
        "invalid_field",
        "'prompt' must be a string, not an object",
        body={"prompt": {"text": "hi"}},
    ),
    Bad(
        "prompt nested 50 deep",
        400,
        "invalid_field",
        "'prompt' must be a string",
        raw=b'{"prompt": ' + b"[" * 50 + b"]" * 50 + b"}",
    ),
    Bad("prompt with NUL", 400, "invalid_field", "U+0000", body={"prompt": "a\x00b"}),
    Bad("prompt with ESC", 400, "invalid_field", "U+001B", body={"prompt": "red \x1b[31m"}),
    Bad("prompt with form feed", 400, "invalid_field", "U+000C", body={"prompt": "page\x0cbreak"}),
    Bad("prompt with DEL", 400, "invalid_field", "U+007F", body={"prompt": "a\x7f"}),
    Bad("prompt with escaped lone surrogate", 400, "invalid_field", "U+D800", raw=b'{"prompt": "a\\ud800b"}'),
    Bad(
        "prompt over the character limit",
        413,
        "text_too_long",
        "'prompt' is 20001 characters; the limit is 20000",
        body={"prompt": "x" * 20_001},
    ),
    # --- unknown fields ---
    Bad("unknown field", 400, "unknown_field", "'modelId'", body=with_prompt(modelId="other")),
    Bad("a model not served here", 404, "model_not_found", "'other'", body=with_prompt(model="other")),
    Bad("model not a string", 400, "invalid_field", "'model'", body=with_prompt(model=["x"])),
    Bad("unknown field, camelCase of a known one", 400, "unknown_field", "'maxTokens'", body=with_prompt(maxTokens=10)),
    # --- integers, numbers, lists ---
    Bad("max_tokens a boolean", 400, "invalid_field", "'max_tokens'", body=with_prompt(max_tokens=True)),
    Bad("max_tokens a whole float", 400, "invalid_field", "'max_tokens'", body=with_prompt(max_tokens=5.0)),
    Bad("max_tokens a fraction", 400, "invalid_field", "'max_tokens'", body=with_prompt(max_tokens=5.5)),
    Bad("max_tokens a string", 400, "invalid_field", "'max_tokens'", body=with_prompt(max_tokens="5")),
    Bad("max_tokens zero", 400, "invalid_field", f"from 1 to {CAP}", body=with_prompt(max_tokens=0)),
    Bad("max_tokens negative", 400, "invalid_field", f"from 1 to {CAP}", body=with_prompt(max_tokens=-1)),
    Bad("max_tokens over the cap", 400, "invalid_field", f"from 1 to {CAP}", body=with_prompt(max_tokens=CAP + 1)),
    Bad("temperature above 1", 400, "invalid_field", "'temperature'", body=with_prompt(temperature=1.1)),
    Bad("temperature below 0", 400, "invalid_field", "'temperature'", body=with_prompt(temperature=-0.1)),
    Bad("temperature a boolean", 400, "invalid_field", "'temperature'", body=with_prompt(temperature=True)),
    Bad("temperature a string", 400, "invalid_field", "'temperature'", body=with_prompt(temperature="0.5")),
    Bad("top_p above 1", 400, "invalid_field", "'top_p'", body=with_prompt(top_p=1.5)),
    Bad("top_p a boolean", 400, "invalid_field", "'top_p'", body=with_prompt(top_p=False)),
    Bad(
        "stop_sequences five of them", 400, "invalid_field", "at most 4", body=with_prompt(stop_sequences=list("abcde"))
    ),
    Bad("stop_sequences a string", 400, "invalid_field", "'stop_sequences'", body=with_prompt(stop_sequences="END")),
    Bad(
        "stop_sequences with a number",
        400,
        "invalid_field",
        "'stop_sequences[1]'",
        body=with_prompt(stop_sequences=["END", 7]),
    ),
    Bad(
        "stop_sequences with a blank one",
        400,
        "invalid_field",
        "'stop_sequences[0]'",
        body=with_prompt(stop_sequences=[" "]),
    ),
    Bad(
        "stop_sequences with NUL",
        400,
        "invalid_field",
        "'stop_sequences[0]'",
        body=with_prompt(stop_sequences=["\x00"]),
    ),
    Bad("system empty", 400, "invalid_field", "'system'", body=with_prompt(system="")),
    Bad("system a number", 400, "invalid_field", "'system'", body=with_prompt(system=1)),
    Bad("system with a control character", 400, "invalid_field", "'system'", body=with_prompt(system="be\x07ep")),
    Bad("system over the character limit", 413, "text_too_long", "'system'", body=with_prompt(system="s" * 20_001)),
    # --- messages ---
    Bad(
        "messages and prompt both",
        400,
        "invalid_field",
        "not both",
        body=with_prompt(messages=[{"role": "user", "content": "hi"}]),
    ),
    Bad("messages empty", 400, "invalid_field", "'messages'", body={"messages": []}),
    Bad("messages an object", 400, "invalid_field", "'messages'", body={"messages": {"role": "user", "content": "hi"}}),
    Bad("messages item a string", 400, "invalid_field", "'messages[0]'", body={"messages": ["hi"]}),
    Bad("messages item without content", 400, "invalid_field", "'messages[0]'", body={"messages": [{"role": "user"}]}),
    Bad(
        "messages item with an extra key",
        400,
        "invalid_field",
        "'messages[0]'",
        body={"messages": [{"role": "user", "content": "hi", "name": "x"}]},
    ),
    Bad(
        "messages role system",
        400,
        "invalid_field",
        "'messages[0].role'",
        body={"messages": [{"role": "system", "content": "hi"}]},
    ),
    Bad(
        "messages starting with assistant",
        400,
        "invalid_field",
        "'messages[0].role' must be 'user'",
        body={"messages": [{"role": "assistant", "content": "hi"}, {"role": "user", "content": "yo"}]},
    ),
    Bad(
        "messages ending with assistant",
        400,
        "invalid_field",
        "end with a 'user'",
        body={"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]},
    ),
    Bad(
        "messages two user turns in a row",
        400,
        "invalid_field",
        "'messages[1].role' must be 'assistant'",
        body={"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]},
    ),
    Bad(
        "messages content a list of blocks",
        400,
        "invalid_field",
        "'messages[0].content' must be a string",
        body={"messages": [{"role": "user", "content": [{"text": "hi"}]}]},
    ),
    Bad(
        "messages content blank",
        400,
        "invalid_field",
        "'messages[0].content'",
        body={"messages": [{"role": "user", "content": "  "}]},
    ),
    Bad(
        "messages content with NUL",
        400,
        "invalid_field",
        "'messages[0].content'",
        body={"messages": [{"role": "user", "content": "\x00"}]},
    ),
    Bad(
        "messages content over the character limit",
        413,
        "text_too_long",
        "'messages[0].content'",
        body={"messages": [{"role": "user", "content": "m" * 20_001}]},
    ),
]


@pytest.mark.parametrize(("bad", "stream"), [param for bad in BAD_INPUTS for param in bad.params()])
def test_bad_input_gets_a_json_4xx_naming_the_cause_and_no_bedrock_call(client, stand_in, bad, stream):
    # GIVEN a request the contract refuses (in the stream mode too), WHEN the app answers it
    body = {**bad.body, "stream": True} if stream else bad.body
    answer = reply(send(client, body=body, raw=bad.raw, headers=bad.headers))
    # THEN the status and code say why, the message names the field or cause, Bedrock is untouched
    assert (answer.status, answer.code) == (bad.status, bad.code), answer.body
    assert bad.mention in answer.message
    assert answer.body["request_id"]
    assert answer.headers["content-type"] == "application/json"
    assert stand_in.calls == []


def test_a_body_over_the_limit_sent_chunked_without_content_length_is_a_413(client, stand_in):
    def chunks():  # 100 KB in 1 KB pieces: httpx sends an iterator with Transfer-Encoding: chunked
        yield b'{"prompt": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = client.post("/invoke", content=chunks(), headers=JSON)
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in response.request.headers
    answer = reply(response)
    assert (answer.status, answer.code) == (413, "body_too_large")
    assert stand_in.calls == []


def test_a_chunked_body_under_the_limit_is_read_whole(client, stand_in):
    def chunks():
        yield b'{"prompt": '
        yield b'"in two pieces"}'

    assert client.post("/invoke", content=chunks(), headers=JSON).status_code == 200
    assert stand_in.calls[0].body["messages"][0]["content"] == [{"text": "in two pieces"}]


# ------------------------------------------------------------------ methods and paths


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_a_method_other_than_post_on_invoke_is_a_405_naming_it_with_allow(client, stand_in, method):
    answer = reply(send(client, method=method, body=PROMPT))
    assert (answer.status, answer.code) == (405, "method_not_allowed")
    assert repr(method) in answer.message
    assert answer.headers["allow"] == "POST"
    assert answer.body["request_id"]
    assert stand_in.calls == []


def test_options_without_cors_is_a_405_too(client, stand_in):
    answer = reply(
        client.options(
            "/invoke", headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}
        )
    )
    assert (answer.status, answer.code) == (405, "method_not_allowed")
    assert "'OPTIONS'" in answer.message
    assert answer.headers["allow"] == "POST"
    assert stand_in.calls == []


def test_head_on_invoke_is_a_405_without_a_body(client):
    response = client.head("/invoke")
    assert (response.status_code, response.content) == (405, b"")
    assert response.headers["allow"] == "POST"


def test_the_readiness_path_names_its_own_methods_in_a_405(client, stand_in):
    # POST / is a mistake for POST /invoke: the 405 must not claim that POST is allowed here
    answer = reply(send(client, path="/", body=PROMPT))
    assert (answer.status, answer.code) == (405, "method_not_allowed")
    assert answer.headers["allow"] == "GET, HEAD"
    assert "use GET, HEAD" in answer.message
    assert stand_in.calls == []


@pytest.mark.parametrize("path", ["/v2/invoke", "/INVOKE", "/invoke/", "/invoke/x", "/favicon.ico", "/%00"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_unknown_path_is_a_404_in_our_error_shape(client, stand_in, path, method):
    answer = reply(send(client, method=method, path=path, body=PROMPT))
    assert (answer.status, answer.code) == (404, "not_found")
    assert "/invoke" in answer.message  # says where to POST instead
    assert answer.headers["content-type"] == "application/json"
    assert answer.body["request_id"]
    assert stand_in.calls == []


# ------------------------------------------------------------------ accepted requests


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_prompt_becomes_one_user_turn_with_the_default_max_tokens(client, stand_in, stream):
    stand_in.script(Script(text=["Bedrock is a managed service ", "for foundation models."], usage=(14, 9)))
    response = client.post("/invoke", json={**PROMPT, "stream": stream}, headers={**JSON, **API_CONTEXT})
    [call] = stand_in.calls
    assert call.model_id == "us.anthropic.claude-sonnet-5"
    assert call.body == {
        "messages": [{"role": "user", "content": [{"text": "What is Amazon Bedrock? Answer in one sentence."}]}],
        "inferenceConfig": {"maxTokens": DEFAULTS.max_tokens_default},
        "outputConfig": {"effort": "medium"},  # EFFORT=auto: medium, which the default model offers
    }
    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("access-control")]  # no CORS unless configured
    meta = {
        "model": "us.anthropic.claude-sonnet-5",
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 14, "output_tokens": 9},
        "request_id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
    }  # API Gateway's, as in its access log
    if stream:
        assert sse_events(response.text) == [
            ("delta", {"text": "Bedrock is a managed service "}),
            ("delta", {"text": "for foundation models."}),
            ("done", meta),
        ]
    else:
        assert response.json() == {"completion": "Bedrock is a managed service for foundation models.", **meta}


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_conversation_with_every_optional_parameter_maps_to_converse_stream(client_with, stand_in, stream):
    # the default model refuses temperature and top_p; EFFORT=auto resolves to none for this one
    client = client_with(Settings(model_ids=(PASS_THROUGH,), effort=""))
    body = {
        "system": "You are a terse assistant.",
        "messages": [
            {"role": "user", "content": "Name a prime number."},
            {"role": "assistant", "content": "7"},
            {"role": "user", "content": "And one more?\nJust the number, please."},
        ],
        "max_tokens": 256,
        "temperature": 0.2,
        "top_p": 0.9,
        "stop_sequences": ["\n\nHuman:"],
        "stream": stream,
    }
    assert client.post("/invoke", json=body, headers=JSON).status_code == 200
    assert stand_in.calls[0].body == {
        "system": [{"text": "You are a terse assistant."}],
        "messages": [
            {"role": "user", "content": [{"text": "Name a prime number."}]},
            {"role": "assistant", "content": [{"text": "7"}]},
            {"role": "user", "content": [{"text": "And one more?\nJust the number, please."}]},
        ],
        "inferenceConfig": {"maxTokens": 256, "temperature": 0.2, "topP": 0.9, "stopSequences": ["\n\nHuman:"]},
    }


def test_a_utf8_body_with_non_ascii_text_is_decoded(client, stand_in):
    raw = json.dumps({"prompt": "Grüß dich! Was ist Bedrock?"}, ensure_ascii=False).encode("utf-8")
    assert send(client, raw=raw).status_code == 200
    assert stand_in.calls[0].body["messages"][0]["content"] == [{"text": "Grüß dich! Was ist Bedrock?"}]


@pytest.mark.parametrize(
    "prompt",
    [
        "line one\nline two",
        "col\tcol",
        "windows\r\nline",
        "emoji 😀 and 中文",
        "x" * 20_000,
        "\u00a0non-breaking",
    ],
    ids=["newline", "tab", "crlf", "non-ascii", "exactly the limit", "nbsp"],
)
def test_ordinary_text_is_accepted(client, stand_in, prompt):
    assert client.post("/invoke", json={"prompt": prompt}, headers=JSON).status_code == 200
    assert stand_in.calls[0].body["messages"][0]["content"][0]["text"] == prompt


def test_an_escaped_surrogate_pair_is_one_character_not_a_lone_surrogate(client, stand_in):
    assert send(client, raw=b'{"prompt": "smile \\ud83d\\ude00"}').status_code == 200
    assert stand_in.calls[0].body["messages"][0]["content"][0]["text"] == "smile 😀"


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "application/json"},
        {"CONTENT-TYPE": "Application/JSON"},
        {"Content-Type": "application/json; charset=UTF-8"},
        {"Content-Type": 'application/json;charset="utf-8"'},
        {"Content-Type": "application/json; charset=utf8"},
    ],
    ids=["lowercase name", "uppercase name and value", "charset", "quoted charset", "utf8 alias"],
)
def test_header_names_and_the_media_type_are_case_insensitive(client, stand_in, headers):
    assert send(client, body={"prompt": "hi"}, headers=headers).status_code == 200
    assert len(stand_in.calls) == 1


def test_null_optional_fields_mean_not_given(client, stand_in):
    body = {
        "prompt": "hi",
        "system": None,
        "max_tokens": None,
        "temperature": None,
        "top_p": None,
        "stop_sequences": None,
        "stream": None,
    }
    assert client.post("/invoke", json=body, headers=JSON).status_code == 200
    assert stand_in.calls[0].body == {
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
        "inferenceConfig": {"maxTokens": DEFAULTS.max_tokens_default},
        "outputConfig": {"effort": "medium"},
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max_tokens", 1),
        ("max_tokens", CAP),
        ("temperature", 0),
        ("temperature", 1),
        ("top_p", 0.0),
        ("top_p", 1),
        ("stop_sequences", []),
        ("stop_sequences", ["a", "b", "c", "d"]),
    ],
)
def test_parameter_bounds_are_inclusive(client_with, stand_in, name, value):
    client = client_with(Settings(model_ids=(PASS_THROUGH,)))  # a model outside the table: no parameter refused
    assert client.post("/invoke", json={"prompt": "hi", name: value}, headers=JSON).status_code == 200
    assert len(stand_in.calls) == 1


def test_limits_come_from_settings(client_with, stand_in):
    tight = client_with(Settings(prompt_max_chars=10, max_tokens_cap=8, max_tokens_default=8, body_max_bytes=300))
    assert reply(tight.post("/invoke", json={"prompt": "x" * 11}, headers=JSON)).code == "text_too_long"
    assert "from 1 to 8" in reply(tight.post("/invoke", json={"prompt": "hi", "max_tokens": 9}, headers=JSON)).message
    too_large = reply(tight.post("/invoke", json={"prompt": "hi", "system": "s" * 300}, headers=JSON))
    assert (too_large.code, too_large.message) == ("body_too_large", "the body exceeds 300 bytes")
    assert stand_in.calls == []
    assert tight.post("/invoke", json={"prompt": "x" * 10}, headers=JSON).status_code == 200
    assert stand_in.calls[0].body["inferenceConfig"] == {"maxTokens": 8}


@pytest.mark.parametrize("extra, status", [(0, 200), (1, 413)], ids=["exactly the limit", "one byte over"])
def test_the_body_limit_is_exact_to_the_byte_in_multi_byte_text(client_with, stand_in, extra, status):
    limit = 300
    client = client_with(Settings(body_max_bytes=limit, prompt_max_chars=1000))
    head = b'{"prompt": "'
    tail = b'"}'
    fill = limit - len(head) - len(tail)  # "é" is 2 bytes; pad with one ASCII byte when odd
    text = "é" * (fill // 2) + "x" * (fill % 2) + "y" * extra
    raw = head + text.encode() + tail
    assert len(raw) == limit + extra
    response = client.post("/invoke", content=raw, headers=JSON)
    assert response.status_code == status
    assert len(stand_in.calls) == (1 if status == 200 else 0)


# ------------------------------------------------------------------ the adapter's headers, forged


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("x-amzn-request-context", "[" * 5000),
        ("x-amzn-request-context", '{"requestId": ' + "[" * 5000 + "]" * 5000 + "}"),
        ("x-amzn-lambda-context", "{" * 5000),
        ("x-amzn-lambda-context", json.dumps({"request_id": "r", "deadline": 10**400})),
        ("x-amzn-lambda-context", json.dumps({"request_id": "r", "deadline": -(10**400)})),
        ("x-amzn-request-context", json.dumps({"requestId": 7})),
        ("x-amzn-request-context", json.dumps(["requestId"])),
    ],
    ids=[
        "deep array",
        "deep request id",
        "deep object",
        "huge deadline",
        "huge negative deadline",
        "number id",
        "array",
    ],
)
@pytest.mark.parametrize("path", ["/invoke", "/nowhere"])
def test_unreadable_adapter_headers_never_break_an_answer(client, name, value, path):
    # Outside Lambda (make serve, a container) any caller can send these headers.
    answer = reply(client.post(path, json={"prompt": "hi"}, headers={**JSON, name: value}))
    assert answer.status == (200 if path == "/invoke" else 404)
    assert len(answer.body["request_id"]) == 36  # a generated id instead of an unreadable one


def test_a_long_request_id_is_cut_to_128_characters(client):
    context = json.dumps({"requestId": "r" * 1000})
    assert (
        reply(client.post("/invoke", json={}, headers={**JSON, "x-amzn-request-context": context})).body["request_id"]
        == "r" * 128
    )


# ------------------------------------------------------------------ CORS


ORIGIN = "https://app.example.com"
CORS = Settings(cors_allow_origin=ORIGIN)


def assert_cors(headers, origin=ORIGIN):
    assert headers["access-control-allow-origin"] == origin
    assert headers["vary"] == "Origin"  # caches must not serve one origin's answer to another


def test_cors_headers_on_answers_in_both_modes_and_on_every_kind_of_error(client_with, stand_in):
    client = client_with(CORS)
    assert_cors(client.post("/invoke", json={"prompt": "hi"}, headers=JSON).headers)
    streamed = client.post("/invoke", json={"prompt": "hi", "stream": True}, headers=JSON)
    assert streamed.headers["content-type"].startswith("text/event-stream")
    assert_cors(streamed.headers)
    assert_cors(client.post("/invoke", json={"prompt": ""}, headers=JSON).headers)  # 400
    assert_cors(client.get("/invoke").headers)  # 405
    assert_cors(client.get("/nowhere").headers)  # 404
    stand_in.script(Script(fail_before=(403, "AccessDeniedException", "no")))
    assert_cors(client.post("/invoke", json={"prompt": "hi", "stream": True}, headers=JSON).headers)  # 500


def test_a_405_with_cors_on_allows_options_too(client_with):
    answer = reply(client_with(CORS).put("/invoke", json=PROMPT, headers=JSON))
    assert answer.status == 405
    assert answer.headers["allow"] == "POST, OPTIONS"


def test_a_wildcard_origin_needs_no_vary(client_with):
    answer = reply(client_with(Settings(cors_allow_origin="*")).post("/invoke", json={"prompt": ""}, headers=JSON))
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "vary" not in answer.headers


def test_the_preflight_is_answered_without_bedrock_when_cors_is_on(client_with, stand_in):
    response = client_with(CORS).options(
        "/invoke",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert (response.status_code, response.content) == (204, b"")
    assert_cors(response.headers)
    assert response.headers["access-control-allow-methods"] == "POST, OPTIONS"
    # The browser may then send the API key (or SigV4 headers) with the POST.
    allowed = {name.strip() for name in response.headers["access-control-allow-headers"].split(",")}
    assert {"Content-Type", "X-Api-Key", "Authorization"} <= allowed
    assert int(response.headers["access-control-max-age"]) > 0
    assert stand_in.calls == []


def test_no_cors_headers_anywhere_when_cors_is_off(client):
    responses = [
        client.post("/invoke", json={"prompt": "hi"}, headers=JSON),
        client.post("/invoke", json={"prompt": "hi", "stream": True}, headers=JSON),
        client.post("/invoke", json={"prompt": ""}, headers=JSON),
        client.options("/invoke", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}),
        client.get("/nowhere"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 400, 405, 404]
    for response in responses:
        assert not [name for name in response.headers if name.startswith("access-control")], response.headers
