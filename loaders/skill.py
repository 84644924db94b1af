"""Skills by id and slug, the skills an idea needs, and each profile's skill claims."""

from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import select
from sqlmodel import col

from loaders.base import row_by_key_loader, rows_by_key_loader
from models import IdeaSkill, ProfileSkill, Skill
from models.db import Reader

SKILL_COLUMNS = (col(Skill.id), col(Skill.slug), col(Skill.name), col(Skill.category))


def skill_by_id(reader: Reader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, select(*SKILL_COLUMNS), col(Skill.id))


def skill_by_slug(reader: Reader) -> DataLoader[str, Any]:
    return row_by_key_loader(reader, select(*SKILL_COLUMNS), col(Skill.slug))


def skills_by_idea_id(reader: Reader) -> DataLoader[int, list[Any]]:
    statement = select(*SKILL_COLUMNS).join(IdeaSkill, col(IdeaSkill.skill_id) == col(Skill.id))
    return rows_by_key_loader(reader, statement, col(IdeaSkill.idea_id), col(Skill.name))


def skill_claims_by_profile_id(reader: Reader) -> DataLoader[int, list[Any]]:
    """A profile's offered and sought skills, each joined with the skill it names."""
    statement = select(
        col(ProfileSkill.profile_id),
        col(ProfileSkill.direction),
        col(ProfileSkill.level),
        *SKILL_COLUMNS,
    ).join(Skill, col(Skill.id) == col(ProfileSkill.skill_id))
    return rows_by_key_loader(reader, statement, col(ProfileSkill.profile_id), col(Skill.name))
