"""People and organisations who present themselves on the platform."""

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from models.columns import enum_field, text_field, timestamp_field
from models.enums import ProfileKind, Region, Sector


class Profile(SQLModel, table=True):
    __tablename__ = "profile"
    __table_args__ = (
        CheckConstraint("length(display_name) BETWEEN 1 AND 120", name="display_name_length"),
        CheckConstraint(
            "kind <> 'ORGANISATION' OR organisation_name IS NOT NULL",
            name="organisation_has_name",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject_id: str = Field(max_length=255, unique=True, nullable=False)
    kind: ProfileKind = enum_field(ProfileKind)
    display_name: str = text_field(120)
    organisation_name: str | None = text_field(200, nullable=True)
    sector: Sector = enum_field(Sector, index=True)
    region: Region | None = enum_field(Region, nullable=True, index=True)
    bio: str | None = text_field(nullable=True)
    ai_interests: str | None = text_field(nullable=True)
    prior_experience: str | None = text_field(nullable=True)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()
