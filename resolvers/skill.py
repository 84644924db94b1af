"""The skill taxonomy, and admins curating it."""

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import col

from loaders.pagination import ListQuery, Page, PageRequest, fetch_page
from loaders.skill import SKILL_COLUMNS
from models import Skill
from models.db import RequestReader
from models.enums import SkillCategory
from models.query import in_array
from resolvers.change import Change
from resolvers.errors import Checks, ErrorCode, reject


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


SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _check_skill(values: dict[str, Any]) -> None:
    checks = Checks()
    if "slug" in values and not (len(values["slug"]) <= 64 and SLUG.fullmatch(values["slug"])):
        checks.fail(
            "slug",
            "A slug is 1 to 64 lower-case letters and digits in words joined by '-', e.g. 'open-data'.",
        )
    if "name" in values:
        checks.text("name", values["name"], 120)
    checks.done()


async def create_skill(change: Change, slug: str, name: str, category: SkillCategory) -> int:
    """Admins curate the taxonomy; a skill's slug is its stable key."""
    change.require_admin()
    _check_skill({"slug": slug, "name": name})
    if await change.scalar(select(col(Skill.id)).where(col(Skill.slug) == slug)) is not None:
        raise reject(ErrorCode.CONFLICT, "slug", f"A skill with the slug '{slug}' exists already.")
    key: int = await change.scalar(
        insert(Skill).values(slug=slug, name=name, category=category).returning(col(Skill.id))
    )
    return key


async def update_skill(change: Change, slug: str, values: dict[str, Any]) -> int:
    change.require_admin()
    key = await change.scalar(select(col(Skill.id)).where(col(Skill.slug) == slug))
    if key is None:
        raise reject(ErrorCode.NOT_FOUND, "slug", f"No skill has the slug '{slug}'.")
    _check_skill(values)
    await change.connection.execute(update(Skill).where(col(Skill.id) == key).values(**values))
    return int(key)
