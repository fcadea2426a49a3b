"""The local Bedrock stand-in speaks ConverseStream as Bedrock does: the real boto3 client decodes it.

No Stubber and no fakes in the client: botocore's own event-stream decoder reads the frames
(local/eventstream.py), its rest-json parser reads the refusals, and what it raises is what the
function will see from Bedrock.
"""

from __future__ import annotations

import base64
import http.client
import json
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest
import urllib3
from botocore.config import Config
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer
from botocore.exceptions import ClientError, EventStreamError

from local.converse_script import STOP_REASONS, STREAM_EXCEPTIONS, Script, ToolCall, plan, summary
from local.eventstream import encode_event, encode_exception, encode_message
from local.fake_bedrock import FakeBedrock

MESSAGES = [{"role": "user", "content": [{"text": "Explain the theory of relativity."}]}]


@pytest.fixture(scope="module")
def stand_in() -> Iterator[FakeBedrock]:
    with FakeBedrock() as running:
        yield running


@pytest.fixture(autouse=True)
def fresh(request: pytest.FixtureRequest) -> None:
    if "stand_in" in request.fixturenames:
        request.getfixturevalue("stand_in").reset()


@pytest.fixture(scope="module")
def client(stand_in: FakeBedrock) -> Any:
    """The real client, one attempt per call (so each call takes exactly one script), 32 connections."""
    config = Config(retries={"total_max_attempts": 1}, read_timeout=5, max_pool_connections=32)
    return boto3.client(
        "bedrock-runtime",
        endpoint_url=stand_in.url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=config,
    )


def stream(client: Any, model_id: str = "anthropic.claude-test", **request: Any) -> list[dict[str, Any]]:
    """Every event of one ConverseStream call, as botocore parsed it."""
    response = client.converse_stream(modelId=model_id, messages=request.pop("messages", MESSAGES), **request)
    return list(response["stream"])


def texts(events: list[dict[str, Any]]) -> list[str]:
    return [
        e["contentBlockDelta"]["delta"]["text"]
        for e in events
        if "text" in e.get("contentBlockDelta", {}).get("delta", {})
    ]


def decode(data: bytes) -> list[Any]:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return list(buffer)


# --- the encoder, checked by botocore's decoder -------------------------------------------------


def test_a_message_round_trips_through_botocores_decoder_with_every_header_type() -> None:
    headers = {"text": "héllo", "raw": b"\x00\xff", "yes": True, "no": False, "number": -7}
    payload = b'{"a": 1}'

    [message] = decode(encode_message(headers, payload))

    assert message.headers == headers
    assert message.payload == payload
    assert message.prelude.total_length == len(encode_message(headers, payload))
    assert message.prelude.payload_length == len(payload)


@pytest.mark.parametrize("where", [4, 20, -6], ids=["prelude", "headers", "payload"])
def test_botocore_checks_both_crcs_so_a_round_trip_proves_them(where: int) -> None:
    message = bytearray(encode_message({":event-type": "x"}, b"payload!"))
    message[where] ^= 0x01

    with pytest.raises(ChecksumMismatch):
        decode(bytes(message))


def test_messages_split_anywhere_decode_in_order() -> None:
    data = encode_event("messageStart", {"role": "assistant"}) + encode_exception("throttlingException", "slow down")
    buffer, decoded = EventStreamBuffer(), []
    for i in range(len(data)):  # one byte at a time, as a slow network would deliver them
        buffer.add_data(data[i : i + 1])
        decoded += list(buffer)

    assert [m.headers for m in decoded] == [
        {":event-type": "messageStart", ":content-type": "application/json", ":message-type": "event"},
        {":exception-type": "throttlingException", ":content-type": "application/json", ":message-type": "exception"},
    ]
    assert [json.loads(m.payload) for m in decoded] == [{"role": "assistant"}, {"message": "slow down"}]


@pytest.mark.parametrize(
    ("headers", "error", "named"),
    [
        ({"": "x"}, ValueError, "header name"),
        ({"n" * 256: "x"}, ValueError, "header name"),
        ({"big": 2**31}, ValueError, "int32"),
        ({"long": "x" * 65536}, ValueError, "65535"),
        ({"float": 1.5}, TypeError, "float"),
    ],
)
def test_an_unencodable_header_is_refused_by_name(headers: dict[str, Any], error: type, named: str) -> None:
    with pytest.raises(error, match=named):
        encode_message(headers, b"")


