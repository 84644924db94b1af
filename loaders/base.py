"""Batch functions shared by the concept loaders: rows by unique key, and row lists by foreign key."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import Select, SQLColumnExpression

from models.db import Reader

Row = Any
AnySelect = Select[*tuple[Any, ...]]
"""A SELECT of any columns."""


def row_by_key_loader(
    reader: Reader, statement: AnySelect, key: SQLColumnExpression[Any]
) -> DataLoader[Any, Row | None]:
    """One row per key, None for keys that match nothing."""

    async def load(keys: Sequence[Any]) -> list[Row | None]:
        rows = await reader.fetch_all(statement.add_columns(key.label("batch_key")).where(key.in_(keys)))
        found = {row.batch_key: row for row in rows}
        return [found.get(k) for k in keys]

    return DataLoader(load)


def rows_by_key_loader(
    reader: Reader, statement: AnySelect, key: SQLColumnExpression[Any], *order: SQLColumnExpression[Any]
) -> DataLoader[Any, list[Row]]:
    """All rows per key in a stable order, [] for keys that match nothing."""

    async def load(keys: Sequence[Any]) -> list[list[Row]]:
        rows = await reader.fetch_all(
            statement.add_columns(key.label("batch_key")).where(key.in_(keys)).order_by(*order)
        )
        grouped: defaultdict[Any, list[Row]] = defaultdict(list)
        for row in rows:
            grouped[row.batch_key].append(row)
        return [grouped.get(k, []) for k in keys]

    return DataLoader(load)
