"""Listing and finding ideas."""

from collections.abc import Sequence
from functools import cache

from sqlalchemy import bindparam, select
from sqlmodel import col

from loaders.idea import IDEA_COLUMNS
from loaders.pagination import ListQuery, Page, PageRequest, fetch_page
from models import Idea, IdeaSkill, IdeaTopic, Skill, Topic
from models.db import RequestReader
from models.enums import IdeaStatus
from models.query import in_array
from resolvers.policy import ideas_visible
from resolvers.search import IdeaMatches, search_argument
from resolvers.viewer import Reach, Viewer


@cache
def _ideas(statuses: int, topics: bool, skills: bool, owner: bool, search: bool, reach: Reach) -> ListQuery:
    """The list's SQL for one combination of filters, built once. One status is an equality, so
    SQLite walks the (status, id) index in order instead of sorting every match."""
    statement = select(*IDEA_COLUMNS).where(ideas_visible(reach))
    if statuses == 1:
        statement = statement.where(col(Idea.status) == bindparam("status"))
    elif statuses:
        statement = statement.where(in_array(col(Idea.status), "statuses"))
    if owner:
        statement = statement.where(col(Idea.owner_id) == bindparam("owner"))
    if topics:
        in_topics = select(col(IdeaTopic.idea_id)).join(Topic).where(in_array(col(Topic.slug), "topics"))
        statement = statement.where(col(Idea.id).in_(in_topics))
    if skills:
        needing = select(col(IdeaSkill.idea_id)).join(Skill).where(in_array(col(Skill.slug), "skills"))
        statement = statement.where(col(Idea.id).in_(needing))
    if search:
        statement = statement.where(IdeaMatches())
    return ListQuery(statement, col(Idea.id))


async def ideas_page(
    reader: RequestReader,
    viewer: Viewer,
    request: PageRequest,
    *,
    statuses: Sequence[IdeaStatus] = (),
    topic_slugs: Sequence[str] = (),
    skill_slugs: Sequence[str] = (),
    owner_id: int | None = None,
    search: str | None = None,
) -> Page:
    """Ideas the viewer may see matching every given filter; within a list filter, any value matches."""
    query = _ideas(
        min(len(statuses), 2),
        bool(topic_slugs),
        bool(skill_slugs),
        owner_id is not None,
        search is not None,
        viewer.reach,
    )
    return await fetch_page(
        reader,
        query,
        request,
        status=statuses[0] if statuses else None,
        statuses=[status.value for status in statuses],
        topics=list(topic_slugs),
        skills=list(skill_slugs),
        owner=owner_id,
        search=None if search is None else search_argument(reader.dialect, search),
        **viewer.parameters,
    )