def test_the_stand_ins_lists_match_the_service_model() -> None:
    model = botocore.session.get_session().get_service_model("bedrock-runtime")
    output = model.shape_for("ConverseStreamOutput")

    assert set(model.shape_for("StopReason").enum) == STOP_REASONS
    assert {name for name, shape in output.members.items() if shape.metadata.get("exception")} == STREAM_EXCEPTIONS


# --- scripts refuse what they cannot do ---------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"text": "one string"}, "list of deltas"),
        ({"reasoning": [1]}, "str deltas"),
        ({"text": ["a"], "count": 3}, "count"),
        ({"stop_reason": "done"}, "stop_reason"),
        ({"usage": (1, -1)}, "usage"),
        ({"delay_between": -1}, "delay_between"),
        ({"pause_after": 1}, "pause_seconds"),
        ({"fail_after": 1}, "exception"),
        ({"fail_after": 0, "exception": ("ThrottlingException", "x")}, "exception type"),
        ({"fail_before": (200, "X", "x")}, "400-599"),
        ({"fail_before": (429, "X", "x"), "cut_after": 0}, "one way"),
        ({"text": ["a", "b"], "cut_after": 3}, "cut_after=3"),
        ({"tool_calls": [{"name": "x"}]}, "ToolCall items"),
    ],
)
def test_a_script_that_cannot_be_played_is_refused_by_name(fields: dict[str, Any], named: str) -> None:
    with pytest.raises((ValueError, TypeError), match=named):
        Script(**fields)


# --- the default answer, through the real client ------------------------------------------------


def test_the_default_answer_streams_the_labelled_summary_as_bedrock_orders_events(client: Any) -> None:
    response = client.converse_stream(modelId="anthropic.claude-test", messages=MESSAGES)
    events = list(response["stream"])

    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["content-type"] == "application/vnd.amazon.eventstream"
    assert headers["transfer-encoding"] == "chunked"
    assert [next(iter(e)) for e in events] == (
        ["messageStart"] + ["contentBlockDelta"] * len(texts(events)) + ["contentBlockStop", "messageStop", "metadata"]
    )
    assert events[0] == {"messageStart": {"role": "assistant"}}
    assert "".join(texts(events)) == summary({"messages": MESSAGES}, "anthropic.claude-test")[0]
    assert "not Amazon Bedrock" in "".join(texts(events))
    assert len(texts(events)) > 5  # a word or so per delta, not one block
    assert events[-2] == {"messageStop": {"stopReason": "end_turn"}}
    words = len(texts(events))  # one per delta; the request's 5 words are the input
    assert events[-1]["metadata"]["usage"] == {"inputTokens": 5, "outputTokens": words, "totalTokens": 5 + words}
    assert events[-1]["metadata"]["metrics"] == {"latencyMs": 0}


def test_the_default_answer_honours_max_tokens_in_words(client: Any) -> None:
    events = stream(client, inferenceConfig={"maxTokens": 4})

    assert len("".join(texts(events)).split()) == 4
    assert {"messageStop": {"stopReason": "max_tokens"}} in events


def test_the_default_answer_honours_stop_sequences(client: Any) -> None:
    events = stream(client, inferenceConfig={"stopSequences": ["model"]})

    assert "".join(texts(events)) == "[local stand-in "
    assert {"messageStop": {"stopReason": "stop_sequence"}} in events


def test_the_old_converse_route_is_gone(stand_in: FakeBedrock) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", int(stand_in.url.rsplit(":", 1)[1]), timeout=5)
    connection.request("POST", "/model/m/converse", body=b"{}", headers={"Content-Type": "application/json"})
    response = connection.getresponse()

    assert response.status == 404
    assert response.getheader("x-amzn-ErrorType") == "UnknownOperationException"
    assert "converse-stream" in json.load(response)["message"]
    connection.close()


# --- scripted answers -----------------------------------------------------------------------------


