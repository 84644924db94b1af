"""Which tables each transaction wrote, told once it commits: what a cached answer read may have
changed. A delete also changes the tables whose rows its foreign keys delete or null with it."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, MetaData, event
from sqlalchemy.engine import Engine

EVERYTHING = "*"
"""Written by SQL this watch cannot read, so any table may have changed."""
WRITTEN = "cip_written_tables"
WRITING_VERBS = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "MERGE", "COPY")


def _cascades(metadata: MetaData) -> dict[str, frozenset[str]]:
    """Per table, every table a delete there reaches through ON DELETE rules, itself included."""
    referring: dict[str, set[str]] = {name: set() for name in metadata.tables}
    for table in metadata.tables.values():
        for key in table.foreign_keys:
            if key.ondelete is not None:
                referring[key.column.table.name].add(table.name)
    reached: dict[str, frozenset[str]] = {}
    for name in referring:
        seen, todo = {name}, [name]
        while todo:
            for other in referring[todo.pop()] - seen:
                seen.add(other)
                todo.append(other)
        reached[name] = frozenset(seen)
    return reached


class WriteWatch:
    """Listens on the engine: each statement that writes notes its tables on its connection, and
    the connection's commit hands them to the listeners (a rollback forgets them)."""

    def __init__(self, engine: Engine, metadata: MetaData) -> None:
        self.listeners: list[Callable[[frozenset[str]], None]] = []
        self._cascades = _cascades(metadata)
        event.listen(engine, "before_cursor_execute", self._executing)
        event.listen(engine, "commit", self._committed)
        event.listen(engine, "rollback", self._rolled_back)

    def _executing(
        self, connection: Connection, _cursor: Any, statement: str, _values: Any, context: Any, _many: bool
    ) -> None:
        tables = self._written(context, statement)
        if tables:
            connection.info.setdefault(WRITTEN, set()).update(tables)

    def _written(self, context: Any, statement: str) -> frozenset[str]:
        compiled = getattr(context, "compiled", None)
        if compiled is not None and not getattr(compiled, "isddl", False):
            table = getattr(getattr(compiled, "statement", None), "table", None)
            name = getattr(table, "name", None)
            if getattr(context, "isdelete", False) and name is not None:
                return self._cascades.get(name, frozenset({name}))
            if (getattr(context, "isinsert", False) or getattr(context, "isupdate", False)) and name:
                return frozenset({name})
        if statement.lstrip()[:8].upper().startswith(WRITING_VERBS):
            return frozenset({EVERYTHING})
        return frozenset()

    def _committed(self, connection: Connection) -> None:
        tables = connection.info.pop(WRITTEN, None)
        if tables:
            for listener in self.listeners:
                listener(frozenset(tables))

    def _rolled_back(self, connection: Connection) -> None:
        if not connection.invalidated:  # a lost connection is discarded with what it noted
            connection.info.pop(WRITTEN, None)
