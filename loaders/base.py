"""Batch functions shared by the concept loaders: rows by unique key, and row lists by foreign key.

Each loader's statement is built once at import, with the batch's keys as one array parameter,
so every batch runs the same prepared SQL."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from aiodataloader import DataLoader

from models.db import RequestReader
from models.query import AnySelect, Query, in_array

Row = Any


def keyed(statement: AnySelect, key: Any, *order: Any) -> Query:
    """The rows whose `key` is in the batch's `keys`, each labelled with its `batch_key`."""
    return Query(statement.add_columns(key.label("batch_key")).where(in_array(key, "keys")).order_by(*order))


def row_by_key_loader(reader: RequestReader, query: Query, **parameters: Any) -> DataLoader[Any, Row | None]:
    """One row per key, None for keys that match nothing (or that the viewer may not see)."""

    async def load(keys: Sequence[Any]) -> list[Row | None]:
        rows = await reader.fetch_all(query, keys=list(keys), **parameters)
        found = {row.batch_key: row for row in rows}
        return [found.get(key) for key in keys]

    return DataLoader(load)


def rows_by_key_loader(reader: RequestReader, query: Query, **parameters: Any) -> DataLoader[Any, list[Row]]:
    """All rows per key in the query's order, [] for keys that match nothing."""

    async def load(keys: Sequence[Any]) -> list[list[Row]]:
        grouped: defaultdict[Any, list[Row]] = defaultdict(list)
        for row in await reader.fetch_all(query, keys=list(keys), **parameters):
            grouped[row.batch_key].append(row)
        return [grouped.get(key, []) for key in keys]

    return DataLoader(load)
