"""Replicas that start together take turns to migrate and to seed, so that each happens once."""

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text

from models.db import Database

ADVISORY_LOCK_KEY = 0x6369_702D_6772_6170
"""The PostgreSQL advisory lock of start-ups ("cip-grap"): a key nothing else on the database takes."""
POLL_SECONDS = 0.05


@asynccontextmanager
async def startup_lock(database: Database) -> AsyncIterator[None]:
    """Held by one process at a time, whichever engine it uses; the others wait. It is not
    re-entrant: take it around one step at a time."""
    if database.dialect == "postgresql":
        lock = _advisory_lock(database)
    else:
        lock = _file_lock(database.engine.url.database)
    async with lock:
        yield


@asynccontextmanager
async def _advisory_lock(database: Database) -> AsyncIterator[None]:
    """A session-level lock, on a connection of its own that outside a transaction holds nothing
    else; the server releases it should this process die while holding it."""
    async with database.engine.connect() as connection:
        session = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await session.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        try:
            yield
        finally:
            await session.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})


@asynccontextmanager
async def _file_lock(path: str | None) -> AsyncIterator[None]:
    """An flock on a file beside the database. SQLite's own locks cannot serve: migrating and
    seeding use several connections, and a lock on one would shut out the others. Nor may the
    database file itself be opened: closing it would drop the locks SQLite holds on it."""
    if not path or path == ":memory:":
        yield
        return
    descriptor = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(POLL_SECONDS)
        yield
    finally:
        os.close(descriptor)
