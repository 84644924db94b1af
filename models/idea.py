"""Project ideas: a public title and teaser, a members-only description, topics and skills needed."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.columns import enum_field, foreign_key_field, text_field, timestamp_field
from models.enums import REASON_MAX_LENGTH, TEASER_MAX_LENGTH, TITLE_MAX_LENGTH, IdeaStatus


class Idea(SQLModel, table=True):
    __tablename__ = "idea"
    __table_args__ = (
        CheckConstraint(f"length(title) BETWEEN 1 AND {TITLE_MAX_LENGTH}", name="title_length"),
        CheckConstraint(f"length(teaser) BETWEEN 1 AND {TEASER_MAX_LENGTH}", name="teaser_length"),
        CheckConstraint("status = 'DRAFT' OR published_at IS NOT NULL", name="published_has_date"),
        Index("ix_idea_status_id", "status", "id"),
        # Counting the ideas a viewer may see reads this index alone.
        Index("ix_idea_visibility", "status", "hidden_at", "owner_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = foreign_key_field("profile.id")
    title: str = text_field(TITLE_MAX_LENGTH)
    teaser: str = text_field(TEASER_MAX_LENGTH)
    description: str = text_field()
    status: IdeaStatus = enum_field(IdeaStatus)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()
    published_at: datetime | None = timestamp_field(nullable=True, server_default=False)
    hidden_at: datetime | None = timestamp_field(nullable=True, server_default=False)
    """Set when a moderator hid the idea; only its owner, its team and admins still see it."""
    hidden_reason: str | None = text_field(REASON_MAX_LENGTH, nullable=True)


class IdeaTopic(SQLModel, table=True):
    __tablename__ = "idea_topic"

    idea_id: int = foreign_key_field("idea.id", primary_key=True)
    topic_id: int = foreign_key_field("topic.id", primary_key=True, index=True)


class IdeaSkill(SQLModel, table=True):
    """A skill an idea needs to become a project."""

    __tablename__ = "idea_skill"

    idea_id: int = foreign_key_field("idea.id", primary_key=True)
    skill_id: int = foreign_key_field("skill.id", primary_key=True, index=True)


class IdeaReport(SQLModel, table=True):
    """A member's report of an idea to the moderators; one per member and idea."""

    __tablename__ = "idea_report"
    __table_args__ = (UniqueConstraint("idea_id", "reporter_id", name="one_report_per_member"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = foreign_key_field("idea.id", index=False)
    reporter_id: int = foreign_key_field("profile.id")
    reason: str = text_field(REASON_MAX_LENGTH)
    created_at: datetime = timestamp_field()
