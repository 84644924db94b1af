"""Listing and finding profiles; members creating and changing their own."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlmodel import col

from loaders.pagination import ListQuery, Page, PageRequest, fetch_page
from loaders.profile import PROFILE_COLUMNS
from models import Profile, ProfileSkill, Skill
from models.db import RequestReader
from models.enums import LONG_TEXT_MAX_LENGTH, ProfileKind, Region, Sector, SkillDirection, SkillLevel
from models.query import in_array
from resolvers.change import Change, camel
from resolvers.errors import Checks, ErrorCode, reject


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


TEXT_LIMITS = {
    "display_name": 120,
    "organisation_name": 200,
    "bio": LONG_TEXT_MAX_LENGTH,
    "ai_interests": LONG_TEXT_MAX_LENGTH,
    "prior_experience": LONG_TEXT_MAX_LENGTH,
}
REQUIRED = frozenset({"display_name", "kind", "sector"})
MAX_SKILLS = 30
"""Per direction: a profile offers or seeks at most this many skills."""


def _check(values: dict[str, Any]) -> None:
    """`values` holds the fields being set; the profile they give must be whole."""
    checks = Checks()
    for name, limit in TEXT_LIMITS.items():
        if name in values:
            checks.text(camel(name), values[name], limit, required=name in REQUIRED)
    for name in ("kind", "sector"):
        if name in values and values[name] is None:
            checks.fail(camel(name), f"'{camel(name)}' is required.")
    if values.get("kind") is ProfileKind.ORGANISATION and not (values.get("organisation_name") or "").strip():
        checks.fail("organisationName", "An organisation's profile needs its 'organisationName'.")
    checks.done()


async def create_profile(change: Change, values: dict[str, Any]) -> int:
    """The signed-in member's own profile, bound to their portal subject."""
    if change.viewer.profile_id is not None:
        raise reject(ErrorCode.CONFLICT, None, "You already have a profile; change it with updateProfile.")
    _check({name: values.get(name) for name in REQUIRED} | values)
    key: int = await change.scalar(
        insert(Profile).values(subject_id=change.viewer.subject, **values).returning(col(Profile.id))
    )
    return key


async def update_profile(change: Change, values: dict[str, Any]) -> int:
    key = change.profile_id
    current = await change.row(
        select(*PROFILE_COLUMNS).where(col(Profile.id) == key).with_for_update(key_share=True)
    )
    assert current is not None
    _check({"kind": current.kind, "organisation_name": current.organisation_name} | values)
    await change.connection.execute(
        update(Profile).where(col(Profile.id) == key).values(updated_at=change.now, **values)
    )
    return key


async def set_skills(
    change: Change, offers: Sequence[tuple[str, SkillLevel]], seeks: Sequence[tuple[str, SkillLevel]]
) -> int:
    """Replaces what the profile offers and seeks with the lists given."""
    key = change.profile_id
    claims = {SkillDirection.OFFERS: offers, SkillDirection.SEEKS: seeks}
    slugs = {slug for chosen in claims.values() for slug, _ in chosen}
    known = {
        row.slug: row.id
        for row in await change.rows(select(col(Skill.slug), col(Skill.id)).where(col(Skill.slug).in_(slugs)))
    }
    checks = Checks()
    for direction, chosen in claims.items():
        field = direction.value.lower()
        named = [slug for slug, _ in chosen]
        if len(named) > MAX_SKILLS:
            checks.fail(field, f"'{field}' takes at most {MAX_SKILLS} skills, got {len(named)}.")
        if unknown := sorted(set(named) - known.keys()):
            checks.fail(field, f"Unknown skills in '{field}': {', '.join(unknown)}.")
        if repeated := sorted({slug for slug in named if named.count(slug) > 1}):
            checks.fail(field, f"Skills named twice in '{field}': {', '.join(repeated)}.")
    checks.done()
    await change.connection.execute(delete(ProfileSkill).where(col(ProfileSkill.profile_id) == key))
    rows = [
        {"profile_id": key, "skill_id": known[slug], "direction": direction, "level": level}
        for direction, chosen in claims.items()
        for slug, level in chosen
    ]
    if rows:
        await change.connection.execute(insert(ProfileSkill), rows)
    await change.connection.execute(
        update(Profile).where(col(Profile.id) == key).values(updated_at=change.now)
    )
    return key
