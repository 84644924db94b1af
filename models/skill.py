"""The curated skill taxonomy and what each profile offers or seeks of it."""

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from models.columns import enum_field, foreign_key_field, text_field
from models.enums import SkillCategory, SkillDirection, SkillLevel


class Skill(SQLModel, table=True):
    __tablename__ = "skill"
    __table_args__ = (
        CheckConstraint("slug = lower(slug) AND length(slug) BETWEEN 1 AND 64", name="slug_form"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, nullable=False)
    name: str = text_field(120)
    category: SkillCategory = enum_field(SkillCategory, index=True)


class ProfileSkill(SQLModel, table=True):
    """A profile's claim on a skill: offered (at its level) or sought (at the level wanted)."""

    __tablename__ = "profile_skill"
    __table_args__ = (Index("ix_profile_skill_skill_direction", "skill_id", "direction"),)

    profile_id: int = foreign_key_field("profile.id", primary_key=True)
    skill_id: int = foreign_key_field("skill.id", primary_key=True)
    direction: SkillDirection = enum_field(SkillDirection, primary_key=True)
    level: SkillLevel = enum_field(SkillLevel)
