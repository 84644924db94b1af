"""Invitations from one profile to another to work on an idea or join a team."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from models.columns import enum_field, foreign_key_field, text_field, timestamp_field
from models.enums import MESSAGE_MAX_LENGTH, InviteStatus


class Invite(SQLModel, table=True):
    __tablename__ = "invite"
    __table_args__ = (
        CheckConstraint("sender_id <> recipient_id", name="not_to_self"),
        CheckConstraint("idea_id IS NOT NULL OR team_id IS NOT NULL", name="about_something"),
        CheckConstraint("(status = 'PENDING') = (responded_at IS NULL)", name="responded_unless_pending"),
        Index("ix_invite_recipient_status", "recipient_id", "status"),
        Index(
            "ux_invite_one_pending",
            "sender_id",
            "recipient_id",
            "idea_id",
            unique=True,
            sqlite_where=text("status = 'PENDING'"),
            postgresql_where=text("status = 'PENDING'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    sender_id: int = foreign_key_field("profile.id")
    recipient_id: int = foreign_key_field("profile.id", index=False)
    idea_id: int | None = foreign_key_field("idea.id", nullable=True)
    team_id: int | None = foreign_key_field("team.id", nullable=True)
    message: str | None = text_field(MESSAGE_MAX_LENGTH, nullable=True)
    status: InviteStatus = enum_field(InviteStatus)
    created_at: datetime = timestamp_field()
    responded_at: datetime | None = timestamp_field(nullable=True, server_default=False)
