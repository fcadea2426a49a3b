"""The hand-over from the Bedrock worker thread to the event loop, on its own.

A fast stream must arrive whole, in order, however its events fall into batches: an early
version read a wake-up left over from items already taken as "the deadline passed" and cut
fast answers short with stop_reason time_limit. The stand-in runs in a process of its own
here, as Bedrock is remote: in this process it would compete for the GIL and slow the
worker down enough to hide the race.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest
from support import ROOT

import bedrock
from answer import Answer, Done
from bedrock import TextDelta
from config import Settings
from request import InferenceRequest, Message

DELTAS = 5000


@pytest.fixture(scope="module")
def remote_stand_in():
    process = subprocess.Popen(
        [sys.executable, "-m", "local.fake_bedrock", "--script", f'{{"count": {DELTAS}}}'],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        yield process.stdout.readline().split()[-1]  # "... ConverseStream stand-in at <url>"
    finally:
        process.terminate()
        process.wait(10)


def test_five_thousand_fast_deltas_arrive_whole_and_in_order(remote_stand_in):
    client = bedrock.make_client(Settings().budget, endpoint_url=remote_stand_in)
    request = InferenceRequest(messages=(Message(role="user", content="go"),), max_tokens=10)

    async def read_all() -> tuple[str, object]:
        answer = await Answer.open(client, request, "m", asyncio.get_running_loop().time() + 60)
        assert isinstance(answer, Answer), answer
        text, final = [], None
        async for batch in answer.batches():  # a consumer with work to do per batch, as the app's
            time.sleep(0.0002)  # writer has: the worker keeps pushing (and waking) meanwhile
            for item in batch:
                if isinstance(item, TextDelta):
                    text.append(item.text)
                else:
                    final = item
        return "".join(text), final

    for _ in range(5):
        text, final = asyncio.run(read_all())
        assert isinstance(final, Done) and final.stop_reason == "end_turn" and final.usage is not None
        assert text == "".join(f"t{i} " for i in range(DELTAS))
