"""Profiles by id, and pages of profiles per skill."""

from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import select
from sqlmodel import col

from loaders.base import row_by_key_loader
from loaders.pagination import Page, PageRequest, page_by_parent_loader
from models import Profile, ProfileSkill
from models.db import Reader
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


def profile_by_id(reader: Reader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, select(*PROFILE_COLUMNS), col(Profile.id))


def profiles_by_skill_id(
    reader: Reader, request: PageRequest, direction: SkillDirection | None
) -> DataLoader[int, Page]:
    claims = select(col(ProfileSkill.profile_id), col(ProfileSkill.skill_id))
    if direction is None:
        # A profile that both offers and seeks a skill is listed once.
        claims = claims.distinct()
    else:
        claims = claims.where(col(ProfileSkill.direction) == direction)
    pairs = claims.subquery()
    statement = select(*PROFILE_COLUMNS).join(pairs, pairs.c.profile_id == col(Profile.id))
    return page_by_parent_loader(reader, statement, pairs.c.skill_id, col(Profile.id), request)
