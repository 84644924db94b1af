"""The skill taxonomy."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import col

from loaders.pagination import Page, PageRequest, fetch_page
from loaders.skill import SKILL_COLUMNS
from models import Skill
from models.db import Reader
from models.enums import SkillCategory


async def skills_page(
    reader: Reader, request: PageRequest, *, categories: Sequence[SkillCategory] = ()
) -> Page:
    statement = select(*SKILL_COLUMNS)
    if categories:
        statement = statement.where(col(Skill.category).in_(categories))
    return await fetch_page(reader, statement, col(Skill.id), request)
