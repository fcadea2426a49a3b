"""AWS's binary event-stream framing (``application/vnd.amazon.eventstream``), the encoding side.

Bedrock's ConverseStream answers with a sequence of these messages; botocore only ships the
decoder (``botocore/eventstream.py``), which this encoder mirrors. One message is::

    prelude:  total length (uint32) | headers length (uint32) | CRC32 of those 8 bytes (uint32)
    headers:  name length (uint8) | name (UTF-8) | value type (uint8) | value   (repeated)
    payload:  bytes (here: JSON)
    trailer:  CRC32 of everything before it (uint32, seeded with the prelude CRC)

All integers are big-endian. Events carry ``:message-type: event``, ``:event-type`` (the member
of the service model's event-stream shape, e.g. ``contentBlockDelta``) and ``:content-type``;
modelled errors carry ``:message-type: exception`` and ``:exception-type`` instead
(``botocore/parsers.py``, ``BaseEventStreamParser``).
"""

from __future__ import annotations

import json
import struct
from binascii import crc32
from collections.abc import Mapping
from typing import Any

HeaderValue = str | bytes | bool | int

# botocore's limits (botocore/eventstream.py): a message beyond them is refused by the client.
MAX_HEADERS_BYTES = 128 * 1024
MAX_PAYLOAD_BYTES = 24 * 1024 * 1024
_INT32 = range(-(2**31), 2**31)


def _encode_header(name: str, value: HeaderValue) -> bytes:
    """One header: name, type tag and value, as EventStreamHeaderParser reads them."""
    raw_name = name.encode("utf-8")
    if not 0 < len(raw_name) < 256:
        raise ValueError(f"header name {name!r} must be 1 to 255 bytes of UTF-8")
    prefix = struct.pack("!B", len(raw_name)) + raw_name
    if isinstance(value, bool):  # before int: bool is an int. Types 0/1 are true/false, no value bytes
        return prefix + (b"\x00" if value else b"\x01")
    if isinstance(value, int):
        if value not in _INT32:
            raise ValueError(f"header {name!r}: {value} does not fit the int32 header type")
        return prefix + struct.pack("!Bi", 4, value)
    if isinstance(value, str | bytes):
        type_tag, raw = (7, value.encode("utf-8")) if isinstance(value, str) else (6, value)
        if len(raw) > 0xFFFF:
            raise ValueError(f"header {name!r}: a value of {len(raw)} bytes exceeds the 65535-byte limit")
        return prefix + struct.pack("!BH", type_tag, len(raw)) + raw
    raise TypeError(f"header {name!r}: a {type(value).__name__} is not a supported value (str, bytes, bool, int)")


def encode_message(headers: Mapping[str, HeaderValue], payload: bytes) -> bytes:
    """One complete event-stream message: prelude, headers, payload, and both CRCs."""
    raw_headers = b"".join(_encode_header(name, value) for name, value in headers.items())
    if len(raw_headers) > MAX_HEADERS_BYTES:
        raise ValueError(f"headers of {len(raw_headers)} bytes exceed the {MAX_HEADERS_BYTES}-byte limit")
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"a payload of {len(payload)} bytes exceeds the {MAX_PAYLOAD_BYTES}-byte limit")
    total = 12 + len(raw_headers) + len(payload) + 4
    lengths = struct.pack("!II", total, len(raw_headers))
    prelude_crc = crc32(lengths)
    body = lengths + struct.pack("!I", prelude_crc) + raw_headers + payload
    return body + struct.pack("!I", crc32(body))


def _json(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def encode_event(event_type: str, body: Mapping[str, Any]) -> bytes:
    """An event message: ``event_type`` is the member name (``messageStart``, ``contentBlockDelta``...)."""
    headers = {":event-type": event_type, ":content-type": "application/json", ":message-type": "event"}
    return encode_message(headers, _json(body))


def encode_exception(exception_type: str, message: str, **fields: Any) -> bytes:
    """A modelled error inside the stream: botocore raises EventStreamError with ``exception_type`` as code."""
    headers = {":exception-type": exception_type, ":content-type": "application/json", ":message-type": "exception"}
    return encode_message(headers, _json({"message": message, **fields}))
