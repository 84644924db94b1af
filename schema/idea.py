"""Project ideas: the public title and teaser, the description, topics and skills needed."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from resolvers import idea as ideas
from resolvers.change import Change, key_or_rejected
from resolvers.idea import ideas_page
from resolvers.ids import key_of, to_global_id
from resolvers.node import row_of_type
from schema import match as match_types
from schema import profile as profile_types
from schema import skill as skill_types
from schema import team as team_types
from schema import topic as topic_types
from schema.arguments import (
    After,
    Before,
    First,
    Last,
    MatchFirst,
    ObjectId,
    PartnerFilterArgument,
    described,
)
from schema.base import PUBLIC, Connection, Info, Node, utc, utc_or_none
from schema.connection import requested_page
from schema.enums import IdeaStatus
from schema.mutation import UserError, changed, given
from schema.permissions import Admin, IdeaCrew, SignedIn, guard

if TYPE_CHECKING:
    from schema.match import PartnerMatches, TeamSuggestion
    from schema.profile import Profile
    from schema.skill import Skill
    from schema.team import Team
    from schema.topic import Topic


@strawberry.federation.type(keys=["id"], tags=[PUBLIC], description="A project idea for public-interest AI.")
class Idea(Node):
    pk: strawberry.Private[int]
    owner_id: strawberry.Private[int]
    title: str = strawberry.field(description="The title, at most 120 characters.")
    teaser: str = strawberry.field(description="The part the public sees, at most 280 characters.")
    description: str | None = strawberry.field(
        description="The full description; signed-in members only.", extensions=guard(SignedIn)
    )
    status: IdeaStatus = strawberry.field(description="Draft, published or archived.")
    created_at: datetime = strawberry.field(description="When the idea was created.")
    updated_at: datetime = strawberry.field(description="When the idea last changed.")
    published_at: datetime | None = strawberry.field(
        description="When the idea was first published; null for drafts."
    )
    hidden_reason: str | None = strawberry.field(
        description="Why moderators hid the idea; null unless hidden. A hidden idea is seen only by "
        "its owner, its team and admins."
    )

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Idea", row.id)),
            pk=row.id,
            owner_id=row.owner_id,
            title=row.title,
            teaser=row.teaser,
            description=row.description,
            status=row.status,
            created_at=utc(row.created_at),
            updated_at=utc(row.updated_at),
            published_at=utc_or_none(row.published_at),
            hidden_reason=row.hidden_reason if row.hidden_at is not None else None,
        )

    @strawberry.field(description="The profile that owns the idea.")
    async def owner(self, info: Info) -> Annotated["Profile", strawberry.lazy("schema.profile")]:
        return profile_types.Profile.from_row(await info.context.loaders.profile_by_id.load(self.owner_id))

    @strawberry.field(description="The fields of action the idea works in, by name.")
    async def topics(self, info: Info) -> list[Annotated["Topic", strawberry.lazy("schema.topic")]]:
        rows = await info.context.loaders.topics_by_idea_id.load(self.pk)
        return [topic_types.Topic.from_row(row) for row in rows]

    @strawberry.field(description="The skills the idea needs to become a project, by name.")
    async def skills_needed(self, info: Info) -> list[Annotated["Skill", strawberry.lazy("schema.skill")]]:
        rows = await info.context.loaders.skills_by_idea_id.load(self.pk)
        return [skill_types.Skill.from_row(row) for row in rows]

    @strawberry.field(
        description="The team carrying the idea; null until one forms. Signed-in members only.",
        extensions=guard(SignedIn),
    )
    async def team(self, info: Info) -> Annotated["Team", strawberry.lazy("schema.team")] | None:
        row = await info.context.loaders.team_by_idea_id.load(self.pk)
        return None if row is None else team_types.Team.from_row(row)

    @strawberry.field(
        description="Profiles offering the skills the idea still needs (no one in its team offers "
        "them), rarer skills weighing more, partners from sectors the team lacks scoring 25% more; "
        "the team and pending invitations are left out. Its owner and team only.",
        extensions=guard(IdeaCrew),
    )
    async def suggested_partners(
        self,
        info: Info,
        first: MatchFirst = None,
        filter: PartnerFilterArgument = None,
    ) -> Annotated["PartnerMatches", strawberry.lazy("schema.match")] | None:
        return await match_types.partners_for_idea(info, self.pk, first, filter)

    @strawberry.field(
        description="A whole team of `size` for the idea, solved exactly: its current members, then "
        "whoever covers the most needed skills (rarer first), spanning at least two sectors, and "
        "preferring those with an invitation about the idea. Its owner and team only.",
        extensions=guard(IdeaCrew),
    )
    async def suggested_team(
        self,
        info: Info,
        size: Annotated[int, described("Members in all, current ones included: 2 to 4.")] = 4,
    ) -> Annotated["TeamSuggestion", strawberry.lazy("schema.match")] | None:
        return await match_types.team_for_idea(info, self.pk, size)

    @strawberry.field(
        description="Members' reports of this idea, oldest first; admins only.", extensions=guard(Admin)
    )
    async def reports(self, info: Info) -> list["IdeaReport"] | None:
        return [
            IdeaReport.from_row(row) for row in await info.context.loaders.reports_by_idea_id.load(self.pk)
        ]


@strawberry.type(description="A member's report of an idea to the moderators.")
class IdeaReport:
    reporter_id: strawberry.Private[int]
    reason: str = strawberry.field(description="What the member found wrong.")
    created_at: datetime = strawberry.field(description="When the report was made.")

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(reporter_id=row.reporter_id, reason=row.reason, created_at=utc(row.created_at))

    @strawberry.field(description="Who reported the idea.")
    async def reporter(self, info: Info) -> Annotated["Profile", strawberry.lazy("schema.profile")]:
        return profile_types.Profile.from_row(await info.context.loaders.profile_by_id.load(self.reporter_id))


@strawberry.enum(description="The order of an idea list.")
class IdeaOrder(Enum):
    NEWEST_FIRST = "NEWEST_FIRST"
    OLDEST_FIRST = "OLDEST_FIRST"


@strawberry.input(description="Narrows an idea list; every given field must match.")
class IdeaFilter:
    status: list[IdeaStatus] | None = strawberry.field(default=None, description="Any of these statuses.")
    topics: list[str] | None = strawberry.field(default=None, description="In any of these topics, by slug.")
    skills_needed: list[str] | None = strawberry.field(
        default=None, description="Needing any of these skills, by slug."
    )
    owner: strawberry.ID | None = strawberry.field(
        default=None, description="Owned by this profile (its global ID)."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Words to find in title, teaser and description; German word forms match "
        '("Verwaltungen" finds "Verwaltung").',
    )


@strawberry.type
class IdeaQuery:
    @strawberry.federation.field(
        tags=[PUBLIC],
        description="Ideas, newest first unless `orderBy` says otherwise. "
        "Null, with an error, only when an argument is bad.",
    )
    async def ideas(
        self,
        info: Info,
        filter: Annotated[IdeaFilter | None, described("Only ideas matching this.")] = None,
        order_by: Annotated[IdeaOrder, described("Newest or oldest first.")] = IdeaOrder.NEWEST_FIRST,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Idea] | None:
        request = requested_page(
            info, first, after, last, before, descending=order_by is IdeaOrder.NEWEST_FIRST
        )
        given = filter or IdeaFilter()
        page = await ideas_page(
            info.context.reader,
            info.context.viewer,
            request,
            statuses=given.status or (),
            topic_slugs=given.topics or (),
            skill_slugs=given.skills_needed or (),
            owner_id=None if given.owner is None else key_of(given.owner, "filter.owner", "Profile"),
            search=given.search,
        )
        return Connection.of(page, Idea.from_row)

    @strawberry.federation.field(
        tags=[PUBLIC], description="One idea by its global ID; null when there is none."
    )
    async def idea(self, info: Info, id: ObjectId) -> Idea | None:
        row = await row_of_type(info.context.loaders, id, "Idea")
        return None if row is None else Idea.from_row(row)


@strawberry.input(description="A new idea; it starts as a draft only you see.")
class CreateIdeaInput:
    title: str = strawberry.field(description="1 to 120 characters.")
    teaser: str = strawberry.field(description="What the public sees: 1 to 280 characters.")
    description: str | None = strawberry.field(
        default=None, description="The full description for members; at most 20,000 characters."
    )
    topics: list[str] = strawberry.field(default_factory=list, description="Fields of action, by slug.")
    skills_needed: list[str] = strawberry.field(
        default_factory=list, description="Skills the idea needs, by slug."
    )


@strawberry.input(description="Changes to an idea you own; fields left out stay as they are.")
class UpdateIdeaInput:
    id: strawberry.ID = strawberry.field(description="The idea's global ID.")
    title: str | None = strawberry.field(default=strawberry.UNSET, description="1 to 120 characters.")
    teaser: str | None = strawberry.field(default=strawberry.UNSET, description="1 to 280 characters.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="At most 20,000 characters."
    )
    topics: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the fields of action, by slug."
    )
    skills_needed: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the skills needed, by slug."
    )


@strawberry.type(description="The result of a change to an idea.")
class IdeaPayload:
    idea: Idea | None = strawberry.field(description="The idea as you now see it; null when refused.")
    errors: list[UserError] = strawberry.field(description="Why the change was refused; empty on success.")


async def _idea_payload(info: Info, work: Callable[[Change], Awaitable[int | None]]) -> IdeaPayload:
    idea, errors = await changed(info, work, lambda loaders: loaders.idea_by_id, Idea.from_row)
    return IdeaPayload(idea=idea, errors=errors)


def _key(id: str) -> int:
    return key_or_rejected(id, "id", "Idea")


Reason = Annotated[str, described("Why, in words the owner will read; at most 2,000 characters.")]


@strawberry.type
class IdeaMutation:
    @strawberry.mutation(description="Creates a draft idea owned by you.")
    async def create_idea(
        self, info: Info, input: Annotated[CreateIdeaInput, described("The new idea.")]
    ) -> IdeaPayload | None:
        values = given(input, "topics", "skills_needed")
        return await _idea_payload(
            info, lambda c: ideas.create_idea(c, values, input.topics, input.skills_needed)
        )

    @strawberry.mutation(description="Changes an idea you own.")
    async def update_idea(
        self, info: Info, input: Annotated[UpdateIdeaInput, described("The idea and the fields to change.")]
    ) -> IdeaPayload | None:
        values = given(input, "id", "topics", "skills_needed")
        topics = None if input.topics is strawberry.UNSET else input.topics
        skills = None if input.skills_needed is strawberry.UNSET else input.skills_needed
        return await _idea_payload(
            info, lambda c: ideas.update_idea(c, _key(input.id), values, topics, skills)
        )

    @strawberry.mutation(
        description="Publishes a draft: everyone sees its title and teaser, members its description. "
        "Needs a title, a teaser of at most 280 characters and a description."
    )
    async def publish_idea(self, info: Info, id: ObjectId) -> IdeaPayload | None:
        return await _idea_payload(info, lambda c: ideas.publish_idea(c, _key(id)))

    @strawberry.mutation(description="Turns a published idea back into a draft.")
    async def unpublish_idea(self, info: Info, id: ObjectId) -> IdeaPayload | None:
        return await _idea_payload(info, lambda c: ideas.unpublish_idea(c, _key(id)))

    @strawberry.mutation(
        description="Archives an idea that was published: kept for the record, members see it."
    )
    async def archive_idea(self, info: Info, id: ObjectId) -> IdeaPayload | None:
        return await _idea_payload(info, lambda c: ideas.archive_idea(c, _key(id)))

    @strawberry.mutation(
        description="Moderation, admins only: hides an idea from all but its owner and team."
    )
    async def hide_idea(self, info: Info, id: ObjectId, reason: Reason) -> IdeaPayload | None:
        return await _idea_payload(info, lambda c: ideas.hide_idea(c, _key(id), reason))

    @strawberry.mutation(description="Moderation, admins only: shows a hidden idea again.")
    async def unhide_idea(self, info: Info, id: ObjectId) -> IdeaPayload | None:
        return await _idea_payload(info, lambda c: ideas.unhide_idea(c, _key(id)))

    @strawberry.mutation(description="Reports an idea to the moderators; once per member and idea.")
    async def report_idea(self, info: Info, id: ObjectId, reason: Reason) -> IdeaPayload | None:
        return await _idea_payload(info, lambda c: ideas.report_idea(c, _key(id), reason))
