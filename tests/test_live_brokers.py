"""Live events between replicas, over the real Redis and PostgreSQL: two hubs in this process on
brokers of one kind, and two `cip-graph serve` processes sharing a database and a broker."""

import asyncio
import itertools
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis.asyncio as redis
from sqlalchemy import insert, text
from websockets.asyncio.client import connect

from app.broker import ListeningBroker, PostgresBroker, RedisBroker
from models import Event as EventRow
from models import metadata
from models.db import Database
from models.enums import EventKind
from resolvers.event import Event, Hub, Stream, Subscriber
from resolvers.ids import to_global_id
from tests.conftest import (
    POSTGRESQL_REQUIRED,
    POSTGRESQL_URL,
    SERVER_URL,
    TEST_SETTINGS,
    _free_port,
    _on_server,
)
from tests.live import TRANSPORT_WS, WAIT, Socket, bearer, eventually
from tests.world import NOW, build

REDIS_URL = "redis://127.0.0.1:6379/0"
BROKERS = ["redis", "postgresql"]
QUEUE_SIZE = 100
STRANGER = 3
STRANGER_ID = to_global_id("Profile", STRANGER)
IDEA_ID = to_global_id("Idea", 1)
INVITE_ID = to_global_id("Invite", 1)
INVITE_EVENTS = """subscription($since: DateTime) {
  inviteEvents(since: $since) { kind invite { id sender { displayName } } }
}"""
SEND = """mutation($r: ID!, $i: ID!) {
  sendInvite(input: {recipientId: $r, ideaId: $i}) { invite { id } errors { code message } }
}"""
_channels = itertools.count()


def unique_channel() -> str:
    """A channel of this test's own, so runs sharing the servers never hear each other."""
    return f"cip_test_{os.getpid()}_{next(_channels)}"


async def reachable(kind: str) -> str:
    """The broker server's URL; the test is skipped when it is down, unless CI requires it."""
    if kind == "postgresql":
        await _on_server()
        return SERVER_URL
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        await client.ping()
    except (OSError, redis.RedisError) as error:
        if POSTGRESQL_REQUIRED:
            pytest.fail(f"Redis is not reachable at {REDIS_URL} ({error}) and CIP_TEST_REQUIRE_POSTGRESQL=1")
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error})")
    finally:
        await client.aclose()
    return REDIS_URL


def open_broker(kind: str, url: str, channel: str) -> ListeningBroker:
    if kind == "redis":
        # Named after its channel, so a test can pick its listening connection out of the server's clients.
        return RedisBroker(f"{url}?client_name={channel}", channel)
    return PostgresBroker(url, channel)


@dataclass
class Replicas:
    """Two replicas' hubs in this process, each on a broker of its own; the brokers share a channel."""

    kind: str
    url: str
    channel: str
    hubs: tuple[Hub, Hub]
    brokers: tuple[ListeningBroker, ListeningBroker]

    async def publish_raw(self, message: str | bytes) -> None:
        """Straight onto the channel, past every hub."""
        if self.kind == "redis":
            async with redis.Redis.from_url(self.url) as client:
                await client.publish(self.channel, message)
            return
        connection = await asyncpg.connect(self.url)
        try:
            await connection.execute("SELECT pg_notify($1, $2)", self.channel, message)
        finally:
            await connection.close()

    async def kill_listening_connections(self) -> int:
        """Ends the brokers' listening connections from the server's side; how many it ended."""
        if self.kind == "redis":
            async with redis.Redis.from_url(self.url) as client:
                listeners = await client.client_list(_type="pubsub")
                return sum(
                    [
                        await client.client_kill_filter(_id=listener["id"])
                        for listener in listeners
                        if listener["name"] == self.channel
                    ]
                )
        connection = await asyncpg.connect(self.url)
        try:
            killed = await connection.fetch(
                """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND query LIKE 'LISTEN %'
                AND strpos(query, '"' || $1 || '"') > 0""",
                self.channel,
            )
        finally:
            await connection.close()
        return len(killed)

    async def redis_subscriptions(self) -> int:
        """How many connections Redis counts as subscribed to the channel."""
        async with redis.Redis.from_url(self.url) as client:
            ((_, count),) = await client.pubsub_numsub(self.channel)
        return int(count)


