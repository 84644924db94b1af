"""Keyset pagination in SQL: one page of a list, or one page per parent in a single windowed statement."""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import ColumnElement, SQLColumnExpression, and_, case, func, or_, true

from loaders.base import AnySelect
from models.db import Reader

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
    reader: Reader, statement: AnySelect, key: SQLColumnExpression[Any], request: PageRequest
) -> Page:
    """One page of a top-level list; the total is counted only if someone asks for it."""
    rows = await reader.fetch_all(
        statement.where(_window(key, request)).order_by(_scan_order(key, request)).limit(request.limit + 1)
    )
    count = statement.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)

    async def total() -> int:
        return int(await reader.fetch_scalar(count))

    return _page(rows, request, total)


def page_by_parent_loader(
    reader: Reader,
    statement: AnySelect,
    parent: SQLColumnExpression[Any],
    key: SQLColumnExpression[Any],
    request: PageRequest,
) -> DataLoader[int, Page]:
    """Pages of many parents' lists in one statement: the total and rank come from window functions."""
    in_window = case((_window(key, request), 1), else_=0)

    async def load(parent_ids: Sequence[int]) -> list[Page]:
        # Rank the narrow (parent, key) pairs first, then fetch whole rows for the chosen keys only.
        ranked = (
            statement.with_only_columns(
                parent.label("page_parent"),
                key.label("page_key"),
                in_window.label("page_in_window"),
                func.count().over(partition_by=parent).label("page_total"),
                func.row_number().over(partition_by=parent, order_by=key).label("page_position"),
                func.sum(in_window)
                .over(partition_by=parent, order_by=_scan_order(key, request), rows=(None, 0))
                .label("page_rank"),
                maintain_column_froms=True,
            )
            .where(parent.in_(parent_ids))
            .subquery()
        )
        # The first row of every list comes back even outside the window: it carries the total.
        rows = await reader.fetch_all(
            statement.add_columns(ranked.c.page_parent, ranked.c.page_in_window, ranked.c.page_total)
            .join(ranked, and_(key == ranked.c.page_key, parent == ranked.c.page_parent))
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
