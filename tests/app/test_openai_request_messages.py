"""OpenAI's ``messages`` → Converse's: each conversion, and each refusal's code, words and field.

tests/app/test_openai_request.py shows every shape reaches Converse and every refusal names a
field; these pin what a refusal says and where each rule cuts. A caller mends the request from
the message and an OpenAI client reads ``param``, so a refusal that loses its words or names
the wrong field is a bug, and every limit is tested on both sides: the last value kept and the
first one refused.
"""

from __future__ import annotations

import base64
import json

import pytest

from config import Settings
from errors import ApiError
from inference import InferenceRequest
from openai_request import MAX_IMAGE_BYTES, MAX_IMAGES, ChatRequest, parse_chat_request

LIMIT = 10  # prompt_max_chars: the most characters one text may hold
SETTINGS = Settings(prompt_max_chars=LIMIT, body_max_bytes=12_000_000)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
GIF87 = b"GIF87a" + b"\x00" * 16
GIF89 = b"GIF89a" + b"\x00" * 16
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8
HI = {"role": "user", "content": "Hi"}
TOOL = {"type": "function", "function": {"name": "lookup"}}
CALL = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "x"}'}}
USE = {"toolUse": {"toolUseId": "call_1", "name": "lookup", "input": {"q": "x"}}}
ALL_ROLES = "system, developer, user, assistant, tool"


def data_url(data: bytes, media_type: str = "image/png", params: str = ";base64") -> str:
    return f"data:{media_type}{params},{base64.b64encode(data).decode()}"


def image_part(url: str) -> dict:
    return {"type": "image_url", "image_url": {"url": url}}


def parse_body(body: dict) -> ChatRequest | ApiError:
    return parse_chat_request(json.dumps(body).encode(), "application/json", SETTINGS)


def accepted(messages: list, **fields) -> InferenceRequest:
    parsed = parse_body({"messages": messages, **fields})
    assert isinstance(parsed, ChatRequest), parsed
    return parsed.request


def converse_messages(messages: list, **fields) -> list:
    return list(accepted(messages, **fields).messages)


def refusal(messages: object, **fields) -> ApiError:
    parsed = parse_body({"messages": messages, **fields})
    assert isinstance(parsed, ApiError), parsed
    return parsed


def invalid(param: str, detail: str) -> ApiError:
    return ApiError("invalid_field", detail, param=param)


def user(*blocks: dict) -> dict:
    return {"role": "user", "content": blocks}


def assistant(*blocks: dict) -> dict:
    return {"role": "assistant", "content": blocks}


def text(value: str) -> dict:
    return {"text": value}


def assistant_calling(*calls: object) -> dict:
    return {"role": "assistant", "tool_calls": list(calls)}


# --- the body around the messages ---------------------------------------------------------------


def test_a_body_that_is_not_an_object_is_refused_naming_what_it_is():
    assert parse_chat_request(b"[]", "application/json", SETTINGS) == ApiError(
        "invalid_body", "the body must be a JSON object, not an array"
    )


@pytest.mark.parametrize("body", [{}, {"messages": None}], ids=["left out", "null"])
def test_messages_left_out_or_null_are_missing(body):
    assert parse_body(body) == ApiError(
        "missing_field", "'messages' is required: a non-empty list of messages", param="messages"
    )


@pytest.mark.parametrize("messages", [[], {}, "Hi", 5, True], ids=["empty", "object", "string", "number", "boolean"])
def test_messages_must_be_a_non_empty_list(messages):
    assert refusal(messages) == invalid("messages", "'messages' must be a non-empty list of messages")


# --- each message: an object with a known role and that role's fields ----------------------------


@pytest.mark.parametrize(
    "item",
    ["Hi", None, ["user"], {"content": "Hi"}, {"role": 1, "content": "Hi"}, {"role": None, "content": "Hi"}],
    ids=["a string", "null", "a list", "no role", "a number role", "a null role"],
)
def test_a_message_must_be_an_object_with_a_role_and_is_named_by_its_index(item):
    assert refusal([HI, item]) == invalid("messages[1]", "'messages[1]' must be an object with a 'role'")


def test_an_unknown_role_is_refused_listing_the_roles():
    assert refusal([{"role": "bot", "content": "x"}]) == invalid(
        "messages[0].role", f"'messages[0].role' must be one of {ALL_ROLES}"
    )


