"""Listing and finding profiles."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from loaders.pagination import ListQuery, Page, PageRequest, fetch_page
from loaders.profile import PROFILE_COLUMNS
from models import Profile, ProfileSkill, Skill
from models.db import RequestReader
from models.enums import ProfileKind, Region, Sector, SkillDirection
from models.query import in_array


def _claiming(direction: SkillDirection, slugs: str) -> Any:
    return (
        select(col(ProfileSkill.profile_id))
        .join(Skill, col(Skill.id) == col(ProfileSkill.skill_id))
        .where(col(ProfileSkill.direction) == direction, in_array(col(Skill.slug), slugs))
    )


@cache
def _profiles(kinds: bool, sectors: bool, regions: bool, offers: bool, seeks: bool) -> ListQuery:
    """The list's SQL for one combination of filters, built once."""
    statement = select(*PROFILE_COLUMNS)
    if kinds:
        statement = statement.where(in_array(col(Profile.kind), "kinds"))
    if sectors:
        statement = statement.where(in_array(col(Profile.sector), "sectors"))
    if regions:
        statement = statement.where(in_array(col(Profile.region), "regions"))
    if offers:
        statement = statement.where(col(Profile.id).in_(_claiming(SkillDirection.OFFERS, "offers")))
    if seeks:
        statement = statement.where(col(Profile.id).in_(_claiming(SkillDirection.SEEKS, "seeks")))
    return ListQuery(statement, col(Profile.id))


async def profiles_page(
    reader: RequestReader,
    request: PageRequest,
    *,
    kinds: Sequence[ProfileKind] = (),
    sectors: Sequence[Sector] = (),
    regions: Sequence[Region] = (),
    offers: Sequence[str] = (),
    seeks: Sequence[str] = (),
) -> Page:
    """Profiles matching every given filter; within a list filter, any value matches."""
    query = _profiles(bool(kinds), bool(sectors), bool(regions), bool(offers), bool(seeks))
    return await fetch_page(
        reader,
        query,
        request,
        kinds=[kind.value for kind in kinds],
        sectors=[sector.value for sector in sectors],
        regions=[region.value for region in regions],
        offers=list(offers),
        seeks=list(seeks),
    )
