"""Invites by id and pages of invites sent or received per profile."""

from functools import cache
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import bindparam, select
from sqlmodel import col

from loaders.base import keyed, row_by_key_loader
from loaders.pagination import Page, PageRequest, ParentListQuery, page_by_parent_loader
from models import Invite
from models.db import RequestReader
from models.enums import InviteStatus
from models.query import Query
from resolvers.policy import invites_visible
from resolvers.viewer import Reach, Viewer

INVITE_COLUMNS = (
    col(Invite.id),
    col(Invite.sender_id),
    col(Invite.recipient_id),
    col(Invite.idea_id),
    col(Invite.team_id),
    col(Invite.message),
    col(Invite.status),
    col(Invite.created_at),
    col(Invite.responded_at),
)
PARENTS = {"sender": col(Invite.sender_id), "recipient": col(Invite.recipient_id)}


@cache
def _invite_by_id(reach: Reach) -> Query:
    return keyed(select(*INVITE_COLUMNS).where(invites_visible(reach)), col(Invite.id))


def invite_by_id(reader: RequestReader, viewer: Viewer) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, _invite_by_id(viewer.reach), **viewer.parameters)


@cache
def _invites_by(parent_name: str, one_status: bool, reach: Reach) -> ParentListQuery:
    statement = select(*INVITE_COLUMNS).where(invites_visible(reach))
    if one_status:
        statement = statement.where(col(Invite.status) == bindparam("status"))
    return ParentListQuery(statement, PARENTS[parent_name], col(Invite.id))


def _invites_loader(
    reader: RequestReader, viewer: Viewer, parent_name: str, request: PageRequest, status: InviteStatus | None
) -> DataLoader[int, Page]:
    query = _invites_by(parent_name, status is not None, viewer.reach)
    return page_by_parent_loader(reader, query, request, status=status, **viewer.parameters)


def invites_by_sender_id(
    reader: RequestReader, viewer: Viewer, request: PageRequest, status: InviteStatus | None
) -> DataLoader[int, Page]:
    return _invites_loader(reader, viewer, "sender", request, status)


def invites_by_recipient_id(
    reader: RequestReader, viewer: Viewer, request: PageRequest, status: InviteStatus | None
) -> DataLoader[int, Page]:
    return _invites_loader(reader, viewer, "recipient", request, status)