def test_the_function_role_is_refused_pointing_to_tool():
    assert refusal([{"role": "function", "name": "f", "content": "x"}]) == invalid(
        "messages[0].role", f"'messages[0].role' must be one of {ALL_ROLES} (deprecated by OpenAI: use 'tool')"
    )


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"role": "user", "content": "x", "audio": {"id": "a"}}, "audio"),
        ({"role": "user", "content": "x", "tool_calls": [CALL]}, "tool_calls"),
        ({"role": "system", "content": "x", "tool_call_id": "call_1"}, "tool_call_id"),
        ({"role": "developer", "content": "x", "refusal": "no"}, "refusal"),
        ({"role": "assistant", "content": "x", "audio": {"id": "a"}}, "audio"),
        ({"role": "tool", "content": "x", "tool_call_id": "call_1", "name": "lookup"}, "name"),
    ],
    ids=["user audio", "user tool_calls", "system tool_call_id", "developer refusal", "assistant audio", "tool name"],
)
def test_a_field_the_role_does_not_take_is_refused_by_name(message, field):
    role = message["role"]
    assert refusal([message]) == invalid(f"messages[0].{field}", f"a {role} message takes no field {field!r}")


def test_of_several_unknown_fields_the_first_in_order_is_named():
    assert refusal([{"role": "user", "content": "x", "zeta": 1, "alpha": 2}]) == invalid(
        "messages[0].alpha", "a user message takes no field 'alpha'"
    )


def test_an_unknown_field_is_echoed_and_named_cut_at_40_characters():
    kept = "k" * 40
    assert refusal([{"role": "user", "content": "x", kept: 1}]) == invalid(
        f"messages[0].{kept}", f"a user message takes no field {kept!r}"
    )
    assert refusal([{"role": "user", "content": "x", kept + "z": 1}]) == invalid(
        f"messages[0].{kept}", f"a user message takes no field {kept!r}"
    )


def test_a_null_field_is_not_given():
    assert converse_messages([{"role": "user", "content": "Hi", "audio": None, "name": None}]) == [user(text("Hi"))]


# --- content: text and the parts each role takes ---------------------------------------------------


def test_system_and_developer_texts_join_in_order_with_a_blank_line_wherever_they_stand():
    request = accepted(
        [
            {"role": "system", "content": "A"},
            HI,
            {"role": "developer", "content": [{"type": "text", "text": "B"}, {"type": "text", "text": "C"}]},
            {"role": "system", "content": " "},
        ]
    )
    assert (request.system, list(request.messages)) == ("A\n\nB\n\nC", [user(text("Hi"))])


@pytest.mark.parametrize("system", [[], [{"role": "system", "content": "\n"}], [{"role": "developer"}]])
def test_no_system_text_is_no_system_prompt(system):
    assert accepted([*system, HI]).system is None


@pytest.mark.parametrize(
    ("content", "blocks"),
    [
        (" a ", [text(" a ")]),
        (
            [{"type": "text", "text": "a"}, {"type": "text", "text": " \t"}, {"type": "text", "text": "b"}],
            [text("a"), text("b")],
        ),
    ],
    ids=["a string", "parts"],
)
def test_user_text_as_a_string_or_as_parts_becomes_text_blocks_kept_as_written_blank_ones_left_out(content, blocks):
    assert converse_messages([{"role": "user", "content": content}]) == [user(*blocks)]


def test_an_assistants_text_and_refusal_parts_become_text_and_its_other_fields_are_dropped():
    message = {
        "role": "assistant",
        "content": [{"type": "text", "text": "b"}, {"type": "refusal", "refusal": "no"}],
        "refusal": "no",
        "reasoning_content": "hmm",
        "name": "bot",
    }
    assert converse_messages([HI, message]) == [user(text("Hi")), assistant(text("b"), text("no"))]


def test_an_assistant_turn_with_nothing_in_it_is_left_out_and_its_neighbours_merge():
    quiet = [{"role": "assistant"}, {"role": "assistant", "content": "", "tool_calls": []}]
    assert converse_messages([HI, *quiet, {"role": "user", "content": "b"}]) == [user(text("Hi"), text("b"))]


