"""A team's project log."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from resolvers.ids import to_global_id
from schema import profile as profile_types
from schema import team as team_types
from schema.base import Info, Node, utc
from schema.enums import ProgressOutcome

if TYPE_CHECKING:
    from schema.profile import Profile
    from schema.team import Team


@strawberry.type(description="An entry in a team's project log; a SUCCESSFUL_FAILURE carries its lessons.")
class ProgressUpdate(Node):
    pk: strawberry.Private[int]
    team_id: strawberry.Private[int]
    author_id: strawberry.Private[int | None]
    title: str = strawberry.field(description="A headline for the entry.")
    body: str = strawberry.field(description="What happened.")
    outcome: ProgressOutcome = strawberry.field(description="Ongoing, delivered, or a successful failure.")
    lessons_learned: str | None = strawberry.field(
        description="What others can learn; always present for a SUCCESSFUL_FAILURE."
    )
    created_at: datetime = strawberry.field(description="When the entry was posted.")

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("ProgressUpdate", row.id)),
            pk=row.id,
            team_id=row.team_id,
            author_id=row.author_id,
            title=row.title,
            body=row.body,
            outcome=row.outcome,
            lessons_learned=row.lessons_learned,
            created_at=utc(row.created_at),
        )

    @strawberry.field(description="The team whose log this is.")
    async def team(self, info: Info) -> Annotated["Team", strawberry.lazy("schema.team")]:
        return team_types.Team.from_row(await info.context.loaders.team_by_id.load(self.team_id))

    @strawberry.field(description="Who posted it; null once the author deleted their profile.")
    async def author(self, info: Info) -> Annotated["Profile", strawberry.lazy("schema.profile")] | None:
        if self.author_id is None:
            return None
        row = await info.context.loaders.profile_by_id.load(self.author_id)
        return None if row is None else profile_types.Profile.from_row(row)
