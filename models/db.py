"""The database handle: one async engine per process; SQLite by default, PostgreSQL in production."""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import asyncpg
from sqlalchemy import Executable, Row, event, make_url, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    create_async_engine,
)
from sqlmodel import SQLModel

from models.outage import outage_cause
from models.query import Query
from models.statements import count_statement
from models.writes import WriteWatch

SQLITE_BUSY_TIMEOUT_SECONDS = 5.0
"""How long a SQLite write waits for another connection's (or process's) write lock before failing."""
CONNECT_TIMEOUT_SECONDS = 5.0
"""How long connecting to PostgreSQL may take before the request is answered as unavailable."""


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys are off by default in SQLite; WAL lets readers run beside a writer."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


async def _keep_as_is(_connection: asyncpg.Connection) -> None:
    """A plain connection has run reads only: there is no session state to reset."""


class Database:
    """Owns the engine. Requests read through a RequestReader; migrations, seeding, probes and
    tests use the engine through SQLAlchemy."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.dialect = "sqlite" if is_sqlite(url) else "postgresql"
        options: dict[str, Any] = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}}
        if self.dialect == "postgresql":
            # A pooled connection that died while the server was away is noticed at checkout and
            # replaced, so the first requests after it is back succeed.
            options = {
                "pool_size": pool_size,
                "max_overflow": pool_size,
                "pool_pre_ping": True,
                "connect_args": {"timeout": CONNECT_TIMEOUT_SECONDS},
            }
        self.engine: AsyncEngine = create_async_engine(url, **options)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _enable_sqlite_pragmas)
        event.listen(self.engine.sync_engine, "before_cursor_execute", count_statement)
        self.writes = WriteWatch(self.engine.sync_engine, SQLModel.metadata)
        """Tells the response cache which tables each committed transaction wrote."""
        self._pool_size = pool_size
        self._plain_pool: asyncpg.Pool | None = None
        self._plain_pool_lock = asyncio.Lock()
        self.statement_listeners: list[Callable[[str], None]] = []
        """Called with the SQL of each statement read straight on the driver (tests count them)."""

    def announce(self, sql: str) -> None:
        count_statement()
        for listener in self.statement_listeners:
            listener(sql)

    @contextmanager
    def recorded_statements(self) -> Iterator[list[str]]:
        """The SQL of every statement run meanwhile, by either path; tests and the benchmark count them."""
        statements: list[str] = []

        def record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if not statement.lstrip().upper().startswith("PRAGMA"):
                statements.append(statement)

        event.listen(self.engine.sync_engine, "before_cursor_execute", record)
        self.statement_listeners.append(statements.append)
        try:
            yield statements
        finally:
            self.statement_listeners.remove(statements.append)
            event.remove(self.engine.sync_engine, "before_cursor_execute", record)

    async def fetch_all(self, statement: Executable) -> Sequence[Row[Any]]:
        async with self.engine.connect() as connection:
            result = await connection.execute(statement)
            return result.all()

    async def fetch_scalar(self, statement: Executable) -> Any:
        async with self.engine.connect() as connection:
            return (await connection.execute(statement)).scalar()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction, committed when the block ends and rolled back when it raises.
        SQLite takes its write lock at the start, so two writers never deadlock upgrading a read."""
        async with self.engine.begin() as connection:
            if self.dialect == "sqlite":
                await connection.exec_driver_sql("BEGIN IMMEDIATE")
            yield connection

    def request_reader(self) -> "RequestReader":
        return RequestReader(self)

    def statement_reader(self) -> "RequestReader":
        """A reader that gives its connection back after every statement, for loaders that many
        tasks share and none of them owns."""
        return RequestReader(self, hold=False)

    async def fetch_value(self, query: Query, **parameters: Any) -> Any:
        """One statement on its own, outside any transaction: the first column of its first row.

        On PostgreSQL it runs on a small pool of plain driver connections, which skips what a
        pooled SQLAlchemy connection costs around one statement (a ping, BEGIN, ROLLBACK): a
        third of a compiled plan's time. Only reads run there, and they change nothing in the
        session, so a connection goes back to the pool as it is."""
        if self.dialect == "sqlite":
            reader = self.statement_reader()
            return await reader.fetch_scalar(query, **parameters)
        compiled = query.compiled(self.engine.dialect)
        pool = self._plain_pool or await self._open_plain_pool()
        self.announce(compiled.sql)
        return await pool.fetchval(compiled.sql, *compiled.arguments(parameters))

    def plain_reader(self) -> "RequestReader":
        """A reader whose statements each run on their own like `fetch_value`'s (PostgreSQL)."""
        return PlainReader(self)

    async def _fetch_plain(self, query: Query, parameters: dict[str, Any]) -> list[Any]:
        compiled = query.compiled(self.engine.dialect)
        pool = self._plain_pool or await self._open_plain_pool()
        self.announce(compiled.sql)
        return compiled.rows(await pool.fetch(compiled.sql, *compiled.arguments(parameters)))

    async def _open_plain_pool(self) -> asyncpg.Pool:
        async with self._plain_pool_lock:
            if self._plain_pool is None:
                url = make_url(self.url).set(drivername="postgresql")
                self._plain_pool = await asyncpg.create_pool(
                    url.render_as_string(hide_password=False),
                    min_size=1,
                    max_size=self._pool_size,
                    timeout=CONNECT_TIMEOUT_SECONDS,
                    reset=_keep_as_is,
                )
        return self._plain_pool

    async def ping(self) -> bool:
        try:
            await self.fetch_scalar(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            return False
        return True

    async def dispose(self) -> None:
        if self._plain_pool is not None:
            pool, self._plain_pool = self._plain_pool, None
            await pool.close()
        await self.engine.dispose()


class RequestReader:
    """One connection for all of a request's reads, taken from the pool on first use.

    A pool checkout and its reset cost more than a small query, and a request runs several,
    so its loaders share this connection, one statement at a time, straight on the driver."""

    def __init__(self, database: Database, *, hold: bool = True) -> None:
        self.dialect = database.dialect
        self._database = database
        self._hold = hold
        self._connection: AsyncConnection | None = None
        self._driver: Any = None
        self._lock = asyncio.Lock()

    async def fetch_all(self, query: Query, **parameters: Any) -> list[Any]:
        """The rows as named tuples; `parameters` fill the query's bind parameters by name."""
        compiled = query.compiled(self._database.engine.dialect)
        arguments = compiled.arguments(parameters)
        async with self._lock:
            if self._connection is None:
                self._connection = await self._database.engine.connect()
                self._driver = (await self._connection.get_raw_connection()).driver_connection
            self._database.announce(compiled.sql)
            try:
                if self.dialect == "sqlite":
                    records = await self._driver.execute_fetchall(compiled.sql, arguments)
                else:
                    records = await self._driver.fetch(compiled.sql, *arguments)
            except Exception as error:
                if outage_cause(error) is not None:
                    await self._release(broken=True)
                raise
            finally:
                if not self._hold:
                    await self._release()
        return compiled.rows(records)

    async def fetch_scalar(self, query: Query, **parameters: Any) -> Any:
        rows = await self.fetch_all(query, **parameters)
        return rows[0][0] if rows else None

    async def close(self) -> None:
        """Hands the connection back to the pool; the reader can be used again afterwards."""
        async with self._lock:
            await self._release()

    async def _release(self, *, broken: bool = False) -> None:
        """A broken connection is discarded, so neither this reader nor the pool uses it again."""
        if self._connection is not None:
            connection, self._connection, self._driver = self._connection, None, None
            if broken:
                await connection.invalidate()
            await connection.close()


class PlainReader(RequestReader):
    """For a read that shares no snapshot with others, such as who the viewer is: no pooled
    SQLAlchemy connection to check out, ping and roll back."""

    async def fetch_all(self, query: Query, **parameters: Any) -> list[Any]:
        return await self._database._fetch_plain(query, parameters)

    async def close(self) -> None:
        return None
