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
"""Waits before reconnecting, by failures in a row since the broker last listened."""
CONNECTION_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, redis.RedisError)


def unreachable(reason: object) -> RuntimeError:
    return RuntimeError(f"The broker at CIP_BROKER_URL could not be reached: {reason}")


class InProcessBroker:
    """The embedded default, for a single replica: publishing is delivering."""

    def __init__(self) -> None:
        self._deliver: Callable[[str | bytes], None] | None = None

    def bind(self, deliver: Callable[[str | bytes], None]) -> None:
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
        self._hub_deliver: Callable[[str | bytes], None] = lambda _: None
        self._task: asyncio.Task[None] | None = None

    def bind(self, deliver: Callable[[str | bytes], None]) -> None:
        self._hub_deliver = deliver

    def _deliver(self, message: str | bytes) -> None:
        """No message, however odd, may end the listening connection."""
        try:
            self._hub_deliver(message)
        except Exception:
            logger.exception("Delivering a message from the broker failed; listening on")

    async def start(self) -> None:
        """Returns once listening, so no event published after start-up is missed; a broker that
        cannot be reached stops the replica from starting, saying why."""
        self._task = asyncio.create_task(self._listen_forever(), name=f"cip-broker-{self.channel}")
        try:
            await asyncio.wait_for(self.listening.wait(), CONNECT_TIMEOUT)
        except TimeoutError:
            await self.close()
            raise unreachable(f"not listening within {CONNECT_TIMEOUT:.0f} s") from None

    async def _listen_forever(self) -> None:
        failures = 0
        while True:
            try:
                await self._listen()
            except CONNECTION_ERRORS as error:
                logger.warning("The broker connection failed (%s); reconnecting", error)
            failures = 0 if self.listening.is_set() else failures + 1
            self.listening.clear()
            await asyncio.sleep(RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)])

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
        pubsub = self.client.pubsub()
        try:
            await pubsub.subscribe(self.channel)
            async for message in pubsub.listen():
                if message["type"] == "subscribe":
                    self.listening.set()
                elif message["type"] == "message":
                    self._deliver(message["data"])
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
        try:
            self._publisher = await asyncio.wait_for(
                asyncpg.create_pool(self.dsn, min_size=1, max_size=2), CONNECT_TIMEOUT
            )
        except CONNECTION_ERRORS as error:
            raise unreachable(error) from error
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
