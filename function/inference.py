"""The request both wire formats become: what the caller asked for, checked, ready for Converse.

``/invoke`` (request.py) and OpenAI's chat completions (openai_request.py) each parse their own
body into an ``InferenceRequest``; bedrock.py turns it into the ConverseStream call. A message's
content is plain text (all ``/invoke`` can send) or Converse content blocks, as botocore's
bedrock-runtime model names them (``text``, ``image`` with raw bytes, ``toolUse``,
``toolResult``); tools travel as Converse's ``toolConfig``. Nothing here imports a web
framework or boto3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypedDict

Block = dict[str, Any]  # one Converse ContentBlock
Content = str | tuple[Block, ...]
Role = Literal["user", "assistant"]  # Converse's roles: system text travels apart


class Message(TypedDict):
    role: Role
    content: Content  # text, or Converse content blocks (never a blank text block)


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
    tool_config: dict[str, Any] | None = None  # Converse's toolConfig: the tools and the tool choice


def blocks(content: Content) -> list[Block]:
    """The content as Converse content blocks."""
    return [{"text": content}] if isinstance(content, str) else list(content)


def text_chars(messages: tuple[Message, ...]) -> int:
    """Characters of text in the messages (the log's ``prompt_chars``): text blocks and tool results."""
    total = 0
    for message in messages:
        content = message["content"]
        if isinstance(content, str):
            total += len(content)
            continue
        for block in content:
            total += len(block.get("text", ""))
            for inner in block.get("toolResult", {}).get("content", ()):
                total += len(inner.get("text", ""))
    return total


def loggable(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    """The messages for a LOG_CONTENT log line: an image is its format and size, never its bytes."""
    return [
        {
            "role": m["role"],
            "content": m["content"]
            if isinstance(m["content"], str)
            else [_loggable_block(block) for block in m["content"]],
        }
        for m in messages
    ]


def _loggable_block(block: Block) -> Block:
    if "image" in block:
        image = block["image"]
        return {"image": {"format": image["format"], "bytes": len(image["source"]["bytes"])}}
    return block