@pytest.fixture(params=BROKERS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def replicas(kind: str) -> AsyncIterator[Replicas]:
    url = await reachable(kind)
    channel = unique_channel()
    brokers = (open_broker(kind, url, channel), open_broker(kind, url, channel))
    hubs = (Hub(brokers[0], QUEUE_SIZE), Hub(brokers[1], QUEUE_SIZE))
    async with AsyncExitStack() as stack:
        for hub in hubs:
            stack.push_async_callback(hub.close)
            await hub.broker.start()
        yield Replicas(kind, url, channel, hubs, brokers)


def invite_received(key: int) -> Event:
    return Event(key, EventKind.INVITE_RECEIVED, datetime.now(UTC), frozenset({STRANGER}), invite_id=key)


async def received(subscriber: Subscriber) -> Event:
    return await asyncio.wait_for(subscriber.next(), WAIT)


async def reconnection(broker: ListeningBroker) -> None:
    """The broker notices the loss (it stops listening), then listens again."""
    await eventually(lambda: not broker.listening.is_set())
    await asyncio.wait_for(broker.listening.wait(), WAIT)


async def settles(probe: Callable[[], Awaitable[int]], expected: int) -> None:
    """Polls a count the server keeps, which changes on the server's own time, until it is `expected`."""
    deadline = time.monotonic() + WAIT
    while (value := await probe()) != expected:
        assert time.monotonic() < deadline, f"the count is still {value}, not {expected}"
        await asyncio.sleep(0.01)


async def test_an_event_reaches_every_replica_the_publishers_own_included(replicas: Replicas):
    publisher, other = replicas.hubs
    event = invite_received(1)
    with publisher.subscribe(Stream(STRANGER)) as here, other.subscribe(Stream(STRANGER)) as there:
        await publisher.publish([event])

        assert await received(there) == event
        assert await received(here) == event


JUNK = {
    "not-json": "not an event",
    "not-an-event": '{"id": 1, "kind": "BOGUS"}',
    "deeply-nested": "[" * 5_000,
}


@pytest.mark.parametrize(
    ("kind", "junk"),
    [pytest.param(kind, junk, id=f"{kind}-{name}") for kind in BROKERS for name, junk in JUNK.items()]
    + [pytest.param("redis", b"\xff\xfe", id="redis-not-utf-8")],
)
async def test_a_message_that_is_not_an_event_is_ignored(
    replicas: Replicas, junk: str | bytes, caplog: pytest.LogCaptureFixture
):
    publisher, other = replicas.hubs
    event = invite_received(1)
    with publisher.subscribe(Stream(STRANGER)) as here, other.subscribe(Stream(STRANGER)) as there:
        await replicas.publish_raw(junk)
        await publisher.publish([event])

        assert await received(there) == event
        assert await received(here) == event
    assert caplog.messages.count("Ignored a malformed message on the event channel") == 2


async def test_a_replica_whose_connection_is_killed_reconnects_and_delivers_again(replicas: Replicas):
    publisher, other = replicas.hubs

    assert await replicas.kill_listening_connections() == 2
    await asyncio.gather(*(reconnection(broker) for broker in replicas.brokers))

    event = invite_received(1)
    with publisher.subscribe(Stream(STRANGER)) as here, other.subscribe(Stream(STRANGER)) as there:
        await publisher.publish([event])

        assert await received(there) == event
        assert await received(here) == event


@pytest.mark.parametrize("kind", ["redis"])
async def test_subscribers_cost_redis_nothing_it_holds_one_subscription_per_replica(replicas: Replicas):
    crowded, _ = replicas.hubs
    with ExitStack() as stack:
        for profile_id in range(50):
            stack.enter_context(crowded.subscribe(Stream(profile_id)))
        assert crowded.subscriber_count == 50

        await settles(replicas.redis_subscriptions, 2)
        for hub in replicas.hubs:
            await hub.close()
        await settles(replicas.redis_subscriptions, 0)


@pytest.mark.parametrize(
    ("kind", "url"), [("redis", "redis://127.0.0.1:1/0"), ("postgresql", "postgresql://127.0.0.1:1/x")]
)
async def test_a_broker_that_cannot_be_reached_stops_the_start_saying_so(
    kind: str, url: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("app.broker.CONNECT_TIMEOUT", 1.0)
    broker = open_broker(kind, url, unique_channel())
    try:
        with pytest.raises(RuntimeError, match="The broker at CIP_BROKER_URL could not be reached"):
            await broker.start()
    finally:
        await broker.close()


@dataclass(frozen=True)
class Deployment:
    """Base URLs of two `cip-graph serve` processes sharing one PostgreSQL database and one broker."""

    first: str
    second: str
    database_url: str


def _logs(folder: Path) -> str:
    return "\n".join(f"--- {log.name}:\n{log.read_text()}" for log in sorted(folder.glob("*.log")))


async def _wait_until_ready(url: str, process: asyncio.subprocess.Process, logs: Path) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=url, timeout=1) as http:
        while True:
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if process.returncode is not None or time.monotonic() > deadline:
                pytest.fail(f"cip-graph serve at {url} did not become ready:\n{_logs(logs)}")
            await asyncio.sleep(0.1)


@asynccontextmanager
async def serving(name: str, environment: dict[str, str], logs: Path) -> AsyncIterator[str]:
    """`cip-graph serve` on a free port, ready (so migrated); stopped when the block ends."""
    port = _free_port()
    with (logs / f"{name}.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app",
            "serve",
            "--port",
            str(port),
            env=environment,
            cwd=Path(__file__).parent.parent,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        await _wait_until_ready(url, process, logs)
        yield url
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), 15)