def test_scripted_text_stop_reason_and_usage_reach_the_client(stand_in: FakeBedrock, client: Any) -> None:
    stand_in.script(Script(text=["Hello", ", world"], stop_reason="max_tokens", usage=(11, 22)))

    events = stream(client)

    assert texts(events) == ["Hello", ", world"]
    assert {"messageStop": {"stopReason": "max_tokens"}} in events
    assert events[-1]["metadata"]["usage"] == {"inputTokens": 11, "outputTokens": 22, "totalTokens": 33}


def test_reasoning_comes_first_in_its_own_block_then_its_signature(stand_in: FakeBedrock, client: Any) -> None:
    stand_in.script(Script(reasoning=["Let me ", "think."], redacted_reasoning=b"\x01secret", text=["Answer."]))

    events = stream(client)

    deltas = [
        (e["contentBlockDelta"]["contentBlockIndex"], e["contentBlockDelta"]["delta"])
        for e in events
        if "contentBlockDelta" in e
    ]
    assert deltas == [
        (0, {"reasoningContent": {"text": "Let me "}}),
        (0, {"reasoningContent": {"text": "think."}}),
        (0, {"reasoningContent": {"redactedContent": b"\x01secret"}}),
        (0, {"reasoningContent": {"signature": "stand-in-signature"}}),
        (1, {"text": "Answer."}),
    ]
    assert [e["contentBlockStop"]["contentBlockIndex"] for e in events if "contentBlockStop" in e] == [0, 1]


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"name": "has space"}, "ToolCall.name"),
        ({"name": "x" * 65}, "ToolCall.name"),
        ({"name": "ok", "input": '{"a": 1}'}, "fragments"),
    ],
)
def test_a_tool_call_that_bedrock_could_not_send_is_refused_by_name(fields: dict[str, Any], named: str) -> None:
    with pytest.raises((ValueError, TypeError), match=named):
        ToolCall(**fields)


def test_tool_calls_come_after_the_text_each_in_its_block_with_the_input_in_fragments(
    stand_in: FakeBedrock, client: Any
) -> None:
    stand_in.script(
        Script(
            text=["Let me look."],
            tool_calls=[
                ToolCall("get_weather", ['{"city": ', '"Paris"}'], tool_use_id="tooluse_paris"),
                ToolCall("get_time", ['{"zone": "CET"}']),
            ],
        )
    )

    events = stream(client)

    assert texts(events) == ["Let me look."]
    blocks = [
        (name, body.get("contentBlockIndex"), body.get("start") or body.get("delta"))
        for event in events
        for name, body in event.items()
        if name.startswith("contentBlock")
    ]
    assert blocks == [
        ("contentBlockDelta", 0, {"text": "Let me look."}),
        ("contentBlockStop", 0, None),
        ("contentBlockStart", 1, {"toolUse": {"toolUseId": "tooluse_paris", "name": "get_weather"}}),
        ("contentBlockDelta", 1, {"toolUse": {"input": '{"city": '}}),
        ("contentBlockDelta", 1, {"toolUse": {"input": '"Paris"}'}}),
        ("contentBlockStop", 1, None),
        ("contentBlockStart", 2, {"toolUse": {"toolUseId": "tooluse_1", "name": "get_time"}}),
        ("contentBlockDelta", 2, {"toolUse": {"input": '{"zone": "CET"}'}}),
        ("contentBlockStop", 2, None),
    ]
    assert {"messageStop": {"stopReason": "tool_use"}} in events


def test_a_request_with_images_tools_and_tool_results_is_accepted_and_summarized(
    stand_in: FakeBedrock, client: Any
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
    messages = [
        {
            "role": "user",
            "content": [{"text": "What is in it?"}, {"image": {"format": "png", "source": {"bytes": png}}}],
        },
        {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "look", "input": {}}}]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [{"text": "a red square"}]}}]},
    ]
    tools = {"tools": [{"toolSpec": {"name": "look", "inputSchema": {"json": {"type": "object"}}}}]}

    events = stream(client, messages=messages, toolConfig=tools)

    call = stand_in.calls[0]
    assert call.body["messages"][0]["content"][1]["image"]["source"]["bytes"] == base64.b64encode(png).decode()
    assert call.body["toolConfig"] == tools
    summary_text = "".join(texts(events))
    assert "3 message(s), 26 characters" in summary_text and '"a red square"' in summary_text


