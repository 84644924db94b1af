"""A team's project log."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from resolvers import progress
from resolvers.change import key_or_rejected
from resolvers.ids import to_global_id
from schema import profile as profile_types
from schema import team as team_types
from schema.arguments import described
from schema.base import Info, Node, utc
from schema.enums import ProgressOutcome
from schema.mutation import UserError, changed, given

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


@strawberry.input(description="An entry for your team's project log.")
class PostProgressUpdateInput:
    team_id: strawberry.ID = strawberry.field(description="Your team's global ID.")
    title: str = strawberry.field(description="A headline, 1 to 200 characters.")
    body: str = strawberry.field(description="What happened; at most 20,000 characters.")
    outcome: ProgressOutcome = strawberry.field(description="Ongoing, delivered, or a successful failure.")
    lessons_learned: str | None = strawberry.field(
        default=None, description="What others can learn; required for a SUCCESSFUL_FAILURE."
    )


@strawberry.type(description="The result of posting to a project log.")
class ProgressUpdatePayload:
    progress_update: ProgressUpdate | None = strawberry.field(description="The new entry; null when refused.")
    errors: list[UserError] = strawberry.field(description="Why the entry was refused; empty on success.")


@strawberry.type
class ProgressMutation:
    @strawberry.mutation(
        description="Posts an entry to your team's project log, successful failures included."
    )
    async def post_progress_update(
        self, info: Info, input: Annotated[PostProgressUpdateInput, described("The team and the entry.")]
    ) -> ProgressUpdatePayload | None:
        values = given(input, "team_id")
        entry, errors = await changed(
            info,
            lambda c: progress.post_progress_update(
                c, key_or_rejected(input.team_id, "teamId", "Team"), values
            ),
            lambda loaders: loaders.progress_update_by_id,
            ProgressUpdate.from_row,
        )
        return ProgressUpdatePayload(progress_update=entry, errors=errors)
