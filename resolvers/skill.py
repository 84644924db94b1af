"""The skill taxonomy."""

from collections.abc import Sequence
from functools import cache

from sqlalchemy import select
from sqlmodel import col

from loaders.pagination import ListQuery, Page, PageRequest, fetch_page
from loaders.skill import SKILL_COLUMNS
from models import Skill
from models.db import RequestReader
from models.enums import SkillCategory
from models.query import in_array


@cache
def _skills(categories: bool) -> ListQuery:
    statement = select(*SKILL_COLUMNS)
    if categories:
        statement = statement.where(in_array(col(Skill.category), "categories"))
    return ListQuery(statement, col(Skill.id))


async def skills_page(
    reader: RequestReader, request: PageRequest, *, categories: Sequence[SkillCategory] = ()
) -> Page:
    query = _skills(bool(categories))
    return await fetch_page(reader, query, request, categories=[category.value for category in categories])
