"""A team's project log; a documented successful failure is a valued result."""

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from models.columns import enum_field, foreign_key_field, text_field, timestamp_field
from models.enums import ProgressOutcome


class ProgressUpdate(SQLModel, table=True):
    __tablename__ = "progress_update"
    __table_args__ = (
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="title_length"),
        CheckConstraint(
            "outcome <> 'SUCCESSFUL_FAILURE' OR length(coalesce(lessons_learned, '')) > 0",
            name="failure_has_lessons",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = foreign_key_field("team.id")
    author_id: int | None = foreign_key_field("profile.id", ondelete="SET NULL", nullable=True)
    title: str = text_field(200)
    body: str = text_field()
    outcome: ProgressOutcome = enum_field(ProgressOutcome)
    lessons_learned: str | None = text_field(nullable=True)
    created_at: datetime = timestamp_field()
