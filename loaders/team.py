"""Teams by id and by idea, memberships per team and pages of memberships per profile."""

from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import select
from sqlmodel import col

from loaders.base import row_by_key_loader, rows_by_key_loader
from loaders.pagination import Page, PageRequest, page_by_parent_loader
from models import Membership, Team
from models.db import Reader

TEAM_COLUMNS = (col(Team.id), col(Team.idea_id), col(Team.name), col(Team.created_at))
MEMBERSHIP_COLUMNS = (
    col(Membership.id),
    col(Membership.team_id),
    col(Membership.profile_id),
    col(Membership.role),
    col(Membership.joined_at),
)


def team_by_id(reader: Reader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, select(*TEAM_COLUMNS), col(Team.id))


def team_by_idea_id(reader: Reader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, select(*TEAM_COLUMNS), col(Team.idea_id))


def membership_by_id(reader: Reader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, select(*MEMBERSHIP_COLUMNS), col(Membership.id))


def memberships_by_team_id(reader: Reader) -> DataLoader[int, list[Any]]:
    """A team has two to four members, so the whole list is one batch, lead first."""
    return rows_by_key_loader(
        reader,
        select(*MEMBERSHIP_COLUMNS),
        col(Membership.team_id),
        col(Membership.role),
        col(Membership.id),
    )


def memberships_by_profile_id(reader: Reader, request: PageRequest) -> DataLoader[int, Page]:
    return page_by_parent_loader(
        reader,
        select(*MEMBERSHIP_COLUMNS),
        col(Membership.profile_id),
        col(Membership.id),
        request,
    )
