"""OpenAI's ``POST /v1/chat/completions`` body → the same ``InferenceRequest`` ``/invoke`` makes.

Pure: no I/O, no web framework, nothing raised. Every refusal is an ``ApiError`` with ``param``
naming the field at fault (``messages[2].content[0].image_url.url``), before any Bedrock call.

What each top-level field does here is data: ``FIELDS`` says, field by field, whether it is
used, ignored (harmless: it cannot change the answer's meaning) or refused unless it holds
a value that means "off" (``n`` of 1, ``logprobs`` false); the README's table is written from
it. Messages become Converse messages: ``system``/``developer`` → ``system``; ``user`` text
and ``data:`` images; ``assistant`` text and ``tool_calls`` → ``toolUse``; ``tool`` →
``toolResult`` in a user turn. Consecutive turns of one role are merged, as Converse wants
them alternating, and blank text never reaches Bedrock (it refuses blank text blocks).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import json_body
from config import Settings
from errors import ApiError
from inference import Block, InferenceRequest, Message, Role
from json_body import NOT_TEXT, Refused, json_type, quoted

Treatment = Literal["used", "ignored", "refused"]


@dataclass(frozen=True)
class Field:
    """One top-level field of the chat completions request and what this API does with it."""

    name: str
    treatment: Treatment
    note: str  # the README's words for it
    off: tuple[Any, ...] = ()  # for a refused field: the values that ask for nothing, accepted and ignored


FIELDS: tuple[Field, ...] = (
    Field(
        "model",
        "used",
        "one of the deployment's `MODEL_ID` list (`GET /v1/models`); unknown: 404 "
        "`model_not_found`; left out: the first of the list",
    ),
    Field(
        "messages",
        "used",
        "roles `system`/`developer` (→ Converse `system`), `user` (text, `data:` images), "
        "`assistant` (text, `tool_calls`), `tool` (→ `toolResult`)",
    ),
    Field(
        "max_completion_tokens", "used", "1 to `MAX_TOKENS_CAP`; wins over `max_tokens`; left out: `MAX_TOKENS_DEFAULT`"
    ),
    Field("max_tokens", "used", "as `max_completion_tokens`"),
    Field(
        "temperature",
        "used",
        "0 to 2; above 1 sent as 1, Claude's highest (as Anthropic's own OpenAI "
        "compatibility does). A model that takes none answers 400 with `param`",
    ),
    Field("top_p", "used", "0 to 1. A model that takes none answers 400 with `param`"),
    Field("stop", "used", "a string or up to 4; each must hold more than white space"),
    Field("stream", "used", "server-sent `chat.completion.chunk` events, then `data: [DONE]`"),
    Field("stream_options", "used", "`include_usage`: a last chunk with `usage` and `choices: []`"),
    Field("tools", "used", "`function` tools → Converse `toolSpec` (`strict` passed on)"),
    Field(
        "tool_choice",
        "used",
        "`auto`, `required` (→ `any`), a named function (→ `tool`); `none`: tools are "
        "not sent, refused (400) while the conversation holds tool calls, which Converse cannot show without tools",
    ),
    Field(
        "reasoning_effort",
        "used",
        "→ the model's effort: `none`/`minimal` → `low`, `low`, `medium`, `high`, "
        "`xhigh`, `max`; a level the model lacks: 400",
    ),
    Field(
        "include_reasoning",
        "used",
        "(extension) `true`: the model's reasoning as `reasoning_content` on the "
        "message or delta, never inside `content`",
    ),
    Field("user", "ignored", "identifies your end user to OpenAI"),
    Field("safety_identifier", "ignored", "as `user`"),
    Field("seed", "ignored", "Claude on Bedrock takes no seed"),
    Field("metadata", "ignored", "kept by OpenAI's stored completions, which this API does not offer"),
    Field("store", "ignored", "as `metadata`"),
    Field("service_tier", "ignored", "one tier here"),
    Field("parallel_tool_calls", "ignored", "Claude may call several tools in one turn either way"),
    Field("prompt_cache_key", "ignored", "OpenAI's prompt caching"),
    Field("prompt_cache_retention", "ignored", "as `prompt_cache_key`"),
    Field("prompt_cache_options", "ignored", "as `prompt_cache_key`"),
    Field("n", "refused", "one choice only", off=(1,)),
    Field("logprobs", "refused", "Bedrock returns no log probabilities", off=(False,)),
    Field("top_logprobs", "refused", "as `logprobs`", off=(0,)),
    Field("logit_bias", "refused", "Bedrock takes no token biases", off=({},)),
    Field("frequency_penalty", "refused", "Claude on Bedrock takes no penalties", off=(0, 0.0)),
    Field("presence_penalty", "refused", "as `frequency_penalty`", off=(0, 0.0)),
    Field(
        "response_format",
        "refused",
        "no JSON mode or schema: describe the format in the prompt, or use a tool",
        off=({"type": "text"},),
    ),
    Field("modalities", "refused", "text only", off=(["text"],)),
    Field("verbosity", "refused", "OpenAI's length hint; `medium` is its default", off=("medium",)),
    Field("audio", "refused", "text only"),
    Field("prediction", "refused", "no predicted outputs"),
    Field("web_search_options", "refused", "no web search"),
    Field("moderation", "refused", "OpenAI's moderation; a Bedrock guardrail (`GUARDRAIL_ID`) screens instead"),
    Field("functions", "refused", "deprecated by OpenAI: use `tools`"),
    Field("function_call", "refused", "deprecated by OpenAI: use `tool_choice`"),
)
_BY_NAME = {field.name: field for field in FIELDS}

# reasoning_effort (openai.types.shared.ReasoningEffort) → Converse's outputConfig.effort. Ours
# has no level below `low`: `none` and `minimal` ask for the least thinking the model allows.
EFFORTS = {
    "none": "low",
    "minimal": "low",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "xhigh": "xhigh",
    "max": "max",
}
# OpenAI's range is 0 to 2, Claude's 0 to 1. Anthropic's OpenAI SDK compatibility caps values
# above 1 at 1 (https://anthropic.mintlify.app/en/api/openai-sdk, "temperature"): so do we.
MAX_CLAUDE_TEMPERATURE = 1.0
MAX_STOP_SEQUENCES = 4  # OpenAI's own limit for `stop`
# Converse's Message.content (botocore's bedrock-runtime model): "up to 20 images. Each image's
# size, height, and width must be no more than 3.75 MB, 8000 px, and 8000 px".
MAX_IMAGES = 20
MAX_IMAGE_BYTES = int(3.75 * 1024 * 1024)
# ToolName and ToolUseId in the same model.
TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
TOOL_USE_ID = re.compile(r"[a-zA-Z0-9_.:-]{1,64}")
# A data: URL of an image (RFC 2397), base64 only: the bytes go to Bedrock as they are.
DATA_URL = re.compile(r"data:(?P<type>[^;,]*)(?P<params>(;[^;,]*)*),(?P<data>.*)", re.DOTALL)
IMAGE_FORMATS = {
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/gif": "gif",
    "image/webp": "webp",
}
SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "png": lambda data: data.startswith(b"\x89PNG\r\n\x1a\n"),
    "jpeg": lambda data: data.startswith(b"\xff\xd8\xff"),
    "gif": lambda data: data[:6] in (b"GIF87a", b"GIF89a"),
    "webp": lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP",
}
MESSAGE_KEYS = {
    "system": {"role", "content", "name"},
    "developer": {"role", "content", "name"},
    "user": {"role", "content", "name"},
    "assistant": {"role", "content", "name", "tool_calls", "refusal", "reasoning_content"},
    "tool": {"role", "content", "tool_call_id"},
}


@dataclass(frozen=True)
class ChatRequest:
    """A chat completions request: the core request, and what only this wire format asks."""

    request: InferenceRequest
    include_usage: bool = False  # stream_options.include_usage: a last chunk with the usage


def parse_chat_request(body: bytes, content_type: str | None, settings: Settings) -> ChatRequest | ApiError:
    """The POST body → a request or its 4xx (``param`` set where a field is at fault)."""
    try:
        data = json_body.load(body, content_type, settings.body_max_bytes)
        return ChatRequest(_to_request(data, settings), _include_usage(data.get("stream_options")))
    except Refused as refused:
        return refused.error


def _refuse(param: str, detail: str, code: str = "invalid_field") -> Refused:
    return Refused(code, detail, param=param)


def _to_request(data: Any, settings: Settings) -> InferenceRequest:
    if not isinstance(data, dict):
        raise Refused("invalid_body", f"the body must be a JSON object, not {json_type(data)}")
    given = {key: value for key, value in data.items() if value is not None}  # null means "not given"
    for key, value in given.items():
        field = _BY_NAME.get(key)
        if field is None:
            raise _refuse(
                key[:40], f"unknown field {quoted(key)}; the README lists every field this API takes", "unknown_field"
            )
        if field.treatment == "refused" and not any(type(value) is type(off) and value == off for off in field.off):
            allowed = f" (only {' or '.join(json.dumps(v) for v in field.off)} is accepted)" if field.off else ""
            raise _refuse(key, f"{key!r} cannot be honoured here: {field.note}{allowed}", "unsupported_field")
    if "messages" not in given:
        raise _refuse("messages", "'messages' is required: a non-empty list of messages", "missing_field")
    system, messages, has_tool_blocks = _conversation(given["messages"], settings.prompt_max_chars)
    return InferenceRequest(
        messages=messages,
        max_tokens=_max_tokens(given, settings),
        system=system,
        temperature=_temperature(given.get("temperature")),
        top_p=_number(given.get("top_p"), "top_p", 1),
        stop_sequences=_stop(given["stop"]) if "stop" in given else None,
        stream=_boolean(given, "stream"),
        include_reasoning=_boolean(given, "include_reasoning"),
        effort=_effort(given["reasoning_effort"]) if "reasoning_effort" in given else None,
        model=_model(given["model"], settings.model_ids) if "model" in given else None,
        tool_config=_tool_config(given.get("tools"), given.get("tool_choice"), has_tool_blocks),
    )


# --- the conversation ------------------------------------------------------------------------


def _conversation(value: Any, limit: int) -> tuple[str | None, tuple[Message, ...], bool]:
    """(system text, the alternating Converse messages, whether any holds a tool call or result)."""
    if not isinstance(value, list) or not value:
        raise _refuse("messages", "'messages' must be a non-empty list of messages")
    system: list[str] = []
    turns: list[tuple[Role, list[Block]]] = []
    called: set[str] = set()  # tool call ids the assistant made so far
    images = 0
    for index, item in enumerate(value):
        where = f"messages[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("role"), str):
            raise _refuse(where, f"{where!r} must be an object with a 'role'")
        role = item["role"]
        if role not in MESSAGE_KEYS:
            refused = " (deprecated by OpenAI: use 'tool')" if role == "function" else ""
            raise _refuse(f"{where}.role", f"'{where}.role' must be one of {', '.join(MESSAGE_KEYS)}{refused}")
        given = {key: val for key, val in item.items() if val is not None}
        unknown = sorted(set(given) - MESSAGE_KEYS[role])
        if unknown:
            raise _refuse(f"{where}.{unknown[0][:40]}", f"a {role} message takes no field {quoted(unknown[0])}")
        if role in ("system", "developer"):
            system += [
                block["text"] for block in _content(given.get("content"), f"{where}.content", limit, text_only=True)
            ]
        elif role == "user":
            blocks = _content(given.get("content"), f"{where}.content", limit)
            if not blocks:
                raise _refuse(f"{where}.content", f"'{where}.content' must not be empty or only white space")
            images += sum("image" in block for block in blocks)
            turns.append(("user", blocks))
        elif role == "assistant":
            blocks = _content(given.get("content"), f"{where}.content", limit, text_only=True)
            blocks += _tool_uses(given.get("tool_calls"), f"{where}.tool_calls", called)
            if blocks:  # an assistant turn with nothing in it says nothing: left out
                turns.append(("assistant", blocks))
        else:
            turns.append(("user", [_tool_result(given, where, limit, called)]))
    if images > MAX_IMAGES:
        raise _refuse("messages", f"the messages hold {images} images; Bedrock takes at most {MAX_IMAGES}")
    merged: list[Message] = []
    for role, blocks in turns:
        if merged and merged[-1]["role"] == role:
            merged[-1] = Message(role=role, content=(*merged[-1]["content"], *blocks))
        else:
            merged.append(Message(role=role, content=tuple(blocks)))
    if not merged:
        raise _refuse("messages", "'messages' holds no user message: there is nothing to answer")
    if merged[0]["role"] != "user":
        raise _refuse(
            "messages",
            "the conversation must begin with a user message (after any system messages): "
            "Bedrock's Converse requires it",
        )
    return "\n\n".join(system) or None, tuple(merged), bool(called)


def _content(value: Any, where: str, limit: int, *, text_only: bool = False) -> list[Block]:
    """A message's content (a string, or a list of parts) → Converse blocks, blank text left out."""
    if value is None:
        return []
    if isinstance(value, str):
        return [{"text": text}] if (text := _text(value, where, limit)).strip() else []
    if not isinstance(value, list):
        raise _refuse(where, f"{where!r} must be a string or a list of content parts, not {json_type(value)}")
    blocks: list[Block] = []
    for index, part in enumerate(value):
        at = f"{where}[{index}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("text", "refusal") and set(part) == {"type", kind}:
            text = _text(part[kind], f"{at}.{kind}", limit)
            if text.strip():
                blocks.append({"text": text})
        elif kind == "image_url" and not text_only:
            blocks.append(_image(part, at))
        elif kind in ("input_audio", "file", "image_url"):
            raise _refuse(
                f"{at}.type",
                f"'{at}' is a {kind} part, which this API cannot take here: text"
                f"{'' if text_only else ' and images'} only",
                "unsupported_field",
            )
        else:
            raise _refuse(at, f'\'{at}\' must be a content part such as {{"type": "text", "text": "..."}}')
    return blocks


