"""Listing and finding ideas."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import col

from loaders.idea import IDEA_COLUMNS
from loaders.pagination import Page, PageRequest, fetch_page
from models import IdeaSkill, IdeaTopic, Skill, Topic
from models.db import Reader
from models.enums import IdeaStatus
from models.idea import Idea
from resolvers.search import idea_search_condition


async def ideas_page(
    reader: Reader,
    request: PageRequest,
    *,
    statuses: Sequence[IdeaStatus] = (),
    topic_slugs: Sequence[str] = (),
    skill_slugs: Sequence[str] = (),
    owner_id: int | None = None,
    search: str | None = None,
) -> Page:
    """Ideas matching every given filter; within a list filter, any value matches."""
    statement = select(*IDEA_COLUMNS)
    if statuses:
        statement = statement.where(col(Idea.status).in_(statuses))
    if owner_id is not None:
        statement = statement.where(col(Idea.owner_id) == owner_id)
    if topic_slugs:
        statement = statement.where(
            col(Idea.id).in_(
                select(col(IdeaTopic.idea_id))
                .join(Topic, col(Topic.id) == col(IdeaTopic.topic_id))
                .where(col(Topic.slug).in_(topic_slugs))
            )
        )
    if skill_slugs:
        statement = statement.where(
            col(Idea.id).in_(
                select(col(IdeaSkill.idea_id))
                .join(Skill, col(Skill.id) == col(IdeaSkill.skill_id))
                .where(col(Skill.slug).in_(skill_slugs))
            )
        )
    if search is not None:
        statement = statement.where(idea_search_condition(reader.dialect, search))
    return await fetch_page(reader, statement, col(Idea.id), request)
