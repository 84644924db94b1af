"""Ideas by id, and pages of ideas per owner, per skill needed and per topic."""

from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import SQLColumnExpression, select
from sqlmodel import col

from loaders.base import row_by_key_loader
from loaders.pagination import Page, PageRequest, page_by_parent_loader
from models import Idea, IdeaSkill, IdeaTopic
from models.db import Reader
from models.enums import IdeaStatus

IDEA_COLUMNS = (
    col(Idea.id),
    col(Idea.owner_id),
    col(Idea.title),
    col(Idea.teaser),
    col(Idea.description),
    col(Idea.status),
    col(Idea.created_at),
    col(Idea.updated_at),
    col(Idea.published_at),
)


def idea_by_id(reader: Reader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, select(*IDEA_COLUMNS), col(Idea.id))


def _ideas_page_loader(
    reader: Reader,
    parent: SQLColumnExpression[Any],
    request: PageRequest,
    status: IdeaStatus | None,
    join: Any = None,
) -> DataLoader[int, Page]:
    statement = select(*IDEA_COLUMNS)
    if join is not None:
        statement = statement.join(join, join.idea_id == col(Idea.id))
    if status is not None:
        statement = statement.where(col(Idea.status) == status)
    return page_by_parent_loader(reader, statement, parent, col(Idea.id), request)


def ideas_by_owner_id(
    reader: Reader, request: PageRequest, status: IdeaStatus | None
) -> DataLoader[int, Page]:
    return _ideas_page_loader(reader, col(Idea.owner_id), request, status)


def ideas_by_skill_id(
    reader: Reader, request: PageRequest, status: IdeaStatus | None
) -> DataLoader[int, Page]:
    return _ideas_page_loader(reader, col(IdeaSkill.skill_id), request, status, IdeaSkill)


def ideas_by_topic_id(
    reader: Reader, request: PageRequest, status: IdeaStatus | None
) -> DataLoader[int, Page]:
    return _ideas_page_loader(reader, col(IdeaTopic.topic_id), request, status, IdeaTopic)
