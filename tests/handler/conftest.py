"""Fixtures of the handler tests. Importing handler_support first fixes the environment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from handler_support import LambdaContext, LogCapture, Reply, StubbedBedrock, reply

import bedrock
import handler
from config import Settings


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def bedrock_stub(settings: Settings) -> Iterator[StubbedBedrock]:
    """A fresh client per test (so a test's event hooks never leak); pending answers fail the test."""
    stub = StubbedBedrock(bedrock.make_client(settings.budget))
    stub.stubber.activate()
    yield stub
    try:
        stub.stubber.assert_no_pending_responses()
    finally:
        stub.close()


@pytest.fixture
def call(bedrock_stub: StubbedBedrock, settings: Settings):
    """``call(event, settings=...)`` → ``Reply``, through ``handler.handle`` with the stubbed client."""

    def _call(event: Any, settings_: Settings | None = None) -> Reply:
        try:
            return reply(handler.handle(event, LambdaContext(), bedrock_stub.client, settings_ or settings))
        finally:
            handler.metrics.clear_metrics()  # what lambda_handler's flush does after each invocation

    return _call


@pytest.fixture
def logs() -> Iterator[LogCapture]:
    capture = LogCapture()
    previous = handler.logger.registered_handler.setStream(capture.stream)
    yield capture
    handler.logger.registered_handler.setStream(previous)
