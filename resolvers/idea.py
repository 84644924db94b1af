"""Listing and finding ideas; owners writing, publishing and archiving them; moderation."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlmodel import col

from loaders.idea import IDEA_COLUMNS
from loaders.pagination import ListQuery, Page, PageRequest, fetch_page
from models import Idea, IdeaReport, IdeaSkill, IdeaTopic, Skill, Topic
from models.db import RequestReader
from models.enums import (
    LONG_TEXT_MAX_LENGTH,
    REASON_MAX_LENGTH,
    TEASER_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    IdeaStatus,
)
from models.query import in_array
from resolvers.change import Change
from resolvers.errors import Checks, ErrorCode, reject
from resolvers.policy import ideas_visible
from resolvers.search import IdeaMatches, search_argument
from resolvers.viewer import Reach, Viewer


@cache
def idea_list_query(
    statuses: int, topics: bool, skills: bool, owner: bool, search: bool, reach: Reach
) -> ListQuery:
    """The list's SQL for one combination of filters, built once. One status is an equality, so
    SQLite walks the (status, id) index in order instead of sorting every match."""
    statement = select(*IDEA_COLUMNS).where(ideas_visible(reach))
    if statuses == 1:
        statement = statement.where(col(Idea.status) == bindparam("status"))
    elif statuses:
        statement = statement.where(in_array(col(Idea.status), "statuses"))
    if owner:
        statement = statement.where(col(Idea.owner_id) == bindparam("owner"))
    if topics:
        in_topics = select(col(IdeaTopic.idea_id)).join(Topic).where(in_array(col(Topic.slug), "topics"))
        statement = statement.where(col(Idea.id).in_(in_topics))
    if skills:
        needing = select(col(IdeaSkill.idea_id)).join(Skill).where(in_array(col(Skill.slug), "skills"))
        statement = statement.where(col(Idea.id).in_(needing))
    if search:
        statement = statement.where(IdeaMatches())
    return ListQuery(statement, col(Idea.id))


def idea_list(
    viewer: Viewer,
    *,
    statuses: Sequence[IdeaStatus] = (),
    topic_slugs: Sequence[str] = (),
    skill_slugs: Sequence[str] = (),
    owner_id: int | None = None,
    search: str | None = None,
    dialect: str = "postgresql",
) -> tuple[ListQuery, dict[str, Any]]:
    """The list's SQL for these filters and the parameters that fill it; within a list filter,
    any value matches."""
    query = idea_list_query(
        min(len(statuses), 2),
        bool(topic_slugs),
        bool(skill_slugs),
        owner_id is not None,
        search is not None,
        viewer.reach,
    )
    return query, {
        "status": statuses[0] if statuses else None,
        "statuses": [status.value for status in statuses],
        "topics": list(topic_slugs),
        "skills": list(skill_slugs),
        "owner": owner_id,
        "search": None if search is None else search_argument(dialect, search),
        **viewer.parameters,
    }


async def ideas_page(
    reader: RequestReader,
    viewer: Viewer,
    request: PageRequest,
    *,
    statuses: Sequence[IdeaStatus] = (),
    topic_slugs: Sequence[str] = (),
    skill_slugs: Sequence[str] = (),
    owner_id: int | None = None,
    search: str | None = None,
) -> Page:
    """Ideas the viewer may see matching every given filter."""
    query, parameters = idea_list(
        viewer,
        statuses=statuses,
        topic_slugs=topic_slugs,
        skill_slugs=skill_slugs,
        owner_id=owner_id,
        search=search,
        dialect=reader.dialect,
    )
    return await fetch_page(reader, query, request, **parameters)


IDEA_TEXT_LIMITS = {
    "title": TITLE_MAX_LENGTH,
    "teaser": TEASER_MAX_LENGTH,
    "description": LONG_TEXT_MAX_LENGTH,
}
MAX_LINKS = 10
"""Topics, and skills needed, per idea."""


def _empty_description_if_null(values: dict[str, Any]) -> dict[str, Any]:
    """A draft may lack a description (publishing needs one); the column holds empty text then."""
    return values | {"description": ""} if values.get("description", "") is None else values


def _check_texts(values: dict[str, Any], required: frozenset[str]) -> None:
    checks = Checks()
    for name, limit in IDEA_TEXT_LIMITS.items():
        if name in values or name in required:
            checks.text(name, values.get(name), limit, required=name in required)
    checks.done()


async def _keys_of(change: Change, model: Any, slugs: Sequence[str], field: str) -> list[int]:
    """The ids of topics or skills named by slug; unknown or repeated slugs are refused."""
    checks = Checks()
    if len(slugs) > MAX_LINKS:
        checks.fail(field, f"'{field}' takes at most {MAX_LINKS} entries, got {len(slugs)}.")
    if repeated := sorted({slug for slug in slugs if slugs.count(slug) > 1}):
        checks.fail(field, f"Named twice in '{field}': {', '.join(repeated)}.")
    rows = await change.rows(select(model.slug, model.id).where(model.slug.in_(set(slugs))))
    known = {row.slug: row.id for row in rows}
    if unknown := sorted(set(slugs) - known.keys()):
        checks.fail(field, f"Unknown in '{field}': {', '.join(unknown)}.")
    checks.done()
    return [known[slug] for slug in slugs]


async def _link(change: Change, key: int, topics: Sequence[str] | None, skills: Sequence[str] | None) -> None:
    """Replaces the idea's topics and skills needed with the slugs given (None leaves them)."""
    for slugs, model, link, column, field in (
        (topics, Topic, IdeaTopic, "topic_id", "topics"),
        (skills, Skill, IdeaSkill, "skill_id", "skillsNeeded"),
    ):
        if slugs is None:
            continue
        ids = await _keys_of(change, model, slugs, field)
        await change.connection.execute(delete(link).where(col(link.idea_id) == key))
        if ids:
            await change.connection.execute(insert(link), [{"idea_id": key, column: id_} for id_ in ids])