@pytest.mark.parametrize(
    ("content", "kind"),
    [({}, "an object"), (5, "a number"), (True, "a boolean")],
)
@pytest.mark.parametrize("role", ["system", "user", "assistant"])
def test_content_must_be_a_string_or_a_list_of_parts(role, content, kind):
    assert refusal([HI, {"role": role, "content": content}]) == invalid(
        "messages[1].content", f"'messages[1].content' must be a string or a list of content parts, not {kind}"
    )


@pytest.mark.parametrize("content", [None, "", " \n", [], [{"type": "text", "text": " "}]])
def test_a_user_message_with_no_text_or_image_is_refused(content):
    assert refusal([HI, {"role": "user", "content": content}]) == invalid(
        "messages[1].content", "'messages[1].content' must not be empty or only white space"
    )


@pytest.mark.parametrize(
    "part",
    [
        "Hi",
        None,
        {"text": "Hi"},
        {"type": "video", "video": "x"},
        {"type": "text", "text": "Hi", "cache_control": {"type": "ephemeral"}},
        {"type": "text"},
        {"type": "refusal", "text": "no"},
    ],
    ids=["a string", "null", "no type", "an unknown type", "an extra field", "no text", "refusal without its field"],
)
@pytest.mark.parametrize("role", ["developer", "user", "assistant"])
def test_a_part_not_of_a_known_shape_is_refused_showing_the_shape(role, part):
    assert refusal([HI, {"role": role, "content": [{"type": "text", "text": "ok"}, part]}]) == invalid(
        "messages[1].content[1]",
        '\'messages[1].content[1]\' must be a content part such as {"type": "text", "text": "..."}',
    )


@pytest.mark.parametrize("kind", ["input_audio", "file"])
def test_audio_and_files_are_refused_in_a_user_message_which_takes_text_and_images(kind):
    assert refusal([{"role": "user", "content": [{"type": kind, kind: {}}]}]) == ApiError(
        "unsupported_field",
        f"'messages[0].content[0]' is a {kind} part, which this API cannot take here: text and images only",
        param="messages[0].content[0].type",
    )


@pytest.mark.parametrize("kind", ["input_audio", "file", "image_url"])
@pytest.mark.parametrize("role", ["system", "developer", "assistant"])
def test_only_text_is_taken_from_system_developer_and_assistant_messages(role, kind):
    part = image_part(data_url(PNG)) if kind == "image_url" else {"type": kind, kind: {}}
    assert refusal([HI, {"role": role, "content": [part]}]) == ApiError(
        "unsupported_field",
        f"'messages[1].content[0]' is a {kind} part, which this API cannot take here: text only",
        param="messages[1].content[0].type",
    )


# --- text: a string within the limit, free of control characters --------------------------------


@pytest.mark.parametrize(
    ("part", "where"),
    [({"type": "text", "text": 5}, "text"), ({"type": "refusal", "refusal": ["no"]}, "refusal")],
)
def test_a_parts_text_must_be_a_string(part, where):
    kind = "a number" if where == "text" else "an array"
    assert refusal([HI, {"role": "assistant", "content": [part]}]) == invalid(
        f"messages[1].content[0].{where}", f"'messages[1].content[0].{where}' must be a string, not {kind}"
    )


def system_text(value: str) -> dict:
    return {"role": "system", "content": value}


def user_text(value: str) -> dict:
    return {"role": "user", "content": value}


def user_part(value: str) -> dict:
    return {"role": "user", "content": [{"type": "text", "text": value}]}


def assistant_text(value: str) -> dict:
    return {"role": "assistant", "content": value}


def tool_text(value: str) -> dict:
    return {"role": "tool", "tool_call_id": "call_1", "content": value}


@pytest.mark.parametrize(
    ("message", "where"),
    [
        (system_text, "messages[2].content"),
        (user_text, "messages[2].content"),
        (user_part, "messages[2].content[0].text"),
        (assistant_text, "messages[2].content"),
        (tool_text, "messages[2].content"),
    ],
    ids=["system", "user", "a part", "assistant", "tool"],
)
def test_a_text_of_the_limit_is_kept_and_one_character_more_is_too_long(message, where):
    before = [HI, assistant_calling(CALL)]
    kept = accepted([*before, message("x" * LIMIT)], tools=[TOOL])
    assert "x" * LIMIT in texts(kept)
    assert refusal([*before, message("x" * (LIMIT + 1))], tools=[TOOL]) == ApiError(
        "text_too_long", f"'{where}' is {LIMIT + 1} characters; the limit is {LIMIT}", param=where
    )


