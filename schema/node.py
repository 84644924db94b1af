"""`node(id:)` and `nodes(ids:)`: any object by its global ID."""

from collections.abc import Callable
from typing import Annotated, Any

import strawberry

from resolvers.node import node_row, node_rows
from schema.base import Info, Node
from schema.contest import ContestRound, Submission
from schema.idea import Idea
from schema.invite import Invite
from schema.profile import Profile
from schema.progress import ProgressUpdate
from schema.skill import Skill
from schema.team import Membership, Team
from schema.topic import Topic

NODE_TYPES: dict[str, Callable[[Any], Node]] = {
    cls.__name__: cls.from_row
    for cls in (
        Profile,
        Skill,
        Topic,
        Idea,
        Team,
        Membership,
        ContestRound,
        Submission,
        Invite,
        ProgressUpdate,
    )
}


def present_node(type_name: str, row: Any) -> Node | None:
    return None if row is None else NODE_TYPES[type_name](row)


@strawberry.type
class NodeQuery:
    @strawberry.federation.field(
        inaccessible=True,
        description="Any object by its global ID; null when nothing has that ID. For CIP's own "
        "clients: the supergraph leaves it out, routers fetch CIP objects through `_entities`.",
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global ID from any `id` field.")],
    ) -> Node | None:
        return present_node(*await node_row(info.context.loaders, id))

    @strawberry.federation.field(
        inaccessible=True,
        description="Up to 100 objects by their global IDs, in the order asked; null for each ID "
        "that matches nothing. For CIP's own clients, like `node`.",
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Global IDs from any `id` fields.")
        ],
    ) -> list[Node | None]:
        return [present_node(*found) for found in await node_rows(info.context.loaders, ids)]