async def create_idea(
    change: Change, values: dict[str, Any], topics: Sequence[str], skills: Sequence[str]
) -> int:
    """A draft: only its owner (and later its team) sees it until it is published."""
    owner = change.profile_id
    values = _empty_description_if_null({"description": None} | values)
    _check_texts(values, frozenset({"title", "teaser"}))
    key: int = await change.scalar(
        insert(Idea).values(owner_id=owner, status=IdeaStatus.DRAFT, **values).returning(col(Idea.id))
    )
    await _link(change, key, topics, skills)
    return key


async def visible_idea(change: Change, key: int, field: str = "id") -> Any:
    """The idea, locked for this transaction; NOT_FOUND when the viewer may not see it."""
    return await change.visible(
        select(*IDEA_COLUMNS)
        .where(col(Idea.id) == key, ideas_visible(change.viewer.reach))
        .with_for_update(key_share=True),
        field,
        "idea",
    )


async def owned_idea(change: Change, key: int, field: str = "id") -> Any:
    idea = await visible_idea(change, key, field)
    if idea.owner_id != change.profile_id:
        raise reject(ErrorCode.FORBIDDEN, field, "Only the idea's owner may do this.")
    return idea


async def _set(change: Change, key: int, **values: Any) -> int:
    await change.connection.execute(
        update(Idea).where(col(Idea.id) == key).values(updated_at=change.now, **values)
    )
    return key


async def update_idea(
    change: Change,
    key: int,
    values: dict[str, Any],
    topics: Sequence[str] | None,
    skills: Sequence[str] | None,
) -> int:
    idea = await owned_idea(change, key)
    if idea.status is IdeaStatus.ARCHIVED:
        raise reject(ErrorCode.CONFLICT, "id", "An archived idea is kept as it is.")
    values = _empty_description_if_null(values)
    required = frozenset(values) & {"title", "teaser"} | (
        {"description"} if idea.status is IdeaStatus.PUBLISHED and "description" in values else set()
    )
    _check_texts(values, required)
    await _link(change, key, topics, skills)
    return await _set(change, key, **values)


async def publish_idea(change: Change, key: int) -> int:
    """Title, teaser and description are what members see, so all three are needed."""
    idea = await owned_idea(change, key)
    if idea.status is not IdeaStatus.DRAFT:
        raise reject(ErrorCode.CONFLICT, "id", f"Only a draft can be published; this idea is {idea.status}.")
    _check_texts(idea._asdict(), frozenset(IDEA_TEXT_LIMITS))
    return await _set(change, key, status=IdeaStatus.PUBLISHED, published_at=idea.published_at or change.now)


async def unpublish_idea(change: Change, key: int) -> int:
    idea = await owned_idea(change, key)
    if idea.status is not IdeaStatus.PUBLISHED:
        raise reject(
            ErrorCode.CONFLICT, "id", f"Only a published idea can be unpublished; this one is {idea.status}."
        )
    return await _set(change, key, status=IdeaStatus.DRAFT)


async def archive_idea(change: Change, key: int) -> int:
    idea = await owned_idea(change, key)
    if idea.status is IdeaStatus.ARCHIVED:
        raise reject(ErrorCode.CONFLICT, "id", "The idea is archived already.")
    if idea.published_at is None:
        raise reject(ErrorCode.CONFLICT, "id", "A draft that was never published cannot be archived.")
    return await _set(change, key, status=IdeaStatus.ARCHIVED)


async def hide_idea(change: Change, key: int, reason: str) -> int:
    """Moderation: the idea disappears for everyone but its owner, its team and admins."""
    change.require_admin()
    idea = await visible_idea(change, key)
    checks = Checks()
    checks.text("reason", reason, REASON_MAX_LENGTH)
    checks.done()
    if idea.hidden_at is not None:
        raise reject(ErrorCode.CONFLICT, "id", "The idea is hidden already.")
    return await _set(change, key, hidden_at=change.now, hidden_reason=reason)


async def unhide_idea(change: Change, key: int) -> int:
    change.require_admin()
    idea = await visible_idea(change, key)
    if idea.hidden_at is None:
        raise reject(ErrorCode.CONFLICT, "id", "The idea is not hidden.")
    return await _set(change, key, hidden_at=None, hidden_reason=None)


async def report_idea(change: Change, key: int, reason: str) -> int:
    """Any member may report an idea to the moderators, once."""
    reporter = change.profile_id
    await visible_idea(change, key)
    checks = Checks()
    checks.text("reason", reason, REASON_MAX_LENGTH)
    checks.done()
    reported = await change.scalar(
        select(col(IdeaReport.id)).where(
            col(IdeaReport.idea_id) == key, col(IdeaReport.reporter_id) == reporter
        )
    )
    if reported is not None:
        raise reject(ErrorCode.CONFLICT, "id", "You have reported this idea already.")
    await change.connection.execute(
        insert(IdeaReport).values(idea_id=key, reporter_id=reporter, reason=reason)
    )
    return key