def _text(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str):
        raise _refuse(where, f"{where!r} must be a string, not {json_type(value)}")
    if len(value) > limit:
        raise _refuse(where, f"{where!r} is {len(value)} characters; the limit is {limit}", "text_too_long")
    bad = NOT_TEXT.search(value)
    if bad:
        raise _refuse(
            where,
            f"{where!r} contains the control character or lone surrogate U+{ord(bad.group()):04X}"
            f" at position {bad.start()}; only tab, line feed and carriage return are allowed",
        )
    return value


def _image(part: dict[str, Any], at: str) -> Block:
    """An ``image_url`` part with a ``data:`` URL → a Converse image block with its bytes."""
    image = part.get("image_url")
    where = f"{at}.image_url.url"
    if (
        set(part) != {"type", "image_url"}
        or not isinstance(image, dict)
        or not isinstance(image.get("url"), str)
        or not set(image) <= {"url", "detail"}
    ):
        raise _refuse(f"{at}.image_url", f'\'{at}\' must be {{"type": "image_url", "image_url": {{"url": ...}}}}')
    url = image["url"]
    if re.match(r"https?:", url, re.IGNORECASE):
        raise _refuse(
            where,
            f"'{where}' is a web address; this API fetches nothing: send the image itself as a "
            "data: URL (data:image/png;base64,...)",
            "unsupported_field",
        )
    match = DATA_URL.fullmatch(url)
    if not match:
        raise _refuse(where, f"'{where}' must be a data: URL (data:image/png;base64,...)")
    media_type = match.group("type").strip().lower()
    image_format = IMAGE_FORMATS.get(media_type)
    if image_format is None:
        raise _refuse(
            where,
            f"'{where}' is {media_type[:40] or 'untyped'!r}; images are image/png, image/jpeg, image/gif or image/webp",
        )
    if "base64" not in [param.strip().lower() for param in match.group("params").split(";")]:
        raise _refuse(where, f"'{where}' must be base64-encoded (data:{media_type};base64,...)")
    try:
        data = base64.b64decode(match.group("data"), validate=True)
    except (binascii.Error, ValueError):
        raise _refuse(where, f"'{where}' holds no valid base64 after the comma") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise _refuse(
            where,
            f"the image in '{where}' is {len(data)} bytes; Bedrock takes at most {MAX_IMAGE_BYTES}",
            "body_too_large",
        )
    if not SIGNATURES[image_format](data):
        raise _refuse(where, f"the data in '{where}' is not a {image_format.upper()} image, as its type says")
    return {"image": {"format": image_format, "source": {"bytes": data}}}


