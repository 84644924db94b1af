"""Keyset pagination in SQL: one page of a list, or one page per parent in a single windowed statement."""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import ColumnElement, SQLColumnExpression, and_, case, func, or_, select, true

from loaders.base import AnySelect
from models.db import Database

Row = Any


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A validated slice of a list ordered by a unique integer key; cursors are keys."""

    limit: int
    after: int | None = None
    before: int | None = None
    backward: bool = False
    descending: bool = False


@dataclass(slots=True)
class Page:
    rows: Sequence[Row]
    has_next_page: bool
    has_previous_page: bool
    total_count: Callable[[], Awaitable[int]]


def _known(value: int) -> Callable[[], Awaitable[int]]:
    async def total() -> int:
        return value

    return total


def _window(key: SQLColumnExpression[Any], request: PageRequest) -> ColumnElement[bool]:
    """Rows strictly between the cursors, in the list's own order."""
    conditions: list[ColumnElement[bool]] = []
    if request.after is not None:
        conditions.append(key < request.after if request.descending else key > request.after)
    if request.before is not None:
        conditions.append(key > request.before if request.descending else key < request.before)
    return and_(true(), *conditions)


def _scan_order(key: SQLColumnExpression[Any], request: PageRequest) -> SQLColumnExpression[Any]:
    """Backward pages are read from the far end, then reversed."""
    return key.desc() if request.descending != request.backward else key.asc()


def _page(rows: Sequence[Row], request: PageRequest, total: Callable[[], Awaitable[int]]) -> Page:
    has_more = len(rows) > request.limit
    rows = rows[: request.limit]
    if request.backward:
        rows = rows[::-1]
        return Page(rows, request.before is not None, has_more, total)
    return Page(rows, has_more, request.after is not None, total)


async def fetch_page(
    database: Database, statement: AnySelect, key: SQLColumnExpression[Any], request: PageRequest
) -> Page:
    """One page of a top-level list; the total is counted only if someone asks for it."""
    rows = await database.fetch_all(
        statement.where(_window(key, request)).order_by(_scan_order(key, request)).limit(request.limit + 1)
    )
    count = select(func.count()).select_from(statement.order_by(None).subquery())

    async def total() -> int:
        return int(await database.fetch_scalar(count))

    return _page(rows, request, total)


def page_by_parent_loader(
    database: Database,
    statement: AnySelect,
    parent: SQLColumnExpression[Any],
    key: SQLColumnExpression[Any],
    request: PageRequest,
) -> DataLoader[int, Page]:
    """Pages of many parents' lists in one statement: the total and rank come from window functions."""
    in_window = case((_window(key, request), 1), else_=0)

    async def load(parent_ids: Sequence[int]) -> list[Page]:
        ranked = (
            statement.add_columns(
                parent.label("page_parent"),
                in_window.label("page_in_window"),
                func.count().over(partition_by=parent).label("page_total"),
                func.row_number().over(partition_by=parent, order_by=key).label("page_position"),
                func.sum(in_window)
                .over(partition_by=parent, order_by=_scan_order(key, request), rows=(None, 0))
                .label("page_rank"),
            )
            .where(parent.in_(parent_ids))
            .subquery()
        )
        # The first row of every list comes back even outside the window: it carries the total.
        rows = await database.fetch_all(
            select(ranked)
            .where(
                or_(
                    and_(ranked.c.page_in_window == 1, ranked.c.page_rank <= request.limit + 1),
                    ranked.c.page_position == 1,
                )
            )
            .order_by(ranked.c.page_parent, ranked.c.page_rank)
        )
        totals: dict[int, int] = {}
        grouped: defaultdict[int, list[Row]] = defaultdict(list)
        for row in rows:
            totals[row.page_parent] = row.page_total
            if row.page_in_window:
                grouped[row.page_parent].append(row)
        return [
            _page(grouped.get(parent_id, []), request, _known(totals.get(parent_id, 0)))
            for parent_id in parent_ids
        ]

    return DataLoader(load)
