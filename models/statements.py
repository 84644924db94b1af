"""How many SQL statements a unit of work (one request) ran, by either path: straight on the driver
(RequestReader) or through SQLAlchemy. The count lives in a context variable, so concurrent requests
keep their own; SQLAlchemy's async bridge runs each statement in a greenlet that shares the caller's
context, and tasks a request starts (a batch's operations) copy it and so share its counter."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any


class StatementCount:
    """Mutable, so that every copy of the context counts into the same total."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


_current: ContextVar[StatementCount | None] = ContextVar("cip_statement_count", default=None)


@contextmanager
def counting_statements() -> Iterator[StatementCount]:
    """Counts the statements run within the block, and in the tasks it starts."""
    count = StatementCount()
    token = _current.set(count)
    try:
        yield count
    finally:
        _current.reset(token)


def count_statement(*_: Any) -> None:
    """Called before each statement runs; also SQLAlchemy's `before_cursor_execute` listener."""
    count = _current.get()
    if count is not None:
        count.value += 1