def test_count_sends_that_many_generated_deltas(stand_in: FakeBedrock, client: Any) -> None:
    stand_in.script(Script(count=5000))

    events = stream(client)

    assert texts(events) == [f"t{i} " for i in range(5000)]
    assert events[-1]["metadata"]["usage"]["outputTokens"] == 5000


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (429, "ThrottlingException"),
        (403, "AccessDeniedException"),
        (400, "ValidationException"),
        (503, "ServiceUnavailableException"),
        (429, "ModelNotReadyException"),
        (404, "ResourceNotFoundException"),
        (500, "InternalServerException"),
    ],
)
def test_fail_before_is_a_client_error_with_that_code_before_any_event(
    stand_in: FakeBedrock, client: Any, status: int, error_type: str
) -> None:
    stand_in.script(Script(fail_before=(status, error_type, "scripted refusal")))

    with pytest.raises(ClientError) as raised:
        client.converse_stream(modelId="m", messages=MESSAGES)

    assert raised.value.response["Error"] == {"Code": error_type, "Message": "scripted refusal"}
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert stand_in.calls[0].wait_ended().outcome == "refused"  # set just after the answer is written


def test_delay_first_holds_back_a_refusal_too(stand_in: FakeBedrock, client: Any) -> None:
    stand_in.script(Script(fail_before=(503, "ServiceUnavailableException", "later"), delay_first=0.3))
    started = time.monotonic()

    with pytest.raises(ClientError):
        client.converse_stream(modelId="m", messages=MESSAGES)

    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("exception_type", sorted(STREAM_EXCEPTIONS))
def test_fail_after_raises_event_stream_error_with_the_member_name_as_code(
    stand_in: FakeBedrock, client: Any, exception_type: str
) -> None:
    stand_in.script(Script(text=["one ", "two ", "three"], fail_after=2, exception=(exception_type, "mid-stream")))
    received: list[dict[str, Any]] = []

    with pytest.raises(EventStreamError) as raised:
        for event in client.converse_stream(modelId="m", messages=MESSAGES)["stream"]:
            received.append(event)

    assert raised.value.response["Error"] == {"Code": exception_type, "Message": "mid-stream"}
    assert texts(received) == ["one ", "two "]
    assert stand_in.calls[0].wait_ended().outcome == "exception"


def test_cut_after_drops_the_connection_and_urllib3_reports_a_protocol_error(
    stand_in: FakeBedrock, client: Any
) -> None:
    stand_in.script(Script(text=["one ", "two ", "three"], cut_after=1))
    received: list[dict[str, Any]] = []

    with pytest.raises(urllib3.exceptions.ProtocolError):
        for event in client.converse_stream(modelId="m", messages=MESSAGES)["stream"]:
            received.append(event)

    assert texts(received) == ["one "]
    assert not any("messageStop" in e for e in received)
    assert stand_in.calls[0].wait_ended().outcome == "cut"


def test_each_event_is_sent_when_it_happens_not_buffered(stand_in: FakeBedrock, client: Any) -> None:
    stand_in.script(Script(text=["a", "b", "c"], delay_first=0.2, delay_between=0.1, pause_after=2, pause_seconds=0.4))
    started = time.monotonic()

    response = client.converse_stream(modelId="m", messages=MESSAGES)
    headers_at = time.monotonic() - started
    arrivals = [(next(iter(event)), time.monotonic() - started) for event in response["stream"]]

    assert headers_at < 0.15  # the HTTP headers do not wait for the first event
    at = dict(reversed(arrivals))  # first arrival of each kind
    assert 0.2 <= at["messageStart"] < 0.3
    deltas = [t for name, t in arrivals if name == "contentBlockDelta"]
    assert deltas[1] - deltas[0] == pytest.approx(0.1, abs=0.05)
    assert deltas[2] - deltas[1] == pytest.approx(0.5, abs=0.05)  # delay_between + the pause after 2 deltas


def test_a_pause_longer_than_the_read_timeout_times_the_client_out(stand_in: FakeBedrock) -> None:
    impatient = boto3.client(
        "bedrock-runtime",
        endpoint_url=stand_in.url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}, read_timeout=0.3),
    )
    stand_in.script(Script(text=["a", "b"], pause_after=1, pause_seconds=5))

    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        list(impatient.converse_stream(modelId="m", messages=MESSAGES)["stream"])

    impatient.close()
    assert stand_in.wait_for_disconnect(timeout=2).events_sent == 2  # messageStart and "a", then it waited


