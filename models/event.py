"""What happened to invitations and teams, kept so a member who was offline can catch up."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from models.columns import enum_field, foreign_key_field, timestamp_field
from models.enums import EventKind


class Event(SQLModel, table=True):
    """An invitation event is addressed to one member (`audience_id`), a team event to a team.
    Rows go with what they are about: deleting a profile, invite or team deletes its events; the
    foreign keys are indexed so those deletions stay cheap."""

    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("audience_id IS NOT NULL OR team_id IS NOT NULL", name="addressed"),
        Index("ix_event_audience_id_occurred_at", "audience_id", "occurred_at"),
        Index("ix_event_team_id_occurred_at", "team_id", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: EventKind = enum_field(EventKind)
    occurred_at: datetime = timestamp_field()
    audience_id: int | None = foreign_key_field("profile.id", nullable=True, index=False)
    team_id: int | None = foreign_key_field("team.id", nullable=True, index=False)
    invite_id: int | None = foreign_key_field("invite.id", nullable=True)
    member_id: int | None = foreign_key_field("profile.id", ondelete="SET NULL", nullable=True)
    """The member who joined, left or posted."""
    submission_id: int | None = foreign_key_field("submission.id", nullable=True)
    progress_update_id: int | None = foreign_key_field("progress_update.id", nullable=True)
