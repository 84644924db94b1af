"""Teams by id and by idea, memberships per team and pages of memberships per profile."""

from functools import cache
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import select
from sqlmodel import col

from loaders.base import keyed, row_by_key_loader, rows_by_key_loader
from loaders.pagination import Page, PageRequest, ParentListQuery, page_by_parent_loader
from models import Membership, Team
from models.db import RequestReader
from models.query import Query
from resolvers.policy import memberships_visible, teams_visible
from resolvers.viewer import Reach, Viewer

TEAM_COLUMNS = (col(Team.id), col(Team.idea_id), col(Team.name), col(Team.created_at))
MEMBERSHIP_COLUMNS = (
    col(Membership.id),
    col(Membership.team_id),
    col(Membership.profile_id),
    col(Membership.role),
    col(Membership.joined_at),
)
# A team has two to four members, so the whole list is one batch, lead first. The team is
# visible (it was reached), so its members are too.
MEMBERSHIPS_BY_TEAM_ID = keyed(
    select(*MEMBERSHIP_COLUMNS), col(Membership.team_id), col(Membership.role), col(Membership.id)
)


@cache
def _teams(reach: Reach) -> tuple[Query, Query]:
    """Teams by id and by idea."""
    statement = select(*TEAM_COLUMNS).where(teams_visible(reach))
    return keyed(statement, col(Team.id)), keyed(statement, col(Team.idea_id))


@cache
def _memberships(reach: Reach) -> tuple[Query, ParentListQuery]:
    """Memberships by id, and pages per profile."""
    statement = select(*MEMBERSHIP_COLUMNS).where(memberships_visible(reach))
    return (
        keyed(statement, col(Membership.id)),
        ParentListQuery(statement, col(Membership.profile_id), col(Membership.id)),
    )


def team_by_id(reader: RequestReader, viewer: Viewer) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, _teams(viewer.reach)[0], **viewer.parameters)


def team_by_idea_id(reader: RequestReader, viewer: Viewer) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, _teams(viewer.reach)[1], **viewer.parameters)


def membership_by_id(reader: RequestReader, viewer: Viewer) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, _memberships(viewer.reach)[0], **viewer.parameters)


def memberships_by_team_id(reader: RequestReader) -> DataLoader[int, list[Any]]:
    return rows_by_key_loader(reader, MEMBERSHIPS_BY_TEAM_ID)


def memberships_by_profile_id(
    reader: RequestReader, viewer: Viewer, request: PageRequest
) -> DataLoader[int, Page]:
    query = _memberships(viewer.reach)[1]
    return page_by_parent_loader(reader, query, request, **viewer.parameters)
