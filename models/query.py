"""Read statements built once, compiled once per dialect and run straight on the driver.

SQLAlchemy's execution layer costs more than a small indexed query (several driver round trips
and per-row processing per statement), so the hot read path uses SQLAlchemy to build and
compile SQL, then hands it to the driver in one call: aiosqlite's `execute_fetchall` or
asyncpg's `fetch`, which keeps its own prepared statements."""

import json
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Dialect, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Select
from sqlalchemy.types import NullType

Processor = Callable[[Any], Any] | None
AnySelect = Select[*tuple[Any, ...]]
"""A SELECT of any columns."""
_REQUIRED = object()


class InArray(ColumnElement[Any]):
    """`column IN <list parameter>` with one parameter however long the list, so the SQL text
    (and the driver's prepared statement) stays the same for every batch."""

    inherit_cache = True
    type = NullType()

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.parameter = bindparam(name, type_=NullType())


def in_array(column: Any, name: str) -> ColumnElement[Any]:
    return InArray(column, name)


@compiles(InArray, "sqlite")
def _in_json_array(element: InArray, compiler: SQLCompiler, **kw: Any) -> str:
    column, parameter = compiler.process(element.column, **kw), compiler.process(element.parameter, **kw)
    return f"{column} IN (SELECT value FROM json_each({parameter}))"


@compiles(InArray, "postgresql")
def _equals_any(element: InArray, compiler: SQLCompiler, **kw: Any) -> str:
    column, parameter = compiler.process(element.column, **kw), compiler.process(element.parameter, **kw)
    return f"{column} = ANY({parameter})"


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    parameters: tuple[tuple[str, Processor, Any], ...]
    row: Callable[[Iterable[Any]], Any]
    results: tuple[Processor, ...]
    processed: bool
    """Whether any column needs converting (enums, SQLite timestamps), decided once."""
    json_arrays: bool

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        """The driver's positional arguments; literals written into the statement keep their value."""
        arguments = []
        for name, process, literal in self.parameters:
            value = values[name] if literal is _REQUIRED else values.get(name, literal)
            if isinstance(value, list | tuple):
                value = json.dumps(list(value)) if self.json_arrays else list(value)
            elif process is not None and value is not None:
                value = process(value)
            arguments.append(value)
        return arguments

    def rows(self, records: Iterable[Sequence[Any]]) -> list[Any]:
        make, results = self.row, self.results
        if not self.processed:
            return [make(record) for record in records]
        return [
            make(
                value if process is None else process(value)
                for process, value in zip(results, record, strict=True)
            )
            for record in records
        ]


class Query:
    """A SELECT with named parameters; its SQL for each dialect is compiled on first use."""

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: AnySelect) -> None:
        self.statement = statement
        self._compiled: dict[str, Compiled] = {}

    def compiled(self, dialect: Dialect) -> Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> Compiled:
        compiled = self.statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        names = compiled.positiontup or []
        columns = list(self.statement.selected_columns)
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        )
        return Compiled(
            sql=str(compiled),
            parameters=tuple(
                (
                    name,
                    compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect),
                    _REQUIRED if compiled.binds[name].required else compiled.binds[name].value,
                )
                for name in names
            ),
            row=namedtuple("Row", [str(column.key) for column in columns], rename=True)._make,  # type: ignore[attr-defined]
            results=results,
            processed=any(results),
            json_arrays=dialect.name == "sqlite",
        )
