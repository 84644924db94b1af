"""Brokers carry live events between replicas: within this process by default, over Redis pub/sub
or PostgreSQL LISTEN/NOTIFY when `CIP_BROKER_URL` names one.

Each replica listens on a single connection and fans events out itself (resolvers.event.Hub), so
a subscriber costs the broker nothing. A lost connection is re-opened with backoff; events sent
meanwhile are in the database, where members catch up with `since`."""

import abc
import asyncio
import logging
from collections.abc import Callable, Sequence
from contextlib import suppress

import asyncpg
import redis.asyncio as redis

from app.settings import Settings
from resolvers.event import Broker

logger = logging.getLogger("cip_graph.broker")

CONNECT_TIMEOUT = 10.0
RECONNECT_DELAYS = (0.1, 0.5, 1.0, 2.0, 5.0)


class InProcessBroker:
    """The embedded default, for a single replica: publishing is delivering."""

    def __init__(self) -> None:
        self._deliver: Callable[[str], None] | None = None

    def bind(self, deliver: Callable[[str], None]) -> None:
        self._deliver = deliver

    async def start(self) -> None:
        return None

    async def publish(self, messages: Sequence[str]) -> None:
        if self._deliver is not None:
            for message in messages:
                self._deliver(message)

    async def close(self) -> None:
        return None


class ListeningBroker(abc.ABC):
    """Keeps one listening connection open for as long as the replica runs."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.listening = asyncio.Event()
        self._deliver: Callable[[str], None] = lambda _: None
        self._task: asyncio.Task[None] | None = None

    def bind(self, deliver: Callable[[str], None]) -> None:
        self._deliver = deliver

    async def start(self) -> None:
        """Returns once listening, so no event published after start-up is missed; a broker that
        cannot be reached stops the replica from starting, saying why."""
        self._task = asyncio.create_task(self._listen_forever(), name=f"cip-broker-{self.channel}")
        try:
            await asyncio.wait_for(self.listening.wait(), CONNECT_TIMEOUT)
        except TimeoutError:
            await self.close()
            raise RuntimeError(
                f"The broker at CIP_BROKER_URL could not be reached within {CONNECT_TIMEOUT:.0f} s"
            ) from None

    async def _listen_forever(self) -> None:
        attempt = 0
        while True:
            try:
                await self._listen()
                attempt = 0
            except (OSError, asyncpg.PostgresError, redis.RedisError) as error:
                logger.warning("The broker connection failed (%s); reconnecting", error)
            self.listening.clear()
            await asyncio.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)])
            attempt += 1

    @abc.abstractmethod
    async def _listen(self) -> None:
        """Listens, with `listening` set, until the connection is lost."""

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class RedisBroker(ListeningBroker):
    def __init__(self, url: str, channel: str) -> None:
        super().__init__(channel)
        self.client = redis.Redis.from_url(url, socket_keepalive=True)

    async def _listen(self) -> None:
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel)
            self.listening.set()
            async for message in pubsub.listen():
                if message["type"] == "message":
                    self._deliver(message["data"].decode())
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def publish(self, messages: Sequence[str]) -> None:
        async with self.client.pipeline(transaction=False) as pipeline:
            for message in messages:
                pipeline.publish(self.channel, message)
            await pipeline.execute()

    async def close(self) -> None:
        await super().close()
        await self.client.aclose()


class PostgresBroker(ListeningBroker):
    def __init__(self, url: str, channel: str) -> None:
        super().__init__(channel)
        self.dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        self._publisher: asyncpg.Pool | None = None

    async def _listen(self) -> None:
        connection = await asyncpg.connect(self.dsn, timeout=CONNECT_TIMEOUT)
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _: lost.set())
        try:
            await connection.add_listener(
                self.channel, lambda _c, _pid, _channel, payload: self._deliver(payload)
            )
            self.listening.set()
            await lost.wait()
        finally:
            connection.terminate()

    async def start(self) -> None:
        self._publisher = await asyncpg.create_pool(self.dsn, min_size=1, max_size=2, timeout=CONNECT_TIMEOUT)
        await super().start()

    async def publish(self, messages: Sequence[str]) -> None:
        if self._publisher is None:
            raise RuntimeError("The PostgreSQL broker publishes once started")
        async with self._publisher.acquire() as connection:
            await connection.executemany(
                "SELECT pg_notify($1, $2)", [(self.channel, message) for message in messages]
            )

    async def close(self) -> None:
        await super().close()
        if self._publisher is not None:
            await self._publisher.close()
            self._publisher = None


def broker_for(settings: Settings) -> Broker:
    url = settings.broker_url
    if url is None:
        return InProcessBroker()
    if url.startswith(("redis://", "rediss://")):
        return RedisBroker(url, settings.broker_channel)
    return PostgresBroker(url, settings.broker_channel)