def texts(request: InferenceRequest) -> list[str]:
    """Every text the request holds: the system prompt's, the turns' and the tool results'."""
    found = [request.system] if request.system else []
    for turn in request.messages:
        for block in turn["content"]:
            found += [block["text"]] if "text" in block else []
            found += [inner["text"] for inner in block.get("toolResult", {}).get("content", ())]
    return found


@pytest.mark.parametrize(
    ("value", "character", "position"),
    [("a\x00b", "0000", 1), ("ab\x1b", "001B", 2), ("\x7f", "007F", 0), ("a\ud800", "D800", 1)],
)
def test_a_control_character_or_lone_surrogate_is_named_with_its_position(value, character, position):
    assert refusal([{"role": "user", "content": value}]) == invalid(
        "messages[0].content",
        f"'messages[0].content' contains the control character or lone surrogate U+{character}"
        f" at position {position}; only tab, line feed and carriage return are allowed",
    )


def test_tab_line_feed_and_carriage_return_are_text():
    assert converse_messages([{"role": "user", "content": "a\tb\nc\r"}]) == [user(text("a\tb\nc\r"))]


# --- the conversation: alternating turns, beginning with the user --------------------------------


def test_consecutive_turns_of_one_role_merge_wherever_they_stand():
    messages = [
        {"role": "user", "content": "a"},
        {"role": "user", "content": "b"},
        {"role": "assistant", "content": "c"},
        {"role": "assistant", "content": "d"},
        {"role": "user", "content": "e"},
        {"role": "user", "content": "f"},
    ]
    assert converse_messages(messages) == [
        user(text("a"), text("b")),
        assistant(text("c"), text("d")),
        user(text("e"), text("f")),
    ]


@pytest.mark.parametrize(
    "messages",
    [[{"role": "system", "content": "x"}], [{"role": "system", "content": "x"}, {"role": "assistant", "content": ""}]],
    ids=["only system", "a blank answer"],
)
def test_a_conversation_with_no_turn_has_nothing_to_answer(messages):
    assert refusal(messages) == invalid("messages", "'messages' holds no user message: there is nothing to answer")


def test_a_conversation_that_begins_with_the_assistant_is_refused():
    messages = [{"role": "system", "content": "x"}, {"role": "assistant", "content": "y"}, HI]
    assert refusal(messages) == invalid(
        "messages",
        "the conversation must begin with a user message (after any system messages): Bedrock's Converse requires it",
    )


# --- images: data: URLs of the four formats, 20 at most, 3.75 MB each -----------------------------


@pytest.mark.parametrize(
    ("url", "image_format", "data"),
    [
        (data_url(PNG), "png", PNG),
        (data_url(JPEG, "image/jpeg"), "jpeg", JPEG),
        (data_url(JPEG, "image/jpg"), "jpeg", JPEG),
        (data_url(GIF87, "image/gif"), "gif", GIF87),
        (data_url(GIF89, "image/gif"), "gif", GIF89),
        (data_url(WEBP, "image/webp"), "webp", WEBP),
        (data_url(PNG, " Image/PNG "), "png", PNG),
        (data_url(PNG, params=";name=cat.png; BASE64 "), "png", PNG),
    ],
    ids=["png", "jpeg", "jpg", "gif87a", "gif89a", "webp", "type in any case", "base64 among other parameters"],
)
def test_a_data_url_image_becomes_an_image_block_of_its_bytes(url, image_format, data):
    part = {"type": "image_url", "image_url": {"url": url, "detail": "high"}}
    assert converse_messages([{"role": "user", "content": [part]}]) == [
        user({"image": {"format": image_format, "source": {"bytes": data}}})
    ]


def images(count: int) -> dict:
    return {"role": "user", "content": [image_part(data_url(PNG))] * count}


