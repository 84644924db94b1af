"""Invitations to work on an idea or to join a team."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from resolvers.ids import to_global_id
from schema import idea as idea_types
from schema import profile as profile_types
from schema import team as team_types
from schema.base import Info, Node, utc, utc_or_none
from schema.enums import InviteStatus

if TYPE_CHECKING:
    from schema.idea import Idea
    from schema.profile import Profile
    from schema.team import Team


@strawberry.type(description="An invitation from one profile to another about an idea or a team.")
class Invite(Node):
    pk: strawberry.Private[int]
    sender_id: strawberry.Private[int]
    recipient_id: strawberry.Private[int]
    idea_id: strawberry.Private[int | None]
    team_id: strawberry.Private[int | None]
    message: str | None = strawberry.field(description="A personal note from the sender.")
    status: InviteStatus = strawberry.field(description="Where the invitation stands.")
    created_at: datetime = strawberry.field(description="When it was sent.")
    responded_at: datetime | None = strawberry.field(
        description="When it was accepted, declined, withdrawn or expired; null while pending."
    )

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Invite", row.id)),
            pk=row.id,
            sender_id=row.sender_id,
            recipient_id=row.recipient_id,
            idea_id=row.idea_id,
            team_id=row.team_id,
            message=row.message,
            status=row.status,
            created_at=utc(row.created_at),
            responded_at=utc_or_none(row.responded_at),
        )

    @strawberry.field(description="Who sent the invitation.")
    async def sender(self, info: Info) -> Annotated["Profile", strawberry.lazy("schema.profile")]:
        return profile_types.Profile.from_row(await info.context.loaders.profile_by_id.load(self.sender_id))

    @strawberry.field(description="Who was invited.")
    async def recipient(self, info: Info) -> Annotated["Profile", strawberry.lazy("schema.profile")]:
        return profile_types.Profile.from_row(
            await info.context.loaders.profile_by_id.load(self.recipient_id)
        )

    @strawberry.field(description="The idea the invitation is about, if any.")
    async def idea(self, info: Info) -> Annotated["Idea", strawberry.lazy("schema.idea")] | None:
        if self.idea_id is None:
            return None
        return idea_types.Idea.from_row(await info.context.loaders.idea_by_id.load(self.idea_id))

    @strawberry.field(description="The team the invitation is to join, if any.")
    async def team(self, info: Info) -> Annotated["Team", strawberry.lazy("schema.team")] | None:
        if self.team_id is None:
            return None
        return team_types.Team.from_row(await info.context.loaders.team_by_id.load(self.team_id))
