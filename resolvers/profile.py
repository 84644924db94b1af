"""Listing and finding profiles."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import col

from loaders.pagination import Page, PageRequest, fetch_page
from loaders.profile import PROFILE_COLUMNS
from models import Profile, ProfileSkill, Skill
from models.db import Reader
from models.enums import ProfileKind, Region, Sector, SkillDirection


def _claims(direction: SkillDirection, slugs: Sequence[str]):  # type: ignore[no-untyped-def]
    return (
        select(col(ProfileSkill.profile_id))
        .join(Skill, col(Skill.id) == col(ProfileSkill.skill_id))
        .where(col(ProfileSkill.direction) == direction, col(Skill.slug).in_(slugs))
    )


async def profiles_page(
    reader: Reader,
    request: PageRequest,
    *,
    kinds: Sequence[ProfileKind] = (),
    sectors: Sequence[Sector] = (),
    regions: Sequence[Region] = (),
    offers: Sequence[str] = (),
    seeks: Sequence[str] = (),
) -> Page:
    """Profiles matching every given filter; within a list filter, any value matches."""
    statement = select(*PROFILE_COLUMNS)
    if kinds:
        statement = statement.where(col(Profile.kind).in_(kinds))
    if sectors:
        statement = statement.where(col(Profile.sector).in_(sectors))
    if regions:
        statement = statement.where(col(Profile.region).in_(regions))
    if offers:
        statement = statement.where(col(Profile.id).in_(_claims(SkillDirection.OFFERS, offers)))
    if seeks:
        statement = statement.where(col(Profile.id).in_(_claims(SkillDirection.SEEKS, seeks)))
    return await fetch_page(reader, statement, col(Profile.id), request)
