"""Rate limits for mutations, per member and per client address, over fixed one-minute windows.

With CIP_REDIS_URL the replicas share their counts in Redis; otherwise each process counts alone,
so the limit is per replica. When Redis cannot be reached, requests are let through and a warning
logged: a limiter must not take the service down with it."""

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Protocol, Self

import redis.asyncio as redis
from redis.exceptions import RedisError

from app.settings import Settings

logger = logging.getLogger("cip_graph.ratelimit")
WINDOW_SECONDS = 60
KEY_PREFIX = "cip:rate:"


class Counter(Protocol):
    async def hit(self, key: str, limit: int) -> int:
        """Counts one request against `key`; 0 when it is within `limit` this window, else the whole
        seconds until the window ends."""

    async def close(self) -> None: ...


def _window(now: float) -> tuple[int, int]:
    """The current window's number and the whole seconds left in it (at least 1)."""
    index = int(now // WINDOW_SECONDS)
    return index, max(1, math.ceil((index + 1) * WINDOW_SECONDS - now))


@dataclass
class InProcessCounter:
    counts: dict[str, int] = field(default_factory=dict)
    """Requests per key in the current window; forgotten when the next window starts."""
    window: int = -1

    async def hit(self, key: str, limit: int) -> int:
        index, left = _window(time.time())
        if index != self.window:
            self.counts.clear()
            self.window = index
        count = self.counts[key] = self.counts.get(key, 0) + 1
        return 0 if count <= limit else left

    async def close(self) -> None:
        self.counts.clear()


@dataclass
class RedisCounter:
    client: redis.Redis

    async def hit(self, key: str, limit: int) -> int:
        index, left = _window(time.time())
        name = f"{KEY_PREFIX}{key}:{index}"
        try:
            async with self.client.pipeline(transaction=True) as pipeline:
                pipeline.incr(name)
                pipeline.expire(name, WINDOW_SECONDS + 1)
                count, _ = await pipeline.execute()
        except (RedisError, OSError) as error:
            logger.warning("Rate limits are not counted: Redis is unavailable (%s)", error)
            return 0
        return 0 if int(count) <= limit else left

    async def close(self) -> None:
        await self.client.aclose()


@dataclass(frozen=True)
class Refusal:
    message: str
    retry_after: int


@dataclass
class MutationLimits:
    counter: Counter
    per_member: int
    per_address: int

    @classmethod
    def of(cls, settings: Settings) -> "MutationLimits":
        counter: Counter = (
            RedisCounter(redis.Redis.from_url(settings.redis_url))
            if settings.redis_url
            else InProcessCounter()
        )
        return cls(counter, settings.mutations_per_minute, settings.mutations_per_minute_per_ip)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.counter.close()

    async def check(self, member: str | None, address: str | None) -> Refusal | None:
        """Counts one mutation for the address it comes from and for the member."""
        limits = (
            (f"ip:{address}" if address else None, self.per_address, "from this address", "_PER_IP"),
            (f"member:{member}" if member else None, self.per_member, "per member", ""),
        )
        for key, limit, whose, setting in limits:
            wait = await self.counter.hit(key, limit) if key else 0
            if wait:
                return Refusal(
                    f"Too many mutations {whose}: at most {limit} a minute "
                    f"(CIP_MUTATIONS_PER_MINUTE{setting}). Try again in {wait} s.",
                    wait,
                )
        return None
