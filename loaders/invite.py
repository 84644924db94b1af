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
INVITE_BY_ID = keyed(select(*INVITE_COLUMNS), col(Invite.id))
PARENTS = {"sender": col(Invite.sender_id), "recipient": col(Invite.recipient_id)}


def invite_by_id(reader: RequestReader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, INVITE_BY_ID)


@cache
def _invites_by(parent_name: str, one_status: bool) -> ParentListQuery:
    statement = select(*INVITE_COLUMNS)
    if one_status:
        statement = statement.where(col(Invite.status) == bindparam("status"))
    return ParentListQuery(statement, PARENTS[parent_name], col(Invite.id))


def invites_by_sender_id(
    reader: RequestReader, request: PageRequest, status: InviteStatus | None
) -> DataLoader[int, Page]:
    return page_by_parent_loader(reader, _invites_by("sender", status is not None), request, status=status)


def invites_by_recipient_id(
    reader: RequestReader, request: PageRequest, status: InviteStatus | None
) -> DataLoader[int, Page]:
    return page_by_parent_loader(reader, _invites_by("recipient", status is not None), request, status=status)
