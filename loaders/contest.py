"""Contest rounds by id, submissions by id, per team and pages of submissions per round."""

from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import select
from sqlmodel import col

from loaders.base import row_by_key_loader, rows_by_key_loader
from loaders.pagination import Page, PageRequest, page_by_parent_loader
from models import ContestRound, Submission
from models.db import Reader
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


def round_by_id(reader: Reader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, select(*ROUND_COLUMNS), col(ContestRound.id))


def submission_by_id(reader: Reader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, select(*SUBMISSION_COLUMNS), col(Submission.id))


def submissions_by_team_id(reader: Reader) -> DataLoader[int, list[Any]]:
    """A team enters at most one submission per round, a handful over the years."""
    return rows_by_key_loader(
        reader, select(*SUBMISSION_COLUMNS), col(Submission.team_id), col(Submission.id)
    )


def submissions_by_round_id(
    reader: Reader, request: PageRequest, status: SubmissionStatus | None
) -> DataLoader[int, Page]:
    statement = select(*SUBMISSION_COLUMNS)
    if status is not None:
        statement = statement.where(col(Submission.status) == status)
    return page_by_parent_loader(reader, statement, col(Submission.round_id), col(Submission.id), request)
