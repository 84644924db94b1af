"""Skills by id and slug, the skills an idea needs, and each profile's skill claims."""

from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import select
from sqlmodel import col

from loaders.base import keyed, row_by_key_loader, rows_by_key_loader
from models import IdeaSkill, ProfileSkill, Skill
from models.db import RequestReader

SKILL_COLUMNS = (col(Skill.id), col(Skill.slug), col(Skill.name), col(Skill.category))
SKILL_BY_ID = keyed(select(*SKILL_COLUMNS), col(Skill.id))
SKILL_BY_SLUG = keyed(select(*SKILL_COLUMNS), col(Skill.slug))
SKILLS_BY_IDEA_ID = keyed(
    select(*SKILL_COLUMNS).join(IdeaSkill, col(IdeaSkill.skill_id) == col(Skill.id)),
    col(IdeaSkill.idea_id),
    col(Skill.name),
)
SKILL_CLAIMS_BY_PROFILE_ID = keyed(
    select(
        col(ProfileSkill.profile_id), col(ProfileSkill.direction), col(ProfileSkill.level), *SKILL_COLUMNS
    ).join(Skill, col(Skill.id) == col(ProfileSkill.skill_id)),
    col(ProfileSkill.profile_id),
    col(Skill.name),
    col(ProfileSkill.direction),
)


def skill_by_id(reader: RequestReader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, SKILL_BY_ID)


def skill_by_slug(reader: RequestReader) -> DataLoader[str, Any]:
    return row_by_key_loader(reader, SKILL_BY_SLUG)


def skills_by_idea_id(reader: RequestReader) -> DataLoader[int, list[Any]]:
    return rows_by_key_loader(reader, SKILLS_BY_IDEA_ID)


def skill_claims_by_profile_id(reader: RequestReader) -> DataLoader[int, list[Any]]:
    """A profile's offered and sought skills, each joined with the skill it names."""
    return rows_by_key_loader(reader, SKILL_CLAIMS_BY_PROFILE_ID)
