"""Progress updates by id and pages of a team's project log."""

from functools import cache
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import select
from sqlmodel import col

from loaders.base import keyed, row_by_key_loader
from loaders.pagination import Page, PageRequest, ParentListQuery, page_by_parent_loader
from models import ProgressUpdate
from models.db import RequestReader
from models.query import Query
from resolvers.policy import progress_visible
from resolvers.viewer import Reach, Viewer

PROGRESS_COLUMNS = (
    col(ProgressUpdate.id),
    col(ProgressUpdate.team_id),
    col(ProgressUpdate.author_id),
    col(ProgressUpdate.title),
    col(ProgressUpdate.body),
    col(ProgressUpdate.outcome),
    col(ProgressUpdate.lessons_learned),
    col(ProgressUpdate.created_at),
)


@cache
def _visible(reach: Reach) -> tuple[Query, ParentListQuery]:
    """By id, and per team."""
    statement = select(*PROGRESS_COLUMNS).where(progress_visible(reach))
    return (
        keyed(statement, col(ProgressUpdate.id)),
        ParentListQuery(statement, col(ProgressUpdate.team_id), col(ProgressUpdate.id)),
    )


def progress_update_by_id(reader: RequestReader, viewer: Viewer) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, _visible(viewer.reach)[0], **viewer.parameters)


def progress_by_team_id(reader: RequestReader, viewer: Viewer, request: PageRequest) -> DataLoader[int, Page]:
    return page_by_parent_loader(reader, _visible(viewer.reach)[1], request, **viewer.parameters)