def _tool_uses(value: Any, where: str, called: set[str]) -> list[Block]:
    """An assistant's ``tool_calls`` → Converse toolUse blocks (their ids noted in ``called``)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _refuse(where, f"{where!r} must be a list of tool calls")
    blocks = []
    for index, call in enumerate(value):
        at = f"{where}[{index}]"
        function = call.get("function") if isinstance(call, dict) else None
        if (
            not isinstance(function, dict)
            or call.get("type", "function") != "function"
            or not set(call) <= {"id", "type", "function"}
            or not set(function) <= {"name", "arguments"}
        ):
            raise _refuse(at, f'\'{at}\' must be {{"id", "type": "function", "function": {{"name", "arguments"}}}}')
        tool_use_id = _matching(call.get("id"), TOOL_USE_ID, f"{at}.id", "letters, digits, _ . : -")
        name = _matching(function.get("name"), TOOL_NAME, f"{at}.function.name", "letters, digits, _ -")
        blocks.append(
            {
                "toolUse": {
                    "toolUseId": tool_use_id,
                    "name": name,
                    "input": _arguments(function.get("arguments"), f"{at}.function.arguments"),
                }
            }
        )
        called.add(tool_use_id)
    return blocks


def _arguments(value: Any, where: str) -> dict[str, Any]:
    """A tool call's ``arguments``: JSON text of an object (empty text: no arguments)."""
    if not isinstance(value, str):
        raise _refuse(where, f"{where!r} must be a string of JSON, not {json_type(value)}")
    if not value.strip():
        return {}
    try:
        arguments = json.loads(value)
    except (ValueError, RecursionError):
        raise _refuse(where, f"{where!r} is not valid JSON") from None
    if not isinstance(arguments, dict):
        raise _refuse(where, f"{where!r} must be a JSON object, not {json_type(arguments)}")
    return arguments