def test_twenty_images_across_the_messages_are_taken_and_a_twenty_first_is_refused():
    assert MAX_IMAGES == 20  # Converse's Message.content: "up to 20 images"
    kept = converse_messages([images(10), {"role": "assistant", "content": "ok"}, images(10)])
    assert sum("image" in block for message in kept for block in message["content"]) == MAX_IMAGES
    assert refusal([images(11), {"role": "assistant", "content": "ok"}, images(10)]) == invalid(
        "messages", "the messages hold 21 images; Bedrock takes at most 20"
    )


def test_text_beside_the_images_does_not_count_as_one():
    content = [*images(MAX_IMAGES)["content"], {"type": "text", "text": "both?"}]
    assert len(converse_messages([{"role": "user", "content": content}])[0]["content"]) == MAX_IMAGES + 1


WHERE = "messages[0].content[0].image_url.url"
SHAPE = '\'messages[0].content[0]\' must be {"type": "image_url", "image_url": {"url": ...}}'


@pytest.mark.parametrize(
    "part",
    [
        {"type": "image_url", "image_url": data_url(PNG)},
        {"type": "image_url"},
        {"type": "image_url", "image_url": {}},
        {"type": "image_url", "image_url": {"url": 5}},
        {"type": "image_url", "image_url": {"url": data_url(PNG), "format": "png"}},
        {"type": "image_url", "image_url": {"url": data_url(PNG)}, "detail": "low"},
    ],
    ids=["a bare url", "no image_url", "no url", "a number url", "an extra url field", "an extra part field"],
)
def test_an_image_part_not_of_its_shape_is_refused_showing_the_shape(part):
    assert refusal([{"role": "user", "content": [part]}]) == invalid("messages[0].content[0].image_url", SHAPE)


def image_refusal(url: str) -> ApiError:
    return refusal([{"role": "user", "content": [image_part(url)]}])


@pytest.mark.parametrize("url", ["https://example.com/cat.png", "http://example.com/cat.png", "HTTPS://EXAMPLE.COM/C"])
def test_a_web_address_is_refused_as_nothing_is_fetched(url):
    assert image_refusal(url) == ApiError(
        "unsupported_field",
        f"'{WHERE}' is a web address; this API fetches nothing: send the image itself as a data: URL "
        "(data:image/png;base64,...)",
        param=WHERE,
    )


@pytest.mark.parametrize("url", ["cat.png", "file:///cat.png", "data:image/png;base64", " data:image/png;base64,AA=="])
def test_anything_else_but_a_data_url_is_refused(url):
    assert image_refusal(url) == invalid(WHERE, f"'{WHERE}' must be a data: URL (data:image/png;base64,...)")


@pytest.mark.parametrize(
    ("media_type", "shown"),
    [
        ("image/svg+xml", "image/svg+xml"),
        ("IMAGE/BMP", "image/bmp"),
        ("", "untyped"),
        (" ", "untyped"),
        ("image/" + "x" * 34, "image/" + "x" * 34),
        ("image/" + "x" * 35, "image/" + "x" * 34),
    ],
    ids=["svg", "bmp", "untyped", "blank", "40 characters", "41 cut at 40"],
)
def test_a_type_other_than_the_four_formats_is_refused_naming_it(media_type, shown):
    assert image_refusal(data_url(PNG, media_type)) == invalid(
        WHERE, f"'{WHERE}' is {shown!r}; images are image/png, image/jpeg, image/gif or image/webp"
    )


@pytest.mark.parametrize("params", ["", ";charset=utf-8", ";base64x", ";base-64"])
def test_an_image_not_in_base64_is_refused(params):
    assert image_refusal(data_url(PNG, "Image/PNG", params)) == invalid(
        WHERE, f"'{WHERE}' must be base64-encoded (data:image/png;base64,...)"
    )


@pytest.mark.parametrize("data", ["@@@@", "iVBO\nRw0K", "iVBORw0", "iVBORw0KGgo=A"])
def test_base64_that_does_not_decode_strictly_is_refused(data):
    assert image_refusal(f"data:image/png;base64,{data}") == invalid(
        WHERE, f"'{WHERE}' holds no valid base64 after the comma"
    )


