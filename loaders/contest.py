"""Contest rounds by id, submissions by id, per team and pages of submissions per round."""

from functools import cache
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import bindparam, select
from sqlmodel import col

from loaders.base import keyed, row_by_key_loader, rows_by_key_loader
from loaders.pagination import Page, PageRequest, ParentListQuery, page_by_parent_loader
from models import ContestRound, Submission
from models.db import RequestReader
from models.enums import SubmissionStatus

ROUND_COLUMNS = (
    col(ContestRound.id),
    col(ContestRound.name),
    col(ContestRound.kind),
    col(ContestRound.year),
    col(ContestRound.description),
    col(ContestRound.opens_at),
    col(ContestRound.closes_at),
    col(ContestRound.max_award_eur),
)
SUBMISSION_COLUMNS = (
    col(Submission.id),
    col(Submission.team_id),
    col(Submission.round_id),
    col(Submission.project_draft),
    col(Submission.status),
    col(Submission.award_eur),
    col(Submission.submitted_at),
    col(Submission.updated_at),
)
ROUND_BY_ID = keyed(select(*ROUND_COLUMNS), col(ContestRound.id))
SUBMISSION_BY_ID = keyed(select(*SUBMISSION_COLUMNS), col(Submission.id))
# A team enters at most one submission per round, a handful over the years.
SUBMISSIONS_BY_TEAM_ID = keyed(select(*SUBMISSION_COLUMNS), col(Submission.team_id), col(Submission.id))


def round_by_id(reader: RequestReader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, ROUND_BY_ID)


def submission_by_id(reader: RequestReader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, SUBMISSION_BY_ID)


def submissions_by_team_id(reader: RequestReader) -> DataLoader[int, list[Any]]:
    return rows_by_key_loader(reader, SUBMISSIONS_BY_TEAM_ID)


@cache
def _submissions_by_round(one_status: bool) -> ParentListQuery:
    statement = select(*SUBMISSION_COLUMNS)
    if one_status:
        statement = statement.where(col(Submission.status) == bindparam("status"))
    return ParentListQuery(statement, col(Submission.round_id), col(Submission.id))


def submissions_by_round_id(
    reader: RequestReader, request: PageRequest, status: SubmissionStatus | None
) -> DataLoader[int, Page]:
    return page_by_parent_loader(reader, _submissions_by_round(status is not None), request, status=status)
