"""Ideas by id, and pages of ideas per owner, per skill needed and per topic."""

from functools import cache
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import bindparam, select
from sqlmodel import col

from loaders.base import keyed, row_by_key_loader, rows_by_key_loader
from loaders.pagination import Page, PageRequest, ParentListQuery, page_by_parent_loader
from models import Idea, IdeaReport, IdeaSkill, IdeaTopic
from models.db import RequestReader
from models.enums import IdeaStatus
from models.query import AnySelect, Query
from resolvers.policy import ideas_visible
from resolvers.viewer import Reach, Viewer

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
    col(Idea.hidden_at),
    col(Idea.hidden_reason),
)
PARENTS: dict[str, tuple[Any, Any]] = {
    "owner": (None, col(Idea.owner_id)),
    "skill": (col(IdeaSkill.idea_id), col(IdeaSkill.skill_id)),
    "topic": (col(IdeaTopic.idea_id), col(IdeaTopic.topic_id)),
}
"""Each parent of an idea list: the link table's idea column (if any), and the parent's key."""


@cache
def _idea_by_id(reach: Reach) -> Query:
    return keyed(select(*IDEA_COLUMNS).where(ideas_visible(reach)), col(Idea.id))


def idea_by_id(reader: RequestReader, viewer: Viewer) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, _idea_by_id(viewer.reach), **viewer.parameters)


def ideas_by_owner_statement(one_status: bool, reach: Reach) -> AnySelect:
    """A profile's ideas, before paging: the compiled plans page them in SQL themselves."""
    return _ideas_by("owner", one_status, reach).statement


@cache
def _ideas_by(parent_name: str, one_status: bool, reach: Reach) -> ParentListQuery:
    link, parent = PARENTS[parent_name]
    statement = select(*IDEA_COLUMNS).where(ideas_visible(reach))
    if link is not None:
        statement = statement.join(link.table, link == col(Idea.id))
    if one_status:
        statement = statement.where(col(Idea.status) == bindparam("status"))
    return ParentListQuery(statement, parent, col(Idea.id))


def _ideas_loader(
    reader: RequestReader, viewer: Viewer, parent_name: str, request: PageRequest, status: IdeaStatus | None
) -> DataLoader[int, Page]:
    query = _ideas_by(parent_name, status is not None, viewer.reach)
    return page_by_parent_loader(reader, query, request, status=status, **viewer.parameters)


def ideas_by_owner_id(
    reader: RequestReader, viewer: Viewer, request: PageRequest, status: IdeaStatus | None
) -> DataLoader[int, Page]:
    return _ideas_loader(reader, viewer, "owner", request, status)


def ideas_by_skill_id(
    reader: RequestReader, viewer: Viewer, request: PageRequest, status: IdeaStatus | None
) -> DataLoader[int, Page]:
    return _ideas_loader(reader, viewer, "skill", request, status)


def ideas_by_topic_id(
    reader: RequestReader, viewer: Viewer, request: PageRequest, status: IdeaStatus | None
) -> DataLoader[int, Page]:
    return _ideas_loader(reader, viewer, "topic", request, status)


REPORTS_BY_IDEA_ID = keyed(
    select(
        col(IdeaReport.id),
        col(IdeaReport.idea_id),
        col(IdeaReport.reporter_id),
        col(IdeaReport.reason),
        col(IdeaReport.created_at),
    ),
    col(IdeaReport.idea_id),
    col(IdeaReport.id),
)


def reports_by_idea_id(reader: RequestReader) -> DataLoader[int, list[Any]]:
    """Moderators' view: every report of an idea, oldest first."""
    return rows_by_key_loader(reader, REPORTS_BY_IDEA_ID)