def test_an_image_of_bedrocks_limit_is_taken_and_one_byte_more_is_too_large():
    assert MAX_IMAGE_BYTES == 3_932_160  # 3.75 MiB: Converse takes images of "no more than 3.75 MB"
    largest = PNG + b"\x00" * (MAX_IMAGE_BYTES - len(PNG))
    assert converse_messages([{"role": "user", "content": [image_part(data_url(largest))]}]) == [
        user({"image": {"format": "png", "source": {"bytes": largest}}})
    ]
    assert image_refusal(data_url(largest + b"\x00")) == ApiError(
        "body_too_large",
        f"the image in '{WHERE}' is {MAX_IMAGE_BYTES + 1} bytes; Bedrock takes at most {MAX_IMAGE_BYTES}",
        param=WHERE,
    )


@pytest.mark.parametrize(
    ("media_type", "data", "named"),
    [
        ("image/png", JPEG, "PNG"),
        ("image/jpeg", PNG, "JPEG"),
        ("image/gif", b"GIF88a" + b"\x00" * 16, "GIF"),
        ("image/webp", b"RIFF\x10\x00\x00\x00WEBQ" + b"\x00" * 8, "WEBP"),
        ("image/webp", b"RIFX\x10\x00\x00\x00WEBP" + b"\x00" * 8, "WEBP"),
        ("image/png", b"", "PNG"),
    ],
    ids=["a JPEG called PNG", "a PNG called JPEG", "not GIF87a or GIF89a", "no WEBP", "no RIFF", "no bytes"],
)
def test_bytes_that_are_not_the_format_their_type_says_are_refused(media_type, data, named):
    assert image_refusal(data_url(data, media_type)) == invalid(
        WHERE, f"the data in '{WHERE}' is not a {named} image, as its type says"
    )


# --- tool calls: an assistant's tool_calls → toolUse blocks ---------------------------------------


def calls(*calls: object) -> list:
    """The Converse messages of a user's question and an assistant calling ``calls``."""
    return converse_messages([HI, assistant_calling(*calls)], tools=[TOOL])


def call_refusal(call: object) -> ApiError:
    return refusal([HI, assistant_calling(call)], tools=[TOOL])


def test_a_tool_call_becomes_a_tool_use_with_its_arguments_as_input():
    assert calls(CALL) == [user(text("Hi")), assistant(USE)]


def test_a_tool_call_without_a_type_is_a_function_call():
    assert calls({"id": "call_1", "function": {"name": "lookup", "arguments": '{"q": "x"}'}}) == [
        user(text("Hi")),
        assistant(USE),
    ]


@pytest.mark.parametrize("arguments", ["", "  \n"])
def test_blank_arguments_are_no_arguments(arguments):
    call = {**CALL, "function": {"name": "lookup", "arguments": arguments}}
    assert calls(call)[1] == assistant({"toolUse": {"toolUseId": "call_1", "name": "lookup", "input": {}}})


def test_ids_and_names_may_use_their_whole_alphabets_up_to_64_characters():
    tool_use_id, name = "aZ09_.:-" * 8, "aZ09_-" * 10 + "abcd"
    call = {"id": tool_use_id, "type": "function", "function": {"name": name, "arguments": "{}"}}
    assert calls(call)[1] == assistant({"toolUse": {"toolUseId": tool_use_id, "name": name, "input": {}}})


def test_tool_calls_must_be_a_list():
    assert refusal([HI, {"role": "assistant", "tool_calls": CALL}], tools=[TOOL]) == invalid(
        "messages[1].tool_calls", "'messages[1].tool_calls' must be a list of tool calls"
    )


@pytest.mark.parametrize(
    "call",
    [
        "call_1",
        {"id": "call_1", "type": "function"},
        {"id": "call_1", "type": "function", "function": "lookup"},
        {**CALL, "type": "custom"},
        {**CALL, "type": None},
        {**CALL, "index": 0},
        {**CALL, "function": {"name": "lookup", "arguments": "{}", "strict": True}},
    ],
    ids=["a string", "no function", "a string function", "a custom call", "a null type", "an extra field", "strict"],
)
def test_a_tool_call_not_of_its_shape_is_refused_showing_the_shape(call):
    assert call_refusal(call) == invalid(
        "messages[1].tool_calls[0]",
        '\'messages[1].tool_calls[0]\' must be {"id", "type": "function", "function": {"name", "arguments"}}',
    )


