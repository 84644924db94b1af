"""Where automatic persisted queries keep the documents clients registered, by their SHA-256.

In process by default; in Redis (`CIP_REDIS_URL`) so that every replica finds what a client
registered with any of them. Both are bounded: the process store by the text it holds, Redis by
a TTL that each use renews, so documents in use stay and abandoned ones go."""

import logging
from collections import OrderedDict
from datetime import timedelta
from typing import Protocol

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

logger = logging.getLogger("cip_graph.persisted_queries")

KEY_PREFIX = "cip:apq:"
TTL = timedelta(days=7)
MEMORY_CAPACITY = 8 * 1024 * 1024
"""Characters of document text one process keeps."""
REDIS_TIMEOUT_SECONDS = 0.5
"""A Redis that does not answer this quickly counts as down for that request."""


class DocumentStore(Protocol):
    async def get(self, sha256: str) -> str | None: ...

    async def put(self, sha256: str, document: str) -> None: ...

    async def close(self) -> None: ...


class MemoryDocumentStore:
    """A least-recently-used map, forgetting the documents used longest ago once the text it holds
    exceeds `capacity` characters."""

    def __init__(self, capacity: int = MEMORY_CAPACITY) -> None:
        self.capacity = capacity
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._size = 0

    async def get(self, sha256: str) -> str | None:
        document = self._documents.get(sha256)
        if document is not None:
            self._documents.move_to_end(sha256)
        return document

    async def put(self, sha256: str, document: str) -> None:
        previous = self._documents.pop(sha256, None)
        self._size += len(document) - (0 if previous is None else len(previous))
        self._documents[sha256] = document
        while self._size > self.capacity:
            _, forgotten = self._documents.popitem(last=False)
            self._size -= len(forgotten)

    async def close(self) -> None:
        self._documents.clear()
        self._size = 0


class RedisDocumentStore:
    """Shared by the replicas. An outage never fails a request: a lookup misses (the client then
    sends the full text) and a registration is skipped, each with a warning."""

    def __init__(self, url: str, prefix: str = KEY_PREFIX, ttl: timedelta = TTL) -> None:
        self.prefix = prefix
        self.ttl = ttl
        self.client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 0),
        )

    async def get(self, sha256: str) -> str | None:
        try:
            document = await self.client.getex(self.prefix + sha256, ex=self.ttl)
        except (redis.RedisError, OSError) as error:
            logger.warning("Persisted query lookup failed, answered as not found: %s", error)
            return None
        return document if isinstance(document, str) else None

    async def put(self, sha256: str, document: str) -> None:
        try:
            await self.client.set(self.prefix + sha256, document, ex=self.ttl)
        except (redis.RedisError, OSError) as error:
            logger.warning("Persisted query not stored, the operation runs anyway: %s", error)

    async def close(self) -> None:
        await self.client.aclose()
