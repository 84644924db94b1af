"""Invites by id and pages of invites sent or received per profile."""

from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import SQLColumnExpression, select
from sqlmodel import col

from loaders.base import row_by_key_loader
from loaders.pagination import Page, PageRequest, page_by_parent_loader
from models import Invite
from models.db import Reader
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


def invite_by_id(reader: Reader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, select(*INVITE_COLUMNS), col(Invite.id))


def _invites_page_loader(
    reader: Reader,
    parent: SQLColumnExpression[Any],
    request: PageRequest,
    status: InviteStatus | None,
) -> DataLoader[int, Page]:
    statement = select(*INVITE_COLUMNS)
    if status is not None:
        statement = statement.where(col(Invite.status) == status)
    return page_by_parent_loader(reader, statement, parent, col(Invite.id), request)


def invites_by_sender_id(
    reader: Reader, request: PageRequest, status: InviteStatus | None
) -> DataLoader[int, Page]:
    return _invites_page_loader(reader, col(Invite.sender_id), request, status)


def invites_by_recipient_id(
    reader: Reader, request: PageRequest, status: InviteStatus | None
) -> DataLoader[int, Page]:
    return _invites_page_loader(reader, col(Invite.recipient_id), request, status)
