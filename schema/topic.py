"""Fields of action ideas work in."""

from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from resolvers.ids import to_global_id
from resolvers.topic import all_topics
from schema import idea as idea_types
from schema.arguments import After, Before, First, Last, described
from schema.base import PUBLIC, Connection, Info, Node
from schema.connection import requested_page
from schema.enums import IdeaStatus

if TYPE_CHECKING:
    from schema.idea import Idea


@strawberry.federation.type(
    tags=[PUBLIC], description="A field of action ideas work in: work, environment, health, education, ..."
)
class Topic(Node):
    pk: strawberry.Private[int]
    slug: str = strawberry.field(description="The stable, human-readable key, e.g. `health`.")
    name: str = strawberry.field(description="The topic's name.")
    description: str | None = strawberry.field(description="What the field of action covers.")

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Topic", row.id)),
            pk=row.id,
            slug=row.slug,
            name=row.name,
            description=row.description,
        )

    @strawberry.field(description="Ideas in this field of action, newest first.")
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
        page = await info.context.loaders.ideas_by_topic_id(request, status).load(self.pk)
        return Connection.of(page, idea_types.Idea.from_row)


@strawberry.type
class TopicQuery:
    @strawberry.federation.field(tags=[PUBLIC], description="All fields of action, by name.")
    async def topics(self, info: Info) -> list[Topic]:
        return [Topic.from_row(row) for row in await all_topics(info.context.reader)]

    @strawberry.federation.field(
        tags=[PUBLIC], description="One field of action by its slug; null when there is none."
    )
    async def topic(
        self, info: Info, slug: Annotated[str, described("The topic's slug, e.g. `health`.")]
    ) -> Topic | None:
        row = await info.context.loaders.topic_by_slug.load(slug)
        return None if row is None else Topic.from_row(row)
