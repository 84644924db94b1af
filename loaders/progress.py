"""Progress updates by id and pages of a team's project log."""

from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import select
from sqlmodel import col

from loaders.base import keyed, row_by_key_loader
from loaders.pagination import Page, PageRequest, ParentListQuery, page_by_parent_loader
from models import ProgressUpdate
from models.db import RequestReader

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
PROGRESS_UPDATE_BY_ID = keyed(select(*PROGRESS_COLUMNS), col(ProgressUpdate.id))
PROGRESS_BY_TEAM_ID = ParentListQuery(
    select(*PROGRESS_COLUMNS), col(ProgressUpdate.team_id), col(ProgressUpdate.id)
)


def progress_update_by_id(reader: RequestReader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, PROGRESS_UPDATE_BY_ID)


def progress_by_team_id(reader: RequestReader, request: PageRequest) -> DataLoader[int, Page]:
    return page_by_parent_loader(reader, PROGRESS_BY_TEAM_ID, request)