def test_scripts_answer_in_order_then_the_default(stand_in: FakeBedrock, client: Any) -> None:
    stand_in.script(Script(text=["first"]), Script(text=["second"]))

    answers = ["".join(texts(stream(client))) for _ in range(3)]

    assert answers[:2] == ["first", "second"]
    assert answers[2].startswith("[local stand-in model, not Amazon Bedrock]")


# --- what the stand-in records --------------------------------------------------------------------


def test_every_request_is_recorded_with_its_model_id_and_body(stand_in: FakeBedrock, client: Any) -> None:
    model_id = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet:0"

    stream(client, model_id=model_id, system=[{"text": "Be brief."}], inferenceConfig={"maxTokens": 7})

    [call] = stand_in.calls
    assert call.model_id == model_id
    assert call.body == {"messages": MESSAGES, "system": [{"text": "Be brief."}], "inferenceConfig": {"maxTokens": 7}}
    assert call.wait_ended().outcome == "complete"
    assert call.events_sent == call.events_planned == 7 + 4


def test_a_client_that_closes_the_stream_early_is_recorded_as_gone(stand_in: FakeBedrock, client: Any) -> None:
    stand_in.script(Script(count=200, delay_between=0.02))
    events = client.converse_stream(modelId="m", messages=MESSAGES)["stream"]

    for _, _event in zip(range(3), events, strict=False):
        pass
    events.close()

    gone = stand_in.wait_for_disconnect(timeout=2)
    assert gone.disconnected
    assert 3 <= gone.events_sent < gone.events_planned == 200 + 4


def test_waiting_for_a_disconnect_that_never_comes_says_what_happened(stand_in: FakeBedrock, client: Any) -> None:
    stream(client)

    with pytest.raises(TimeoutError, match=r"complete \(\d+/\d+ events\)"):
        stand_in.wait_for_disconnect(timeout=0.1)


def test_twenty_paused_streams_proceed_in_parallel(stand_in: FakeBedrock, client: Any) -> None:
    stand_in.script(*[Script(text=["x", "y"], pause_after=1, pause_seconds=1) for _ in range(20)])
    results: list[str] = []
    started = time.monotonic()

    threads = [threading.Thread(target=lambda: results.append("".join(texts(stream(client))))) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)

    assert results == ["xy"] * 20
    assert time.monotonic() - started < 5  # one after another would take 20 s


def test_stop_ends_a_stream_in_progress_at_once() -> None:
    stand_in = FakeBedrock(default=Script(text=["a"], delay_first=30)).start()
    connection = http.client.HTTPConnection("127.0.0.1", int(stand_in.url.rsplit(":", 1)[1]), timeout=5)
    connection.request("POST", "/model/m/converse-stream", body=json.dumps({"messages": MESSAGES}))
    assert connection.getresponse().status == 200
    [call] = stand_in.wait_for_calls(1)

    started = time.monotonic()
    stand_in.stop()

    assert call.wait_ended(timeout=2).outcome == "stopped"
    assert time.monotonic() - started < 2
    connection.close()


def test_a_plan_is_the_wire_form_of_its_script() -> None:
    answer = plan(Script(text=["a"], delay_first=0.5, delay_between=0.25), {"messages": MESSAGES}, "m")

    assert [delay for delay, _ in answer.events] == [0.5, 0.25, 0.25, 0.25, 0.25]
    kinds = [decode(message)[0].headers[":event-type"] for _, message in answer.events]
    assert kinds == ["messageStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"]
    metadata = json.loads(decode(answer.events[-1][1])[0].payload)
    assert metadata["metrics"] == {"latencyMs": 1500}
    assert answer.ending == "complete"


def test_the_frame_layout_is_awss_prelude_then_headers_then_payload() -> None:
    message = encode_message({":event-type": "x"}, b"{}")

    total, headers_length = struct.unpack("!II", message[:8])
    assert total == len(message)
    assert message[12 : 12 + headers_length] == b"\x0b:event-type\x07\x00\x01x"
    assert message[12 + headers_length : -4] == b"{}"
