"""Teams of two to four carrying an idea, and their memberships."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from resolvers import team as teams
from resolvers.change import Change, key_or_rejected
from resolvers.ids import to_global_id
from resolvers.node import row_of_type
from resolvers.team import teams_page
from schema import contest as contest_types
from schema import idea as idea_types
from schema import profile as profile_types
from schema import progress as progress_types
from schema.arguments import After, Before, First, Last, ObjectId
from schema.base import Connection, Info, Node, utc
from schema.connection import requested_page
from schema.enums import TeamRole
from schema.mutation import UserError, changed
from schema.permissions import SignedIn, TeamMember, guard

if TYPE_CHECKING:
    from schema.contest import Submission
    from schema.idea import Idea
    from schema.profile import Profile
    from schema.progress import ProgressUpdate


@strawberry.federation.type(
    keys=["id"], description="Two to four partners, ideally across sectors, carrying one idea."
)
class Team(Node):
    pk: strawberry.Private[int]
    idea_id: strawberry.Private[int]
    name: str = strawberry.field(description="The team's name.")
    created_at: datetime = strawberry.field(description="When the team formed.")

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Team", row.id)),
            pk=row.id,
            idea_id=row.idea_id,
            name=row.name,
            created_at=utc(row.created_at),
        )

    @strawberry.field(description="The idea the team carries; null when the viewer may not see it.")
    async def idea(self, info: Info) -> Annotated["Idea", strawberry.lazy("schema.idea")] | None:
        row = await info.context.loaders.idea_by_id.load(self.idea_id)
        return None if row is None else idea_types.Idea.from_row(row)

    @strawberry.field(description="Who is in the team, the lead first.")
    async def members(self, info: Info) -> list["Membership"]:
        rows = await info.context.loaders.memberships_by_team_id.load(self.pk)
        return [Membership.from_row(row) for row in rows]

    @strawberry.field(description="The team's entries to contest and funding rounds that the viewer may see.")
    async def submissions(
        self, info: Info
    ) -> list[Annotated["Submission", strawberry.lazy("schema.contest")]]:
        rows = await info.context.loaders.submissions_by_team_id.load(self.pk)
        return [contest_types.Submission.from_row(row) for row in rows]

    @strawberry.field(
        description="The team's project log, newest first; the team's members only.",
        extensions=guard(TeamMember),
    )
    async def progress(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["ProgressUpdate", strawberry.lazy("schema.progress")]] | None:
        request = requested_page(info, first, after, last, before, descending=True)
        page = await info.context.loaders.progress_by_team_id(request).load(self.pk)
        return Connection.of(page, progress_types.ProgressUpdate.from_row)


@strawberry.type(description="A profile's place in a team.")
class Membership(Node):
    pk: strawberry.Private[int]
    team_id: strawberry.Private[int]
    profile_id: strawberry.Private[int | None]
    role: TeamRole = strawberry.field(description="LEAD or MEMBER.")
    joined_at: datetime = strawberry.field(description="When the profile joined the team.")

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Membership", row.id)),
            pk=row.id,
            team_id=row.team_id,
            profile_id=row.profile_id,
            role=row.role,
            joined_at=utc(row.joined_at),
        )

    @strawberry.field(description="The team.")
    async def team(self, info: Info) -> Team:
        return Team.from_row(await info.context.loaders.team_by_id.load(self.team_id))

    @strawberry.field(
        description="The member; null for a former member who deleted their profile after the team "
        "entered a round."
    )
    async def profile(self, info: Info) -> Annotated["Profile", strawberry.lazy("schema.profile")] | None:
        if self.profile_id is None:
            return None
        return profile_types.Profile.from_row(await info.context.loaders.profile_by_id.load(self.profile_id))


@strawberry.type
class TeamQuery:
    @strawberry.field(
        description="Teams the viewer may see, in the order they formed; signed-in members only. "
        "Null, with an error, when an argument is bad.",
        extensions=guard(SignedIn),
    )
    async def teams(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Team] | None:
        page = await teams_page(
            info.context.reader, info.context.viewer, requested_page(info, first, after, last, before)
        )
        return Connection.of(page, Team.from_row)

    @strawberry.field(description="One team by its global ID; null when there is none.")
    async def team(self, info: Info, id: ObjectId) -> Team | None:
        row = await row_of_type(info.context.loaders, id, "Team")
        return None if row is None else Team.from_row(row)


@strawberry.type(description="The result of leaving a team.")
class LeaveTeamPayload:
    team: Team | None = strawberry.field(
        description="The team as you now see it; null when refused, dissolved or no longer visible to you."
    )
    dissolved: bool = strawberry.field(
        description="True when the team, left with fewer than two members and no submission, dissolved."
    )
    errors: list[UserError] = strawberry.field(description="Why leaving was refused; empty on success.")


@strawberry.type
class TeamMutation:
    @strawberry.mutation(
        description="Leaves a team. If the lead leaves, the longest-standing member leads; a team left "
        "with fewer than two members dissolves unless it has a submission."
    )
    async def leave_team(self, info: Info, id: ObjectId) -> LeaveTeamPayload | None:
        outcome: dict[str, int | None] = {}

        async def leave(change: Change) -> int | None:
            outcome["team"] = await teams.leave_team(change, key_or_rejected(id, "id", "Team"))
            return outcome["team"]

        team, errors = await changed(info, leave, lambda loaders: loaders.team_by_id, Team.from_row)
        return LeaveTeamPayload(team=team, dissolved=not errors and outcome["team"] is None, errors=errors)
