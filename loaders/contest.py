"""Contest rounds by id; submissions by id, per team and pages per round; award instalments."""

from functools import cache
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import bindparam, select
from sqlmodel import col

from loaders.base import keyed, row_by_key_loader, rows_by_key_loader
from loaders.pagination import Page, PageRequest, ParentListQuery, page_by_parent_loader
from models import AwardInstalment, ContestRound, Submission
from models.db import RequestReader
from models.enums import SubmissionStatus
from models.query import Query
from resolvers.policy import submissions_visible
from resolvers.viewer import Reach, Viewer

ROUND_COLUMNS = (
    col(ContestRound.id),
    col(ContestRound.name),
    col(ContestRound.kind),
    col(ContestRound.year),
    col(ContestRound.description),
    col(ContestRound.opens_at),
    col(ContestRound.closes_at),
    col(ContestRound.max_award_eur),
    col(ContestRound.cross_sector_required),
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
INSTALMENT_COLUMNS = (
    col(AwardInstalment.id),
    col(AwardInstalment.submission_id),
    col(AwardInstalment.position),
    col(AwardInstalment.amount_eur),
    col(AwardInstalment.condition),
    col(AwardInstalment.released_at),
)
ROUND_BY_ID = keyed(select(*ROUND_COLUMNS), col(ContestRound.id))
# An award has a handful of instalments; the submission is visible, so they are too.
INSTALMENTS_BY_SUBMISSION_ID = keyed(
    select(*INSTALMENT_COLUMNS), col(AwardInstalment.submission_id), col(AwardInstalment.position)
)


def round_by_id(reader: RequestReader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, ROUND_BY_ID)


@cache
def _visible(reach: Reach) -> tuple[Query, Query]:
    """Submissions by id, and per team: a team enters at most one per round, a handful over the years."""
    statement = select(*SUBMISSION_COLUMNS).where(submissions_visible(reach))
    return (
        keyed(statement, col(Submission.id)),
        keyed(statement, col(Submission.team_id), col(Submission.id)),
    )


def submission_by_id(reader: RequestReader, viewer: Viewer) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, _visible(viewer.reach)[0], **viewer.parameters)


def submissions_by_team_id(reader: RequestReader, viewer: Viewer) -> DataLoader[int, list[Any]]:
    return rows_by_key_loader(reader, _visible(viewer.reach)[1], **viewer.parameters)


def instalments_by_submission_id(reader: RequestReader) -> DataLoader[int, list[Any]]:
    return rows_by_key_loader(reader, INSTALMENTS_BY_SUBMISSION_ID)


@cache
def _submissions_by_round(one_status: bool, reach: Reach) -> ParentListQuery:
    statement = select(*SUBMISSION_COLUMNS).where(submissions_visible(reach))
    if one_status:
        statement = statement.where(col(Submission.status) == bindparam("status"))
    return ParentListQuery(statement, col(Submission.round_id), col(Submission.id))


def submissions_by_round_id(
    reader: RequestReader, viewer: Viewer, request: PageRequest, status: SubmissionStatus | None
) -> DataLoader[int, Page]:
    query = _submissions_by_round(status is not None, viewer.reach)
    return page_by_parent_loader(reader, query, request, status=status, **viewer.parameters)
