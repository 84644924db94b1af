"""Idea-contest and funding rounds, and the teams' submissions to them."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from models.columns import enum_field, foreign_key_field, text_field, timestamp_field
from models.enums import (
    FUNDING_ROUND_MAX_AWARD_EUR,
    IDEA_CONTEST_MAX_AWARD_EUR,
    RoundKind,
    SubmissionStatus,
)


class ContestRound(SQLModel, table=True):
    __tablename__ = "contest_round"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint(
            f"max_award_eur > 0 AND ("
            f"(kind = 'IDEA_CONTEST' AND max_award_eur <= {IDEA_CONTEST_MAX_AWARD_EUR}) OR "
            f"(kind = 'FUNDING_ROUND' AND max_award_eur <= {FUNDING_ROUND_MAX_AWARD_EUR}))",
            name="max_award_range",
        ),
        UniqueConstraint("kind", "year", "name", name="unique_round_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = text_field(200)
    kind: RoundKind = enum_field(RoundKind)
    year: int = Field(nullable=False, index=True)
    description: str | None = text_field(nullable=True)
    opens_at: datetime = timestamp_field(server_default=False)
    closes_at: datetime = timestamp_field(server_default=False)
    max_award_eur: int = Field(nullable=False)
    cross_sector_required: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    """Teams must span at least two sectors to enter, as CIP's idea contest asks."""


class Submission(SQLModel, table=True):
    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("team_id", "round_id", name="one_submission_per_round"),
        Index("ix_submission_round_status", "round_id", "status"),
        CheckConstraint(
            "award_eur IS NULL OR (status = 'AWARDED' AND award_eur > 0)",
            name="award_only_when_awarded",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = foreign_key_field("team.id", index=False)
    round_id: int = foreign_key_field("contest_round.id", index=False)
    project_draft: str = text_field()
    status: SubmissionStatus = enum_field(SubmissionStatus)
    award_eur: int | None = Field(default=None, nullable=True)
    submitted_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class AwardInstalment(SQLModel, table=True):
    """Part of an award, released once its condition (an interim presentation, say) is recorded as met."""

    __tablename__ = "award_instalment"
    __table_args__ = (
        UniqueConstraint("submission_id", "position", name="one_instalment_per_position"),
        CheckConstraint("amount_eur > 0", name="amount_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = foreign_key_field("submission.id", index=False)
    position: int = Field(nullable=False)
    amount_eur: int = Field(nullable=False)
    condition: str = text_field(500)
    released_at: datetime | None = timestamp_field(nullable=True, server_default=False)
