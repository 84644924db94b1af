"""Live events under strain: many subscriptions, slow and dead peers, and shutdown."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from websockets.client import ClientProtocol
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from app.broker import InProcessBroker
from app.settings import Settings
from models.db import Database
from models.enums import EventKind
from models.migrate import migrate
from resolvers.event import Event, Hub, Stream, StreamEnded
from tests.conftest import TEST_SETTINGS, _free_port
from tests.live import TRANSPORT_WS, WAIT, LiveServer, Socket, bearer, eventually
from tests.test_live_invites import SEND, STRANGER
from tests.world import build

PLAIN = "subscription { inviteEvents { kind } }"
SUBSCRIPTIONS = 1_000


def _received(event_id: int) -> Event:
    return Event(event_id, EventKind.INVITE_RECEIVED, datetime.now(UTC), frozenset({3}), invite_id=1)


async def _open(live: LiveServer, stack: AsyncExitStack, count: int) -> list[Socket]:
    return [await stack.enter_async_context(live.signed_in("stranger")) for _ in range(count)]


def _tasks() -> int:
    return len(asyncio.all_tasks())


async def test_a_thousand_subscriptions_closed_by_disconnecting_leave_nothing_behind(live: LiveServer):
    per_socket = TEST_SETTINGS.max_subscriptions_per_connection
    tasks_before = _tasks()
    async with AsyncExitStack() as stack:
        sockets = await _open(live, stack, SUBSCRIPTIONS // per_socket)
        for socket in sockets:
            for number in range(per_socket):
                await socket.subscribe(str(number), PLAIN)
        await eventually(lambda: live.hub.subscriber_count == SUBSCRIPTIONS)

    await eventually(lambda: live.hub.subscriber_count == 0)
    await eventually(lambda: _tasks() == tasks_before)
    assert live.database.engine.pool.checkedout() == 0


async def test_a_thousand_subscriptions_completed_one_by_one_leave_nothing_behind(live: LiveServer):
    async with live.signed_in("stranger") as stranger:
        tasks_before = _tasks()
        for number in range(SUBSCRIPTIONS):
            await stranger.subscribe(str(number), PLAIN)
            await stranger.send({"id": str(number), "type": "complete"})
        await eventually(lambda: live.hub.subscriber_count == 0)
        await eventually(lambda: _tasks() == tasks_before)

        await stranger.subscribe("last", PLAIN)
        await eventually(lambda: live.hub.subscriber_count == 1)
    assert live.database.engine.pool.checkedout() == 0


async def test_a_slow_subscriber_is_told_and_ended_while_the_others_keep_up():
    hub = Hub(InProcessBroker(), queue_size=5)
    with hub.subscribe(Stream(3)) as slow, hub.subscribe(Stream(3)) as keen:
        heard: list[int] = []

        async def read() -> None:
            while len(heard) < 20:
                heard.append((await keen.next()).id)

        reader = asyncio.create_task(read())
        for key in range(1, 21):
            await hub.publish([_received(key)])
            await asyncio.sleep(0)
        await asyncio.wait_for(reader, WAIT)

        backlog = [(await slow.next()).id for _ in range(5)]
        with pytest.raises(StreamEnded) as ended:
            await slow.next()

    assert heard == list(range(1, 21))
    assert backlog == [1, 2, 3, 4, 5]
    assert ended.value.code == "FELL_BEHIND"
    assert "since:" in str(ended.value)
    assert hub.subscriber_count == 0


class TestOverASocket:
    @pytest.fixture
    def live_settings(self) -> Settings:
        return TEST_SETTINGS.model_copy(update={"subscriber_queue_size": 2})

    async def test_a_subscriber_that_falls_behind_is_told_over_the_wire(self, live: LiveServer):
        async with live.signed_in("stranger") as stranger:
            await stranger.subscribe("1", PLAIN)
            await eventually(lambda: live.hub.subscriber_count == 1)
            await live.hub.publish([_received(key) for key in range(1, 11)])

            first, second, told = [await stranger.next("1") for _ in range(3)]
            completed = await stranger.receive()

        assert first == second == {"data": {"inviteEvents": {"kind": "INVITE_RECEIVED"}}}
        assert told["data"] is None
        assert told["errors"][0]["extensions"] == {"code": "FELL_BEHIND"}
        assert completed == {"id": "1", "type": "complete"}
        assert live.hub.subscriber_count == 0


class TestDeadPeers:
    @pytest.fixture
    def live_settings(self) -> Settings:
        return TEST_SETTINGS.model_copy(update={"ws_ping_interval": 0.2, "ws_ping_timeout": 0.2})

    async def test_the_server_finds_a_peer_that_stopped_answering_its_pings(self, live: LiveServer):
        """A client whose network vanished: it never reads again, so it never answers a ping."""
        protocol = ClientProtocol(parse_uri(live.ws_url), subprotocols=[Subprotocol(TRANSPORT_WS)])
        port = int(live.url.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)

        async def exchange() -> None:
            writer.write(b"".join(protocol.data_to_send()))
            protocol.receive_data(await reader.read(65536))
            assert protocol.events_received()

        protocol.send_request(protocol.connect())
        await exchange()
        protocol.send_text(
            json.dumps({"type": "connection_init", "payload": {"Authorization": bearer("stranger")}}).encode()
        )
        await exchange()
        protocol.send_text(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": PLAIN}}).encode())
        writer.write(b"".join(protocol.data_to_send()))

        await eventually(lambda: live.hub.subscriber_count == 1)
        started = time.monotonic()
        await eventually(lambda: live.hub.subscriber_count == 0)

        assert time.monotonic() - started < 2.0
        writer.close()


@pytest.fixture
async def serve_process(tmp_path: Path) -> AsyncIterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """`cip-graph serve` on SQLite with the small world of tests.world."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cip.db'}"
    database = Database(url)
    await migrate(database)
    await build(database)
    await database.dispose()
    port = _free_port()
    log = tmp_path / "server.log"
    environment = {
        **os.environ,
        "CIP_DATABASE_URL": url,
        "CIP_DEMO_DATA": "false",
        "CIP_JWT_SECRET": TEST_SETTINGS.jwt_secret.get_secret_value() if TEST_SETTINGS.jwt_secret else "",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: ASYNC220 - starting it is instant; the test then awaits it
            [sys.executable, "-m", "app", "serve", "--port", str(port)],
            env=environment,
            cwd=Path(__file__).parent.parent,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as http:
            async with asyncio.timeout(30):
                while True:
                    try:
                        if (await http.get("/readyz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
        yield process, base, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


async def test_the_server_shuts_down_cleanly_with_subscribers_connected(
    serve_process: tuple[subprocess.Popen[bytes], str, Path],
):
    process, base, log = serve_process
    server = LiveServer(base, Hub(InProcessBroker(), 1), None, httpx.AsyncClient(base_url=base))  # type: ignore[arg-type]
    async with AsyncExitStack() as stack:
        sockets = await _open(server, stack, 3)
        for socket in sockets:
            await socket.subscribe("1", PLAIN)
        async with httpx.AsyncClient(base_url=base) as http:
            sent = await http.post(
                "/graphql",
                json={"query": SEND, "variables": {"to": STRANGER}},
                headers={"Authorization": bearer("partner")},
            )
        assert sent.json()["data"]["sendInvite"]["errors"] == []
        for socket in sockets:
            assert (await socket.next("1"))["data"]["inviteEvents"]["kind"] == "INVITE_RECEIVED"

        process.send_signal(signal.SIGTERM)
        closes = [await socket.closed_with(within=15) for socket in sockets]

    assert await asyncio.to_thread(process.wait, 15) in (0, -signal.SIGTERM)
    assert {code for code, _ in closes} <= {1001, 1012}
    output = log.read_text()
    assert "Application shutdown complete." in output
    assert "Traceback" not in output
    assert " ERROR " not in output
