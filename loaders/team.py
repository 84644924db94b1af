"""Teams by id and by idea, memberships per team and pages of memberships per profile."""

from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import select
from sqlmodel import col

from loaders.base import keyed, row_by_key_loader, rows_by_key_loader
from loaders.pagination import Page, PageRequest, ParentListQuery, page_by_parent_loader
from models import Membership, Team
from models.db import RequestReader

TEAM_COLUMNS = (col(Team.id), col(Team.idea_id), col(Team.name), col(Team.created_at))
MEMBERSHIP_COLUMNS = (
    col(Membership.id),
    col(Membership.team_id),
    col(Membership.profile_id),
    col(Membership.role),
    col(Membership.joined_at),
)
TEAM_BY_ID = keyed(select(*TEAM_COLUMNS), col(Team.id))
TEAM_BY_IDEA_ID = keyed(select(*TEAM_COLUMNS), col(Team.idea_id))
MEMBERSHIP_BY_ID = keyed(select(*MEMBERSHIP_COLUMNS), col(Membership.id))
# A team has two to four members, so the whole list is one batch, lead first.
MEMBERSHIPS_BY_TEAM_ID = keyed(
    select(*MEMBERSHIP_COLUMNS), col(Membership.team_id), col(Membership.role), col(Membership.id)
)
MEMBERSHIPS_BY_PROFILE_ID = ParentListQuery(
    select(*MEMBERSHIP_COLUMNS), col(Membership.profile_id), col(Membership.id)
)


def team_by_id(reader: RequestReader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, TEAM_BY_ID)


def team_by_idea_id(reader: RequestReader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, TEAM_BY_IDEA_ID)


def membership_by_id(reader: RequestReader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, MEMBERSHIP_BY_ID)


def memberships_by_team_id(reader: RequestReader) -> DataLoader[int, list[Any]]:
    return rows_by_key_loader(reader, MEMBERSHIPS_BY_TEAM_ID)


def memberships_by_profile_id(reader: RequestReader, request: PageRequest) -> DataLoader[int, Page]:
    return page_by_parent_loader(reader, MEMBERSHIPS_BY_PROFILE_ID, request)