@pytest.fixture(scope="module", params=BROKERS)
async def processes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Deployment]:
    kind = str(request.param)
    broker_url = await reachable(kind)
    name = f"cip_test_replicas_{kind}_{os.getpid()}"
    await _on_server(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    database_url = POSTGRESQL_URL.rsplit("/", 1)[0] + f"/{name}"
    assert TEST_SETTINGS.jwt_secret is not None
    environment = {
        **os.environ,
        "CIP_DATABASE_URL": database_url,
        "CIP_DEMO_DATA": "false",
        "CIP_JWT_SECRET": TEST_SETTINGS.jwt_secret.get_secret_value(),
        "CIP_BROKER_URL": broker_url,
        "CIP_BROKER_CHANNEL": unique_channel(),
        "CIP_LOG_LEVEL": "warning",
    }
    logs = tmp_path_factory.mktemp(f"replicas-{kind}")
    try:
        async with (
            serving("first", environment, logs) as first,
            serving("second", environment, logs) as second,
        ):
            yield Deployment(first, second, database_url)
    finally:
        await _on_server(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture
async def deployment(processes: Deployment) -> Deployment:
    """The processes over the small world of tests.world, built afresh for this test, where the
    stranger's receipt of invite 1 is stored as an event too (for `following_invites` to replay)."""
    database = Database(processes.database_url)
    try:
        async with database.engine.begin() as connection:
            names = ", ".join(table.name for table in metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        await build(database)
        async with database.engine.begin() as connection:
            await connection.execute(
                insert(EventRow).values(
                    kind=EventKind.INVITE_RECEIVED, occurred_at=NOW, audience_id=STRANGER, invite_id=1
                )
            )
    finally:
        await database.dispose()
    return processes


def invite_event(kind: str, invite_id: str, sender: str) -> dict[str, Any]:
    return {
        "data": {
            "inviteEvents": {"kind": kind, "invite": {"id": invite_id, "sender": {"displayName": sender}}}
        }
    }


@asynccontextmanager
async def following_invites(url: str, name: str) -> AsyncIterator[Socket]:
    """`name` on a WebSocket to that process, subscribed to inviteEvents as "1". The stored receipt
    of invite 1 is replayed first; a subscription registers with the hub before it replays, so once
    the replay is in, nothing sent later can slip past the subscription."""
    async with connect(
        url.replace("http://", "ws://") + "/graphql", subprotocols=[TRANSPORT_WS], open_timeout=WAIT
    ) as connection:
        socket = Socket(connection)
        ack = await socket.init({"Authorization": bearer(name)})
        assert ack["type"] == "connection_ack", ack
        await socket.subscribe("1", INVITE_EVENTS, {"since": (NOW - timedelta(seconds=1)).isoformat()})
        assert await socket.next("1") == invite_event("INVITE_RECEIVED", INVITE_ID, "Owner")
        yield socket


async def send_invite(url: str, sender: str) -> dict[str, Any]:
    """`sender` invites the stranger to the published idea, over HTTP to that process."""
    async with httpx.AsyncClient(base_url=url, timeout=WAIT) as http:
        response = await http.post(
            "/graphql",
            json={"query": SEND, "variables": {"r": STRANGER_ID, "i": IDEA_ID}},
            headers={"Authorization": bearer(sender)},
        )
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["data"]["sendInvite"]
    return payload


async def test_an_invitation_sent_through_one_process_reaches_its_recipient_on_the_other_within_a_second(
    deployment: Deployment,
):
    async with following_invites(deployment.second, "stranger") as stranger:
        started = time.monotonic()
        sent = await send_invite(deployment.first, "partner")
        event = await stranger.next("1")
        elapsed = time.monotonic() - started

    assert sent["errors"] == []
    assert event == invite_event("INVITE_RECEIVED", sent["invite"]["id"], "Partner")
    assert elapsed < 1.0


async def test_a_refused_invitation_reaches_no_process_and_the_next_one_still_does(deployment: Deployment):
    async with following_invites(deployment.second, "stranger") as stranger:
        refused = await send_invite(deployment.first, "owner")
        assert [error["code"] for error in refused["errors"]] == ["CONFLICT"]
        await stranger.quiet(0.5)

        sent = await send_invite(deployment.first, "partner")
        event = await stranger.next("1")

    assert event == invite_event("INVITE_RECEIVED", sent["invite"]["id"], "Partner")
