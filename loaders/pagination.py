"""Keyset pagination in SQL: one page of a list, or one page per parent in a single windowed statement.

A list's SQL depends only on the shape of the page asked for (which cursors, which direction),
so each shape is built once and reused with the cursor values as parameters."""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import ColumnElement, Integer, and_, bindparam, case, func, or_, true

from models.db import RequestReader
from models.query import AnySelect, Query, in_array

Row = Any


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A validated slice of a list ordered by a unique integer key; cursors are keys."""

    limit: int
    after: int | None = None
    before: int | None = None
    backward: bool = False
    descending: bool = False

    @property
    def shape(self) -> tuple[bool, bool, bool, bool]:
        return (self.after is not None, self.before is not None, self.backward, self.descending)

    @property
    def arguments(self) -> dict[str, int | None]:
        """One row more than asked for tells whether another page follows."""
        return {"after": self.after, "before": self.before, "limit": self.limit + 1}


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


def _window(key: Any, request: PageRequest) -> ColumnElement[bool]:
    """Rows strictly between the cursors, in the list's own order."""
    after, before = bindparam("after", type_=Integer), bindparam("before", type_=Integer)
    conditions: list[ColumnElement[bool]] = []
    if request.after is not None:
        conditions.append(key < after if request.descending else key > after)
    if request.before is not None:
        conditions.append(key > before if request.descending else key < before)
    return and_(true(), *conditions)


def _scan_order(key: Any, request: PageRequest) -> Any:
    """Backward pages are read from the far end, then reversed."""
    return key.desc() if request.descending != request.backward else key.asc()


def _page(rows: Sequence[Row], request: PageRequest, total: Callable[[], Awaitable[int]]) -> Page:
    has_more = len(rows) > request.limit
    rows = rows[: request.limit]
    if request.backward:
        rows = rows[::-1]
        return Page(rows, request.before is not None, has_more, total)
    return Page(rows, has_more, request.after is not None, total)


class ListQuery:
    """A top-level list ordered by a unique key: its page SQL per shape, and its count."""

    def __init__(self, statement: AnySelect, key: Any) -> None:
        self.statement = statement
        self._key = key
        self._pages: dict[tuple[bool, bool, bool, bool], Query] = {}
        self.count = Query(
            statement.with_only_columns(func.count().label("total"), maintain_column_froms=True)
        )

    def page(self, request: PageRequest) -> Query:
        query = self._pages.get(request.shape)
        if query is None:
            query = self._pages[request.shape] = Query(
                self.statement.where(_window(self._key, request))
                .order_by(_scan_order(self._key, request))
                .limit(bindparam("limit", type_=Integer))
            )
        return query


async def fetch_page(reader: RequestReader, query: ListQuery, request: PageRequest, **filters: Any) -> Page:
    """One page of a top-level list; the total is counted only if someone asks for it."""
    rows = await reader.fetch_all(query.page(request), **filters, **request.arguments)

    async def total() -> int:
        return int(await reader.fetch_scalar(query.count, **filters))

    return _page(rows, request, total)


class ParentListQuery:
    """Many parents' lists (a profile's ideas, a round's submissions) paged in one statement."""

    def __init__(self, statement: AnySelect, parent: Any, key: Any) -> None:
        self.statement = statement
        self._parent = parent
        self._key = key
        self._pages: dict[tuple[bool, bool, bool, bool], Query] = {}

    def page(self, request: PageRequest) -> Query:
        query = self._pages.get(request.shape)
        if query is None:
            query = self._pages[request.shape] = Query(self._ranked(request))
        return query

    def _ranked(self, request: PageRequest) -> AnySelect:
        """Rank the narrow (parent, key) pairs with window functions, then fetch whole rows for
        the chosen keys only. The first row of every list comes back even outside the window:
        it carries the list's total."""
        statement, parent, key = self.statement, self._parent, self._key
        in_window = case((_window(key, request), 1), else_=0)
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
            .where(in_array(parent, "parents"))
            .subquery()
        )
        return (
            statement.add_columns(ranked.c.page_parent, ranked.c.page_in_window, ranked.c.page_total)
            .join(ranked, and_(key == ranked.c.page_key, parent == ranked.c.page_parent))
            .where(
                or_(
                    and_(
                        ranked.c.page_in_window == 1,
                        ranked.c.page_rank <= bindparam("limit", type_=Integer),
                    ),
                    ranked.c.page_position == 1,
                )
            )
            .order_by(ranked.c.page_parent, ranked.c.page_rank)
        )


def page_by_parent_loader(
    reader: RequestReader, query: ParentListQuery, request: PageRequest, **filters: Any
) -> DataLoader[int, Page]:
    """A page of each parent's list, every batch of parents in one statement."""
    page_query = query.page(request)

    async def load(parent_ids: Sequence[int]) -> list[Page]:
        rows = await reader.fetch_all(page_query, parents=list(parent_ids), **filters, **request.arguments)
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
