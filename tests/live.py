"""Live events over real sockets: the app served by uvicorn on a free port in the test's own event
loop (so tests can look inside its hub), and a client speaking the WebSocket protocols message by
message with the `websockets` library."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.auth import mint_token
from app.main import create_app
from app.settings import Settings
from models.db import Database
from resolvers.event import Hub
from tests.conftest import TEST_SETTINGS, GraphQLClient, _free_port
from tests.world import build, subject

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
WAIT = 5.0
"""Seconds a test waits for a message that must come."""


def bearer(name: str, *roles: str, settings: Settings = TEST_SETTINGS) -> str:
    return f"Bearer {mint_token(settings, subject(name), roles)}"


@dataclass
class Socket:
    """One WebSocket connection; `send`/`receive` speak JSON messages of either protocol."""

    connection: ClientConnection

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, within: float = WAIT) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.connection.recv(), within))
        return message

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        """connection_init; the server's answer (connection_ack when the token is good)."""
        await self.send({"type": "connection_init", "payload": payload or {}})
        return await self.receive()

    async def subscribe(self, id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        await self.send({"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables}})

    async def next(self, id: str, within: float = WAIT) -> dict[str, Any]:
        """The payload of the next `next` message, which must be for `id`."""
        message = await self.receive(within)
        assert message["type"] == "next", message
        assert message["id"] == id, message
        payload: dict[str, Any] = message["payload"]
        return payload

    async def closed_with(self, within: float = WAIT) -> tuple[int | None, str | None]:
        """Reads until the server closes; its close code and reason."""
        try:
            async with asyncio.timeout(within):
                async for _ in self.connection:
                    pass
        except ConnectionClosed:
            pass
        close = self.connection.protocol.close_rcvd
        return (None, None) if close is None else (close.code, close.reason)

    async def quiet(self, seconds: float = 0.3) -> None:
        """Asserts nothing arrives for a while."""
        with pytest.raises(TimeoutError):
            await self.receive(seconds)


@dataclass
class LiveServer:
    url: str
    hub: Hub
    database: Database
    http: httpx.AsyncClient

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/graphql"

    def client(self, name: str, *roles: str) -> GraphQLClient:
        """A member posting operations over real HTTP to this server."""
        return GraphQLClient(self.http, self.database, {"Authorization": bearer(name, *roles)})

    @asynccontextmanager
    async def socket(
        self, protocol: str = TRANSPORT_WS, headers: dict[str, str] | None = None
    ) -> AsyncIterator[Socket]:
        async with connect(
            self.ws_url,
            subprotocols=[protocol],
            additional_headers=headers,
            open_timeout=WAIT,  # type: ignore[list-item]
        ) as connection:
            yield Socket(connection)

    @asynccontextmanager
    async def signed_in(self, name: str, protocol: str = TRANSPORT_WS) -> AsyncIterator[Socket]:
        """A socket whose connection_init carried `name`'s token and was acknowledged."""
        async with self.socket(protocol) as socket:
            ack = await socket.init({"Authorization": bearer(name)})
            assert ack["type"] == "connection_ack", ack
            yield socket


@asynccontextmanager
async def serving(database: Database, settings: Settings) -> AsyncIterator[LiveServer]:
    """uvicorn on a free port with the app's lifespan (so its broker listens), stopped afterwards."""
    app = create_app(settings, database=database)
    port = _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        ws_ping_interval=settings.ws_ping_interval,
        ws_ping_timeout=settings.ws_ping_timeout,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=WAIT) as http:
            yield LiveServer(url, app.state.hub, database, http)
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def live_settings() -> Settings:
    """Override in a test module to serve with other settings."""
    return TEST_SETTINGS


@pytest.fixture
async def live(database: Database, live_settings: Settings) -> AsyncIterator[LiveServer]:
    """The small world of tests.world, served live."""
    await build(database)
    async with serving(database, live_settings) as server:
        yield server


def waiting(hub: Hub, count: int) -> Callable[[], bool]:
    return lambda: hub.subscriber_count == count


async def eventually(condition: Callable[[], bool], within: float = WAIT) -> None:
    """Waits for something the server does on its own time, such as unregistering a subscriber."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - the server changes this state; there is no event to await
            await asyncio.sleep(0.01)
