"""Ideas by id, and pages of ideas per owner, per skill needed and per topic."""

from functools import cache
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import bindparam, select
from sqlmodel import col

from loaders.base import keyed, row_by_key_loader
from loaders.pagination import Page, PageRequest, ParentListQuery, page_by_parent_loader
from models import Idea, IdeaSkill, IdeaTopic
from models.db import RequestReader
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
IDEA_BY_ID = keyed(select(*IDEA_COLUMNS), col(Idea.id))
PARENTS: dict[str, tuple[Any, Any]] = {
    "owner": (None, col(Idea.owner_id)),
    "skill": (col(IdeaSkill.idea_id), col(IdeaSkill.skill_id)),
    "topic": (col(IdeaTopic.idea_id), col(IdeaTopic.topic_id)),
}
"""Each parent of an idea list: the link table's idea column (if any), and the parent's key."""


def idea_by_id(reader: RequestReader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, IDEA_BY_ID)


@cache
def _ideas_by(parent_name: str, one_status: bool) -> ParentListQuery:
    link, parent = PARENTS[parent_name]
    statement = select(*IDEA_COLUMNS)
    if link is not None:
        statement = statement.join(link.table, link == col(Idea.id))
    if one_status:
        statement = statement.where(col(Idea.status) == bindparam("status"))
    return ParentListQuery(statement, parent, col(Idea.id))


def _ideas_loader(
    reader: RequestReader, parent_name: str, request: PageRequest, status: IdeaStatus | None
) -> DataLoader[int, Page]:
    return page_by_parent_loader(reader, _ideas_by(parent_name, status is not None), request, status=status)


def ideas_by_owner_id(
    reader: RequestReader, request: PageRequest, status: IdeaStatus | None
) -> DataLoader[int, Page]:
    return _ideas_loader(reader, "owner", request, status)


def ideas_by_skill_id(
    reader: RequestReader, request: PageRequest, status: IdeaStatus | None
) -> DataLoader[int, Page]:
    return _ideas_loader(reader, "skill", request, status)


def ideas_by_topic_id(
    reader: RequestReader, request: PageRequest, status: IdeaStatus | None
) -> DataLoader[int, Page]:
    return _ideas_loader(reader, "topic", request, status)
