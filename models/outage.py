"""Which failures mean the database is out of reach rather than a fault of the service: an outage
passes and is worth retrying, so it is answered differently from a bug."""

import sqlite3
from collections.abc import Iterator

import asyncpg
from sqlalchemy import exc

_SQLITE_UNAVAILABLE = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_IOERR,
}
"""Primary result codes of a database file that is locked for too long or cannot be read."""
_POSTGRESQL_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)


def outage_cause(error: BaseException) -> BaseException | None:
    """The innermost failure in `error`'s chain that says the database is unreachable, or None.
    The innermost one names the reason (refused, reset, locked) without the SQL around it."""
    found = None
    for link in _chain(error):
        if _is_outage(link):
            found = link
    return found


def _is_outage(error: BaseException) -> bool:
    if isinstance(error, exc.DBAPIError):
        return error.connection_invalidated
    if isinstance(error, sqlite3.Error):
        return (getattr(error, "sqlite_errorcode", -1) & 0xFF) in _SQLITE_UNAVAILABLE
    # OSError covers refused and reset connections and timeouts: resolvers do no other I/O.
    return isinstance(error, (OSError, exc.TimeoutError, *_POSTGRESQL_UNAVAILABLE))


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, what caused it, and the driver's error SQLAlchemy wrapped, outermost first."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        link = pending.pop(0)
        if id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        wrapped = link.orig if isinstance(link, exc.DBAPIError) else None
        pending += [e for e in (wrapped, link.__cause__, link.__context__) if isinstance(e, BaseException)]
