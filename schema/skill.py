"""The curated skill taxonomy."""

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from resolvers import skill as skills
from resolvers.change import Change
from resolvers.ids import to_global_id
from resolvers.skill import skills_page
from schema import idea as idea_types
from schema import profile as profile_types
from schema.arguments import After, Before, First, Last, described
from schema.base import PUBLIC, Connection, Info, Node
from schema.connection import requested_page
from schema.enums import IdeaStatus, SkillCategory, SkillDirection
from schema.mutation import UserError, changed, given

if TYPE_CHECKING:
    from schema.idea import Idea
    from schema.profile import Profile


@strawberry.federation.type(
    keys=["id", "slug"],
    tags=[PUBLIC],
    description="A skill of the curated taxonomy, offered or sought by profiles.",
)
class Skill(Node):
    pk: strawberry.Private[int]
    slug: str = strawberry.field(description="The stable, human-readable key, e.g. `nlp`.")
    name: str = strawberry.field(description="The skill's name.")
    category: SkillCategory = strawberry.field(description="The group the skill belongs to.")

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Skill", row.id)),
            pk=row.id,
            slug=row.slug,
            name=row.name,
            category=row.category,
        )

    @strawberry.field(description="Profiles that offer or seek this skill; pass `direction` for one side.")
    async def profiles(
        self,
        info: Info,
        direction: Annotated[
            SkillDirection | None, described("Only profiles offering, or only seeking, it.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Profile", strawberry.lazy("schema.profile")]]:
        request = requested_page(info, first, after, last, before)
        page = await info.context.loaders.profiles_by_skill_id(request, direction).load(self.pk)
        return Connection.of(page, profile_types.Profile.from_row)

    @strawberry.field(description="Ideas that need this skill, newest first.")
    async def ideas(
        self,
        info: Info,
        status: Annotated[IdeaStatus | None, described("Only ideas in this status.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Idea", strawberry.lazy("schema.idea")]]:
        request = requested_page(info, first, after, last, before, descending=True)
        page = await info.context.loaders.ideas_by_skill_id(request, status).load(self.pk)
        return Connection.of(page, idea_types.Idea.from_row)


@strawberry.type
class SkillQuery:
    @strawberry.federation.field(
        tags=[PUBLIC],
        description="The skill taxonomy, in the order skills were added. "
        "Null, with an error, only when an argument is bad.",
    )
    async def skills(
        self,
        info: Info,
        category: Annotated[
            list[SkillCategory] | None, described("Only skills in any of these categories.")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Skill] | None:
        page = await skills_page(
            info.context.reader,
            requested_page(info, first, after, last, before),
            categories=category or (),
        )
        return Connection.of(page, Skill.from_row)

    @strawberry.federation.field(tags=[PUBLIC], description="One skill by its slug; null when there is none.")
    async def skill(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="The skill's slug, e.g. `nlp`.")],
    ) -> Skill | None:
        row = await info.context.loaders.skill_by_slug.load(slug)
        return None if row is None else Skill.from_row(row)


@strawberry.input(description="A new skill for the taxonomy.")
class CreateSkillInput:
    slug: str = strawberry.field(
        description="The stable key: lower-case words joined by '-', e.g. `open-data`."
    )
    name: str = strawberry.field(description="1 to 120 characters.")
    category: SkillCategory = strawberry.field(description="The group it belongs to.")


@strawberry.input(description="Changes to a skill; its slug stays, fields left out stay as they are.")
class UpdateSkillInput:
    slug: str = strawberry.field(description="The skill's slug.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="1 to 120 characters.")
    category: SkillCategory | None = strawberry.field(default=strawberry.UNSET, description="The group.")


@strawberry.type(description="The result of a change to the taxonomy.")
class SkillPayload:
    skill: Skill | None = strawberry.field(description="The skill as it is now; null when refused.")
    errors: list[UserError] = strawberry.field(description="Why the change was refused; empty on success.")


async def _skill_payload(info: Info, work: Callable[[Change], Awaitable[int | None]]) -> SkillPayload:
    skill, errors = await changed(info, work, lambda loaders: loaders.skill_by_id, Skill.from_row)
    return SkillPayload(skill=skill, errors=errors)


@strawberry.type
class SkillMutation:
    @strawberry.mutation(description="Admins only: adds a skill to the taxonomy.")
    async def create_skill(
        self, info: Info, input: Annotated[CreateSkillInput, described("The new skill.")]
    ) -> SkillPayload | None:
        return await _skill_payload(
            info, lambda c: skills.create_skill(c, input.slug, input.name, input.category)
        )

    @strawberry.mutation(description="Admins only: renames or regroups a skill.")
    async def update_skill(
        self, info: Info, input: Annotated[UpdateSkillInput, described("The skill and the fields to change.")]
    ) -> SkillPayload | None:
        values = given(input, "slug")
        return await _skill_payload(info, lambda c: skills.update_skill(c, input.slug, values))
