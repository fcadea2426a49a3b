"""Fixtures of the app tests. Importing support first fixes the environment."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from config import Settings
from tests.support.app import FakeBedrock, LogCapture, captured_logs, make_test_client


@pytest.fixture(scope="session")
def shared_stand_in() -> Iterator[FakeBedrock]:
    with FakeBedrock() as stand_in:
        yield stand_in


@pytest.fixture
def stand_in(shared_stand_in: FakeBedrock) -> Iterator[FakeBedrock]:
    """The stand-in model, with no calls recorded and nothing scripted."""
    shared_stand_in.reset()
    yield shared_stand_in
    shared_stand_in.reset()


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def client(stand_in: FakeBedrock, settings: Settings) -> Iterator[TestClient]:
    """The app with ``settings``, in-process over httpx, answering through the stand-in."""
    with make_test_client(stand_in, settings) as test_client:
        yield test_client


@pytest.fixture
def client_with(stand_in: FakeBedrock) -> Iterator[Callable[[Settings], TestClient]]:
    """``client_with(settings)``: the app with other settings, for one test."""
    opened: list[TestClient] = []

    def _make(settings: Settings) -> TestClient:
        test_client = make_test_client(stand_in, settings).__enter__()
        opened.append(test_client)
        return test_client

    yield _make
    for test_client in opened:
        test_client.__exit__(None, None, None)


@pytest.fixture
def logs() -> Iterator[LogCapture]:
    with captured_logs() as capture:
        yield capture
