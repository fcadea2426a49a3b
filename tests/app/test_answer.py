"""answer.py on its own: how an answer opens, reads its batches against the deadline, ends, and
is gathered whole, with the relay and the clock replaced by scripted ones.

The relay's contract (relay.py, tested in test_relay.py): ``Opened`` or ``Failed`` first, then
stream events, then ``Ended`` or ``Failed``; ``[]`` means the time given ran out. Here each
batch the relay hands over is scripted, so every timeout the answer asks for, every item it
passes on and the one final item it ends with can be pinned exactly.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import pytest

import answer as answer_module
from answer import TIME_LIMIT, Answer, Done, Gathered, ToolCall, gather
from bedrock import ReasoningDelta, Stopped, TextDelta, ToolUseInput, ToolUseStart, Usage
from errors import ApiError
from relay import Ended, Failed, Opened

MODEL = "eu.anthropic.claude-test-model"
ARGUMENTS = {"modelId": MODEL, "messages": [{"role": "user", "content": [{"text": "hi"}]}]}


class Clock:
    """Stands in for the ``time`` module in answer.py: ``monotonic()`` reads ``now``."""

    def __init__(self, now: float) -> None:
        self.now = now

    def monotonic(self) -> float:
        return self.now


class ScriptedRelay:
    """Stands in for ``relay.Relay``: hands over the scripted batches, then ``[]`` (time ran out).

    ``[]`` ends an answer, so asking again after it is a bug: it raises instead of looping.
    """

    made: ClassVar[list[ScriptedRelay]] = []
    script: ClassVar[list[list[Any]]] = []

    def __init__(self, call: Any, arguments: dict[str, Any], model_id: str) -> None:
        self.call, self.arguments, self.model_id = call, arguments, model_id
        self.batches = list(ScriptedRelay.script)
        self.timeouts: list[float] = []
        self.closed = 0
        self.timed_out = False
        ScriptedRelay.made.append(self)

    async def next_batch(self, timeout: float) -> list[Any]:
        assert not self.timed_out, "asked for more after the time ran out"
        self.timeouts.append(timeout)
        if self.batches:
            return self.batches.pop(0)
        self.timed_out = True
        return []

    def close(self) -> None:
        self.closed += 1


class Client:
    def converse_stream(self, **_: Any) -> dict[str, Any]:
        raise AssertionError("the scripted relay makes no call")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(100.0)
    monkeypatch.setattr(answer_module, "time", clock)
    return clock


@pytest.fixture
def relay_script(monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    """The batches the next relay hands over; the relays made are in ``ScriptedRelay.made``."""
    monkeypatch.setattr(answer_module, "Relay", ScriptedRelay)
    ScriptedRelay.made = []
    ScriptedRelay.script = []
    return ScriptedRelay.script


def opened(client: Client, deadline: float = 130.0) -> Answer | ApiError:
    return asyncio.run(Answer.open(client, ARGUMENTS, MODEL, deadline))


async def read_all(answer: Answer) -> list[list[Any]]:
    return [batch async for batch in answer.batches()]


def batches_of(script: list[list[Any]], deadline: float = 130.0) -> tuple[list[list[Any]], ScriptedRelay]:
    relay = ScriptedRelay(None, {}, MODEL)
    relay.batches = list(script)
    answer = Answer(relay, deadline, [], started_at=100.0)  # type: ignore[arg-type]
    return asyncio.run(read_all(answer)), relay


# ------------------------------------------------------------------ opening


def test_open_starts_the_call_and_waits_for_its_first_event_until_the_deadline(clock, relay_script):
    client = Client()
    relay_script.append([Opened()])
    answer = opened(client, deadline=130.0)
    [relay] = ScriptedRelay.made
    assert (relay.call, relay.arguments, relay.model_id) == (client.converse_stream, ARGUMENTS, MODEL)
    assert relay.timeouts == [30.0]  # the deadline, less the time now
    assert isinstance(answer, Answer)
    assert answer.started_at == 100.0
    assert relay.closed == 0


def test_a_model_silent_until_the_deadline_is_a_model_timeout_and_the_call_is_closed(clock, relay_script):
    assert opened(Client()) == ApiError("model_timeout", "the model did not start answering before the deadline")
    [relay] = ScriptedRelay.made
    assert relay.closed == 1


def test_a_refusal_before_the_first_event_is_that_refusal(clock, relay_script):
    relay_script.append([Failed(ApiError("throttled", internal="ThrottlingException"))])
    assert opened(Client()) == ApiError("throttled", internal="ThrottlingException")


def test_what_came_with_the_first_event_is_the_first_batch_read(clock, relay_script):
    relay_script.extend([[Opened(), TextDelta("Hel"), TextDelta("lo")], [Stopped("end_turn"), Usage(3, 2), Ended()]])
    answer = opened(Client())
    assert isinstance(answer, Answer)
    assert asyncio.run(read_all(answer)) == [[TextDelta("Hel"), TextDelta("lo")], [Done("end_turn", Usage(3, 2))]]
    [relay] = ScriptedRelay.made
    assert relay.timeouts == [30.0, 30.0]  # the pending items were read without waiting for more


# ------------------------------------------------------------------ reading


def test_each_wait_is_for_what_is_left_until_the_deadline(clock, relay_script):
    relay_script.extend([[Opened()], [TextDelta("a")], [Stopped("end_turn"), Ended()]])
    answer = opened(Client(), deadline=130.0)
    assert isinstance(answer, Answer)
    clock.now = 110.0
    assert asyncio.run(read_all(answer)) == [[TextDelta("a")], [Done("end_turn", None)]]
    [relay] = ScriptedRelay.made
    assert relay.timeouts == [30.0, 20.0, 20.0]


def test_the_deadline_passing_with_nothing_new_ends_the_answer_with_time_limit_and_no_usage(clock):
    batches, relay = batches_of([[TextDelta("so far")]])
    assert batches == [[TextDelta("so far")], [Done("time_limit", None)]]
    assert TIME_LIMIT == "time_limit"
    assert relay.closed == 1


def test_the_stop_reason_and_usage_ride_on_the_final_done_not_as_items(clock):
    script = [[TextDelta("a"), Stopped("max_tokens")], [Usage(12, 34), Ended()]]
    assert batches_of(script)[0] == [[TextDelta("a")], [Done("max_tokens", Usage(12, 34))]]


@pytest.mark.parametrize(
    ("script", "final"),
    [
        ([[Usage(1, 2), Ended()]], Done("unknown", Usage(1, 2))),  # no messageStop
        ([[Stopped("end_turn"), Ended()]], Done("end_turn", None)),  # no metadata
        ([[Ended()]], Done("unknown", None)),
    ],
    ids=["no stop reason", "no usage", "neither"],
)
def test_what_bedrock_did_not_say_is_unknown_or_none(clock, script, final):
    assert batches_of(script)[0] == [[final]]


def test_reasoning_and_tool_calls_pass_through_in_order(clock):
    items = [ReasoningDelta("think"), ToolUseStart(1, "t-1", "f"), ToolUseInput(1, "{}"), TextDelta("ok")]
    batches, relay = batches_of([items, [Ended()]])
    assert batches == [items, [Done("unknown", None)]]
    assert relay.closed == 1


def test_a_failure_mid_stream_ends_the_answer_after_what_came_before_it(clock):
    error = ApiError("model_error", internal="modelStreamErrorException")
    batches, relay = batches_of([[TextDelta("a")], [TextDelta("b"), Failed(error), TextDelta("never")]])
    assert batches == [[TextDelta("a")], [TextDelta("b"), Failed(error)]]
    assert relay.closed == 1


def test_a_reader_that_stops_early_closes_the_call(clock):
    relay = ScriptedRelay(None, {}, MODEL)
    relay.batches = [[TextDelta("a")], [TextDelta("b")]]
    answer = Answer(relay, 130.0, [], started_at=100.0)  # type: ignore[arg-type]

    async def first_then_leave() -> list[Any]:
        batches = answer.batches()
        first = await anext(batches)
        await batches.aclose()
        return first

    assert asyncio.run(first_then_leave()) == [TextDelta("a")]
    assert relay.closed == 1


def test_the_timings_count_from_the_call_to_the_first_text_and_to_now(clock, relay_script):
    relay_script.extend([[Opened(), ReasoningDelta("think")], [TextDelta("a")], [TextDelta("b")], [Ended()]])
    answer = opened(Client())
    assert isinstance(answer, Answer)
    assert answer.first_text_ms is None  # no text yet

    async def read() -> None:
        batches = answer.batches()
        clock.now = 100.125
        await anext(batches)  # reasoning is not answer text
        assert answer.first_text_ms is None
        await anext(batches)  # the first text
        clock.now = 101.0
        await anext(batches)  # a later text does not move it
        await batches.aclose()

    asyncio.run(read())
    assert answer.first_text_ms == 125.0
    clock.now = 102.5
    assert answer.bedrock_ms == 2500.0


# ------------------------------------------------------------------ gathering


def gathered(script: list[list[Any]]) -> Gathered:
    relay = ScriptedRelay(None, {}, MODEL)
    relay.batches = list(script)
    return asyncio.run(gather(Answer(relay, 130.0, [], started_at=100.0)))  # type: ignore[arg-type]


def test_gather_joins_the_text_and_the_reasoning_apart():
    script = [
        [ReasoningDelta("Let me "), ReasoningDelta("think.")],
        [TextDelta("Bedrock is "), TextDelta("a service.")],
        [Stopped("end_turn"), Usage(5, 6), Ended()],
    ]
    assert gathered(script) == Gathered("Bedrock is a service.", "Let me think.", (), Done("end_turn", Usage(5, 6)))


def test_gather_joins_each_tool_calls_input_by_its_block_in_the_order_the_calls_began():
    script = [
        [ToolUseStart(2, "t-b", "second"), ToolUseStart(1, "t-a", "first")],
        [ToolUseInput(1, '{"x": '), ToolUseInput(2, '{"y": 2}'), ToolUseInput(1, "1}")],
        [ToolUseInput(7, "a block no call began"), Stopped("tool_use"), Ended()],
    ]
    assert gathered(script) == Gathered(
        "",
        "",
        (ToolCall("t-b", "second", '{"y": 2}'), ToolCall("t-a", "first", '{"x": 1}')),
        Done("tool_use", None),
    )


def test_gather_keeps_the_text_so_far_and_the_failure_that_ended_it():
    error = ApiError("model_error")
    assert gathered([[TextDelta("Bed"), TextDelta("rock")], [Failed(error)]]) == Gathered(
        "Bedrock", "", (), Failed(error)
    )


def test_gather_of_an_answer_the_deadline_ended_has_time_limit():
    assert gathered([[TextDelta("so far")]]) == Gathered("so far", "", (), Done(TIME_LIMIT, None))
