"""The Relay building blocks every type shares: Node, PageInfo, edges and connections."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Generic, Self, TypeVar

import strawberry

from app.context import Context
from loaders.pagination import Page
from models.columns import utc as utc
from resolvers.ids import to_cursor

Info = strawberry.Info[Context, None]
NodeType = TypeVar("NodeType")

PUBLIC = "public"
"""Tag: anyone may read it. The portal's public contract includes `public` and excludes `members`."""
MEMBERS = "members"
"""Tag: signed-in members (or fewer) only."""


def utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


@strawberry.federation.interface(
    tags=[PUBLIC],
    description="An object with a globally unique, opaque ID. Any ID can be fetched again "
    "with `node(id:)`; store it as it is and never parse it.",
)
class Node:
    id: strawberry.ID = strawberry.field(description="The globally unique, opaque ID.")


@strawberry.federation.type(
    shareable=True,
    tags=[PUBLIC],
    description="Where a page sits in its list, and the cursors to move on from it.",
)
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when more items follow this page (when paging forward), "
        "or when `before` was given (when paging backward)."
    )
    has_previous_page: bool = strawberry.field(
        description="True when items precede this page (when paging backward), "
        "or when `after` was given (when paging forward)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the first item on this page; pass it as `before`."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the last item on this page; pass it as `after`."
    )


@strawberry.type(description="An item of a page together with its cursor.")
class Edge(Generic[NodeType]):
    cursor: str = strawberry.field(description="Pass as `after` or `before` to page from here.")
    node: NodeType = strawberry.field(description="The item.")


@strawberry.type(
    description="A page of a list: `first`/`after` pages forward, `last`/`before` backward; "
    "at most 100 items a page, 20 when neither `first` nor `last` is given."
)
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]] = strawberry.field(description="The items with their cursors.")
    nodes: list[NodeType] = strawberry.field(description="The items alone, when no cursor is needed.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    _total: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list holds, across all pages.")
    async def total_count(self) -> int:
        return await self._total()

    @classmethod
    def of(cls, page: Page, convert: Callable[[Any], NodeType]) -> Self:
        nodes = [convert(row) for row in page.rows]
        edges = [
            Edge(cursor=to_cursor(row.id), node=node) for row, node in zip(page.rows, nodes, strict=False)
        ]
        return cls(
            edges=edges,
            nodes=nodes,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            _total=page.total_count,
        )
