"""Teams of two to four that carry an idea, and who is in them."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.columns import enum_field, foreign_key_field, text_field, timestamp_field
from models.enums import TeamRole


class Team(SQLModel, table=True):
    __tablename__ = "team"
    __table_args__ = (
        CheckConstraint("length(name) BETWEEN 1 AND 120", name="name_length"),
        UniqueConstraint("idea_id", name="one_team_per_idea"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = foreign_key_field("idea.id", index=False)
    name: str = text_field(120)
    created_at: datetime = timestamp_field()


class Membership(SQLModel, table=True):
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("team_id", "profile_id", name="one_membership_per_profile"),
        Index(
            "ux_membership_one_lead",
            "team_id",
            unique=True,
            sqlite_where=text("role = 'LEAD'"),
            postgresql_where=text("role = 'LEAD'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = foreign_key_field("team.id", index=False)
    profile_id: int | None = foreign_key_field("profile.id", nullable=True)
    """Null for a former member who deleted their profile while the team had a submission."""
    role: TeamRole = enum_field(TeamRole)
    joined_at: datetime = timestamp_field()
