"""The event hub itself: published only after commit, and a seam between replay and live events
with neither gap nor duplicate."""

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from app.broker import InProcessBroker
from app.context import build_context
from models import Event as EventRow
from models.db import Database
from models.enums import EventKind
from resolvers.change import Change
from resolvers.errors import ErrorCode, reject
from resolvers.event import Event, Hub, Stream, events_of, record_for_member
from resolvers.viewer import Identity
from schema.mutation import perform
from tests.conftest import TEST_SETTINGS
from tests.world import build, subject


def _received(key: int) -> Event:
    return Event(key, EventKind.INVITE_RECEIVED, datetime.now(UTC), frozenset({3}), invite_id=1)


async def _nothing_for(subscriber: Any) -> bool:
    try:
        await asyncio.wait_for(subscriber.next(), 0.2)
    except TimeoutError:
        return True
    return False


async def _perform_as_partner(database: Database, hub: Hub, refuse: bool) -> list[Any]:
    await build(database)
    context = await build_context(database, TEST_SETTINGS, hub, Identity(subject("partner")))

    async def work(change: Change) -> None:
        await record_for_member(change, EventKind.INVITE_RECEIVED, 3, 1)
        if refuse:
            raise reject(ErrorCode.CONFLICT, None, "Refused after the event was recorded.")

    try:
        _, errors = await perform(SimpleNamespace(context=context), work)  # type: ignore[arg-type]
    finally:
        await context.reader.close()
    return errors


async def _stored_events(database: Database) -> int:
    return int(await database.fetch_scalar(select(func.count()).select_from(EventRow)))


async def test_an_event_is_published_once_its_change_commits(database: Database):
    hub = Hub(InProcessBroker(), 10)
    with hub.subscribe(Stream(3)) as subscriber:
        errors = await _perform_as_partner(database, hub, refuse=False)

        event = await asyncio.wait_for(subscriber.next(), 1)

    assert (errors, event.kind, event.invite_id) == ([], EventKind.INVITE_RECEIVED, 1)
    assert await _stored_events(database) == 1


async def test_no_event_is_published_or_kept_for_a_change_rolled_back(database: Database):
    hub = Hub(InProcessBroker(), 10)
    with hub.subscribe(Stream(3)) as subscriber:
        errors = await _perform_as_partner(database, hub, refuse=True)

        assert await _nothing_for(subscriber)

    assert [error.code for error in errors] == [ErrorCode.CONFLICT]
    assert await _stored_events(database) == 0


async def test_an_event_both_replayed_and_live_is_delivered_once():
    hub = Hub(InProcessBroker(), 10)
    seam, later = _received(1), _received(2)

    async def stored() -> list[Event]:
        await hub.publish([seam])  # committed after the subscriber registered, before the read
        return [seam]

    stream = events_of(hub, Stream(3), stored)
    first = await anext(stream)
    await hub.publish([later])
    second = await anext(stream)
    await stream.aclose()

    assert [first.id, second.id] == [1, 2]
    assert hub.subscriber_count == 0


async def test_an_event_committed_while_replaying_is_not_missed():
    hub = Hub(InProcessBroker(), 10)
    old, meanwhile = _received(1), _received(2)

    async def stored() -> list[Event]:
        await hub.publish([meanwhile])  # committed after the database was read
        return [old]

    stream = events_of(hub, Stream(3), stored)
    received = [await anext(stream), await anext(stream)]
    await stream.aclose()

    assert [event.id for event in received] == [1, 2]


async def test_a_hub_never_delivers_another_members_event():
    hub = Hub(InProcessBroker(), 10)
    with hub.subscribe(Stream(2)) as other:
        await hub.publish([_received(1)])

        assert await _nothing_for(other)


@pytest.mark.parametrize(
    "message",
    ["not json", "{}", '{"id": "1"}', '{"id": 1, "kind": "NOPE", "occurredAt": "x", "audience": []}'],
)
async def test_a_message_that_is_not_an_event_is_ignored(message: str):
    hub = Hub(InProcessBroker(), 10)
    with hub.subscribe(Stream(3)) as subscriber:
        hub.deliver(message)
        await hub.publish([_received(7)])

        assert (await asyncio.wait_for(subscriber.next(), 1)).id == 7


def test_an_event_survives_its_journey_between_replicas():
    event = Event(9, EventKind.MEMBER_LEFT, datetime.now(UTC), frozenset({1, 2}), team_id=4, member_id=2)

    assert Event.decode(event.encode()) == event