@pytest.mark.parametrize("tool_use_id", [None, 7, "", "call 1", "call/1", "x" * 65])
def test_a_tool_call_id_outside_converses_alphabet_is_refused(tool_use_id):
    call = {**CALL, "id": tool_use_id} if tool_use_id is not None else {"function": CALL["function"]}
    assert call_refusal(call) == invalid(
        "messages[1].tool_calls[0].id",
        "'messages[1].tool_calls[0].id' must be 1 to 64 characters of letters, digits, _ . : -",
    )


@pytest.mark.parametrize("name", [None, 7, "", "look.up", "look up", "x" * 65])
def test_a_tool_call_name_outside_converses_alphabet_is_refused(name):
    function = {"arguments": "{}"} if name is None else {"name": name, "arguments": "{}"}
    assert call_refusal({**CALL, "function": function}) == invalid(
        "messages[1].tool_calls[0].function.name",
        "'messages[1].tool_calls[0].function.name' must be 1 to 64 characters of letters, digits, _ -",
    )


ARGUMENTS = "messages[1].tool_calls[0].function.arguments"


@pytest.mark.parametrize(
    ("arguments", "detail"),
    [
        ({"q": "x"}, f"'{ARGUMENTS}' must be a string of JSON, not an object"),
        (None, f"'{ARGUMENTS}' must be a string of JSON, not null"),
        ("{oops", f"'{ARGUMENTS}' is not valid JSON"),
        ("[" * 100_000, f"'{ARGUMENTS}' is not valid JSON"),
        ("[1]", f"'{ARGUMENTS}' must be a JSON object, not an array"),
        ('"x"', f"'{ARGUMENTS}' must be a JSON object, not a string"),
    ],
    ids=["an object", "null", "broken", "too deep", "an array", "a string"],
)
def test_arguments_must_be_the_json_text_of_an_object(arguments, detail):
    function = {"name": "lookup", "arguments": arguments}
    assert call_refusal({**CALL, "function": function}) == invalid(ARGUMENTS, detail)


def test_tool_calls_need_the_tools_listed():
    assert refusal([HI, assistant_calling(CALL)]) == invalid(
        "tools",
        "the messages hold tool calls, so 'tools' must list the tools: Bedrock's Converse refuses tool calls "
        "without them",
    )


# --- tool results: a tool message → a toolResult in the user's turn -------------------------------


def answered(*results: dict) -> list:
    return converse_messages([HI, assistant_calling(CALL), *results], tools=[TOOL])


def test_a_tool_result_answers_an_earlier_call_in_a_user_turn_with_its_text():
    results = [{"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": "found"}]}]
    assert answered(*results, {"role": "user", "content": "and?"}) == [
        user(text("Hi")),
        assistant(USE),
        user({"toolResult": {"toolUseId": "call_1", "content": [text("found")]}}, text("and?")),
    ]


@pytest.mark.parametrize("content", [None, "", " ", []])
def test_a_tool_result_with_no_text_has_empty_content(content):
    result = {"role": "tool", "tool_call_id": "call_1", "content": content}
    assert answered(result)[2] == user({"toolResult": {"toolUseId": "call_1", "content": []}})


@pytest.mark.parametrize("tool_call_id", [None, 1, "call_2", "CALL_1"])
def test_a_tool_result_must_name_a_call_made_earlier(tool_call_id):
    result = {"role": "tool", "tool_call_id": tool_call_id, "content": "x"}
    assert refusal([HI, assistant_calling(CALL), result], tools=[TOOL]) == invalid(
        "messages[2].tool_call_id", "'messages[2].tool_call_id' must name a tool call an earlier assistant message made"
    )


def test_a_tool_result_before_its_call_is_refused():
    result = {"role": "tool", "tool_call_id": "call_1", "content": "x"}
    assert refusal([HI, result, assistant_calling(CALL)], tools=[TOOL]) == invalid(
        "messages[1].tool_call_id", "'messages[1].tool_call_id' must name a tool call an earlier assistant message made"
    )


def test_a_tool_result_takes_text_only_and_names_its_own_parts():
    result = {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": "x"}, image_part("")]}
    assert refusal([HI, assistant_calling(CALL), result], tools=[TOOL]) == ApiError(
        "unsupported_field",
        "'messages[2].content[1]' is a image_url part, which this API cannot take here: text only",
        param="messages[2].content[1].type",
    )
