"""Profiles by id, and pages of profiles per skill."""

from functools import cache
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import bindparam, select
from sqlmodel import col

from loaders.base import keyed, row_by_key_loader
from loaders.pagination import Page, PageRequest, ParentListQuery, page_by_parent_loader
from models import Profile, ProfileSkill
from models.db import RequestReader
from models.enums import SkillDirection

PROFILE_COLUMNS = (
    col(Profile.id),
    col(Profile.subject_id),
    col(Profile.kind),
    col(Profile.display_name),
    col(Profile.organisation_name),
    col(Profile.sector),
    col(Profile.region),
    col(Profile.bio),
    col(Profile.ai_interests),
    col(Profile.prior_experience),
    col(Profile.created_at),
    col(Profile.updated_at),
)
PROFILE_BY_ID = keyed(select(*PROFILE_COLUMNS), col(Profile.id))


def profile_by_id(reader: RequestReader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, PROFILE_BY_ID)


@cache
def _profiles_by_skill(one_direction: bool) -> ParentListQuery:
    claims = select(col(ProfileSkill.profile_id), col(ProfileSkill.skill_id))
    if one_direction:
        claims = claims.where(col(ProfileSkill.direction) == bindparam("direction"))
    else:
        # A profile that both offers and seeks a skill is listed once.
        claims = claims.distinct()
    pairs = claims.subquery()
    statement = select(*PROFILE_COLUMNS).join(pairs, pairs.c.profile_id == col(Profile.id))
    return ParentListQuery(statement, pairs.c.skill_id, col(Profile.id))


def profiles_by_skill_id(
    reader: RequestReader, request: PageRequest, direction: SkillDirection | None
) -> DataLoader[int, Page]:
    query = _profiles_by_skill(direction is not None)
    return page_by_parent_loader(reader, query, request, direction=direction)