def _tool_result(message: dict[str, Any], where: str, limit: int, called: set[str]) -> Block:
    """A ``tool`` message → a Converse toolResult block, for a call the assistant made earlier."""
    tool_use_id = message.get("tool_call_id")
    if not isinstance(tool_use_id, str) or tool_use_id not in called:
        raise _refuse(
            f"{where}.tool_call_id", f"'{where}.tool_call_id' must name a tool call an earlier assistant message made"
        )
    content = _content(message.get("content"), f"{where}.content", limit, text_only=True)
    return {"toolResult": {"toolUseId": tool_use_id, "content": content}}


def _matching(value: Any, pattern: re.Pattern[str], where: str, allowed: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _refuse(where, f"{where!r} must be 1 to 64 characters of {allowed}")
    return value


# --- tools -----------------------------------------------------------------------------------


def _tool_config(tools: Any, choice: Any, has_tool_blocks: bool) -> dict[str, Any] | None:
    """``tools`` + ``tool_choice`` → Converse's toolConfig, or None to send no tools."""
    specs = _tools(tools) if tools is not None else []
    if choice is None or choice == "auto":
        tool_choice: dict[str, Any] | None = {"auto": {}} if choice == "auto" else None
    elif choice == "required":
        tool_choice = {"any": {}}
    elif choice == "none":
        if has_tool_blocks:
            raise _refuse(
                "tool_choice",
                "'tool_choice' none cannot be honoured while the conversation holds tool "
                'calls: Bedrock\'s Converse has no "none" and needs the tools to show those calls; use '
                "'auto'",
                "unsupported_field",
            )
        return None
    elif (
        isinstance(choice, dict)
        and choice.get("type") == "function"
        and isinstance(choice.get("function"), dict)
        and set(choice) == {"type", "function"}
    ):
        name = choice["function"].get("name")
        if name not in [spec["toolSpec"]["name"] for spec in specs]:
            raise _refuse(
                "tool_choice", f"'tool_choice' names the function {quoted(str(name))}, which 'tools' does not hold"
            )
        tool_choice = {"tool": {"name": name}}
    else:
        raise _refuse(
            "tool_choice",
            "'tool_choice' must be 'auto', 'required', 'none' or "
            '{"type": "function", "function": {"name": ...}}',
        )
    if not specs:
        if has_tool_blocks:
            raise _refuse(
                "tools",
                "the messages hold tool calls, so 'tools' must list the tools: Bedrock's "
                "Converse refuses tool calls without them",
            )
        if tool_choice is not None and "auto" not in tool_choice:
            raise _refuse("tool_choice", "'tool_choice' needs 'tools'")
        return None
    config: dict[str, Any] = {"tools": specs}
    if tool_choice is not None:
        config["toolChoice"] = tool_choice
    return config


def _tools(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise _refuse("tools", '\'tools\' must be a list of {"type": "function", "function": {...}} objects')
    specs: list[dict[str, Any]] = []
    for index, tool in enumerate(value):
        at = f"tools[{index}]"
        if isinstance(tool, dict) and tool.get("type") == "custom":
            raise _refuse(
                f"{at}.type", f"'{at}' is a custom tool; only function tools can be offered", "unsupported_field"
            )
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or tool.get("type") != "function" or set(tool) != {"type", "function"}:
            raise _refuse(at, f'\'{at}\' must be {{"type": "function", "function": {{"name", ...}}}}')
        unknown = sorted(set(function) - {"name", "description", "parameters", "strict"})
        if unknown:
            raise _refuse(f"{at}.function.{unknown[0][:40]}", f"a function takes no field {quoted(unknown[0])}")
        name = _matching(function.get("name"), TOOL_NAME, f"{at}.function.name", "letters, digits, _ -")
        if name in [spec["toolSpec"]["name"] for spec in specs]:
            raise _refuse(f"{at}.function.name", f"two tools are named {name!r}")
        spec: dict[str, Any] = {"name": name, "inputSchema": {"json": _parameters(function.get("parameters"), at)}}
        description = function.get("description")
        if description is not None:
            if not isinstance(description, str):
                raise _refuse(f"{at}.function.description", f"'{at}.function.description' must be a string")
            if description.strip():  # Converse refuses an empty description
                spec["description"] = description
        strict = function.get("strict")
        if strict is not None:
            if type(strict) is not bool:
                raise _refuse(f"{at}.function.strict", f"'{at}.function.strict' must be true or false")
            spec["strict"] = strict
        specs.append({"toolSpec": spec})
    return specs


def _parameters(value: Any, at: str) -> dict[str, Any]:
    """A function's JSON Schema; Converse wants an object at the top (left out: no parameters)."""
    if value is None:
        return {"type": "object", "properties": {}}
    if not isinstance(value, dict) or value.get("type", "object") != "object":
        raise _refuse(f"{at}.function.parameters", f"'{at}.function.parameters' must be a JSON Schema of type object")
    return {"type": "object", **value}  # a schema's own "type" is "object" here too


# --- the other fields ------------------------------------------------------------------------


def _max_tokens(given: dict[str, Any], settings: Settings) -> int:
    cap = settings.max_tokens_cap
    name = "max_completion_tokens" if "max_completion_tokens" in given else "max_tokens"
    value = given.get(name, settings.max_tokens_default)
    if type(value) is not int or not 1 <= value <= cap:
        raise _refuse(name, f"{name!r} must be an integer from 1 to {cap}")
    return value


def _number(value: Any, name: str, high: float) -> float | None:
    if value is None:
        return None
    if type(value) not in (int, float) or not 0 <= value <= high:
        raise _refuse(name, f"{name!r} must be a number from 0 to {high:g}")
    return float(value)


def _temperature(value: Any) -> float | None:
    temperature = _number(value, "temperature", 2)
    return None if temperature is None else min(temperature, MAX_CLAUDE_TEMPERATURE)


def _stop(value: Any) -> tuple[str, ...] | None:
    stops = [value] if isinstance(value, str) else value
    if not isinstance(stops, list) or len(stops) > MAX_STOP_SEQUENCES:
        raise _refuse("stop", f"'stop' must be a string or a list of at most {MAX_STOP_SEQUENCES} strings")
    for index, item in enumerate(stops):
        if not isinstance(item, str) or not item.strip() or NOT_TEXT.search(item):
            raise _refuse("stop", f"'stop[{index}]' must be a string holding more than white space")
    return tuple(stops) or None


def _include_usage(value: Any) -> bool:
    if value is None:
        return False
    if (
        not isinstance(value, dict)
        or not set(value) <= {"include_usage", "include_obfuscation"}
        or type(value.get("include_usage", False)) is not bool
    ):
        raise _refuse("stream_options", "'stream_options' must be {\"include_usage\": true or false}")
    return bool(value.get("include_usage", False))


def _boolean(given: dict[str, Any], name: str) -> bool:
    value = given.get(name, False)
    if type(value) is not bool:
        raise _refuse(name, f"{name!r} must be true or false, not {json_type(value)}")
    return value


def _effort(value: Any) -> str:
    if not isinstance(value, str) or value not in EFFORTS:  # a list or object is unhashable: no `in` on it
        raise _refuse("reasoning_effort", f"'reasoning_effort' must be one of {', '.join(EFFORTS)}")
    return EFFORTS[value]


def _model(value: Any, served: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in served:
        shown = quoted(value) if isinstance(value, str) else json_type(value)
        raise _refuse(
            "model", f"the model {shown} is not served here; use one of: {', '.join(served)}", "model_not_found"
        )
    return value
