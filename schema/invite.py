"""Invitations to work on an idea or to join a team."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from resolvers import invite as invites
from resolvers.change import Change, key_or_rejected
from resolvers.ids import to_global_id
from schema import idea as idea_types
from schema import profile as profile_types
from schema import team as team_types
from schema.arguments import ObjectId, described
from schema.base import Info, Node, utc, utc_or_none
from schema.enums import InviteStatus
from schema.mutation import UserError, changed

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

    @strawberry.field(description="The idea the invitation is about; null when the viewer may not see it.")
    async def idea(self, info: Info) -> Annotated["Idea", strawberry.lazy("schema.idea")] | None:
        row = None if self.idea_id is None else await info.context.loaders.idea_by_id.load(self.idea_id)
        return None if row is None else idea_types.Idea.from_row(row)

    @strawberry.field(
        description="The team the invitation is to join; null until the team forms, or when the viewer "
        "may not see it."
    )
    async def team(self, info: Info) -> Annotated["Team", strawberry.lazy("schema.team")] | None:
        row = None if self.team_id is None else await info.context.loaders.team_by_id.load(self.team_id)
        return None if row is None else team_types.Team.from_row(row)


@strawberry.input(description="An invitation to join the team carrying one of your ideas.")
class SendInviteInput:
    recipient_id: strawberry.ID = strawberry.field(description="The invited member's profile ID.")
    idea_id: strawberry.ID = strawberry.field(
        description="The published idea whose team they are invited to."
    )
    message: str | None = strawberry.field(
        default=None, description="A personal note; at most 2,000 characters."
    )


@strawberry.type(description="The result of a change to an invitation.")
class InvitePayload:
    invite: Invite | None = strawberry.field(description="The invitation as it is now; null when refused.")
    errors: list[UserError] = strawberry.field(description="Why the change was refused; empty on success.")


async def _invite_payload(info: Info, work: Callable[[Change], Awaitable[int | None]]) -> InvitePayload:
    invite, errors = await changed(info, work, lambda loaders: loaders.invite_by_id, Invite.from_row)
    return InvitePayload(invite=invite, errors=errors)


def _key(id: str) -> int:
    return key_or_rejected(id, "id", "Invite")


@strawberry.type
class InviteMutation:
    @strawberry.mutation(
        description="Invites a member to an idea's team. No self-invitations, one pending invitation "
        "per member and idea, and at most 30 invitations an hour."
    )
    async def send_invite(
        self, info: Info, input: Annotated[SendInviteInput, described("Whom to invite to which idea.")]
    ) -> InvitePayload | None:
        return await _invite_payload(
            info,
            lambda c: invites.send_invite(
                c,
                key_or_rejected(input.recipient_id, "recipientId", "Profile"),
                key_or_rejected(input.idea_id, "ideaId", "Idea"),
                input.message,
            ),
        )

    @strawberry.mutation(
        description="Accepts (joining the idea's team, or forming it with the owner as lead) or declines "
        "an invitation you received."
    )
    async def respond_to_invite(
        self,
        info: Info,
        id: ObjectId,
        accept: Annotated[bool, described("True to accept, false to decline.")],
    ) -> InvitePayload | None:
        return await _invite_payload(info, lambda c: invites.respond_to_invite(c, _key(id), accept))

    @strawberry.mutation(description="Withdraws a pending invitation you sent.")
    async def withdraw_invite(self, info: Info, id: ObjectId) -> InvitePayload | None:
        return await _invite_payload(info, lambda c: invites.withdraw_invite(c, _key(id)))
