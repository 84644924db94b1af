"""Listing teams; members leaving them; the rules of a team's size and lead."""

from functools import cache
from typing import Any

from sqlalchemy import delete, select, update
from sqlmodel import col

from loaders.pagination import ListQuery, Page, PageRequest, fetch_page
from loaders.team import TEAM_COLUMNS
from models import Idea, Membership, Profile, Submission, Team
from models.db import RequestReader
from models.enums import EventKind, TeamRole
from resolvers.change import Change
from resolvers.errors import ErrorCode, reject
from resolvers.event import record_for_team
from resolvers.policy import teams_visible
from resolvers.viewer import Reach, Viewer


@cache
def _teams(reach: Reach) -> ListQuery:
    return ListQuery(select(*TEAM_COLUMNS).where(teams_visible(reach)), col(Team.id))


async def teams_page(reader: RequestReader, viewer: Viewer, request: PageRequest) -> Page:
    """The teams the viewer may see."""
    return await fetch_page(reader, _teams(viewer.reach), request, **viewer.parameters)


MIN_TEAM_SIZE = 2
MAX_TEAM_SIZE = 4


async def real_members(change: Change, team_id: int) -> list[Any]:
    """The team's members with a profile (former members hold a place, not a seat), lead first."""
    return await change.rows(
        select(col(Membership.id), col(Membership.profile_id), col(Membership.role), col(Profile.sector))
        .join(Profile, col(Profile.id) == col(Membership.profile_id))
        .where(col(Membership.team_id) == team_id)
        .order_by(col(Membership.role), col(Membership.joined_at), col(Membership.id))
    )


async def lock_team(change: Change, team_id: int) -> None:
    """Serialises changes to one team's members by locking its idea's row (a no-op on SQLite,
    whose write transactions are serial anyway)."""
    await change.scalar(
        select(col(Idea.id))
        .join(Team, col(Team.idea_id) == col(Idea.id))
        .where(col(Team.id) == team_id)
        .with_for_update(of=Idea, key_share=True)
    )


async def settle_team(change: Change, team_id: int) -> bool:
    """After someone left: the longest-standing member leads if the lead went, and a team left
    with fewer than two members is dissolved unless it has a submission. True if it still stands."""
    members = await real_members(change, team_id)
    entered = await change.scalar(
        select(col(Submission.id)).where(col(Submission.team_id) == team_id).limit(1)
    )
    if len(members) < MIN_TEAM_SIZE and entered is None:
        await record_for_team(change, EventKind.TEAM_DISSOLVED, team_id)
        await change.connection.execute(delete(Team).where(col(Team.id) == team_id))
        return False
    if members and all(member.role is not TeamRole.LEAD for member in members):
        await change.connection.execute(
            update(Membership).where(col(Membership.id) == members[0].id).values(role=TeamRole.LEAD)
        )
    return True


async def visible_team(change: Change, key: int, field: str) -> Any:
    return await change.visible(
        select(*TEAM_COLUMNS).where(col(Team.id) == key, teams_visible(change.viewer.reach)), field, "team"
    )


async def team_of_member(change: Change, key: int, field: str = "teamId") -> Any:
    """A team the writer belongs to, locked for this transaction."""
    team = await visible_team(change, key, field)
    if key not in change.viewer.team_ids:
        raise reject(ErrorCode.FORBIDDEN, field, "Only the team's members may do this.")
    await lock_team(change, key)
    return team


async def leave_team(change: Change, key: int) -> int | None:
    """The team's id, or None when leaving dissolved it."""
    await team_of_member(change, key, "id")
    await change.connection.execute(
        delete(Membership).where(
            col(Membership.team_id) == key, col(Membership.profile_id) == change.profile_id
        )
    )
    await record_for_team(
        change, EventKind.MEMBER_LEFT, key, also=[change.profile_id], member_id=change.profile_id
    )
    return key if await settle_team(change, key) else None
