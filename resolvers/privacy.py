"""Data protection: members delete their profile with all it holds, or take their data with them."""

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from loaders.idea import IDEA_COLUMNS
from models import (
    ContestRound,
    Idea,
    IdeaReport,
    IdeaSkill,
    IdeaTopic,
    Invite,
    Membership,
    Profile,
    ProfileSkill,
    ProgressUpdate,
    Skill,
    Submission,
    Team,
    Topic,
)
from models.columns import utc
from models.enums import EventKind, TeamRole
from models.query import AnySelect
from resolvers.change import Change
from resolvers.event import record_for_team
from resolvers.ids import to_global_id
from resolvers.team import lock_team, real_members, settle_team


async def delete_my_profile(change: Change) -> int:
    """Removes the profile and everything personal it owns or wrote.

    Memberships go, except in teams with a submission, where a "former member" without personal
    data keeps the place. Teams left with fewer than two members dissolve unless they have a
    submission. An idea whose team carries on passes to the team's lead; other ideas go."""
    key = change.profile_id
    memberships = await change.rows(
        select(col(Membership.id), col(Membership.team_id)).where(col(Membership.profile_id) == key)
    )
    for membership in memberships:
        await lock_team(change, membership.team_id)
        entered = await change.scalar(
            select(col(Submission.id)).where(col(Submission.team_id) == membership.team_id).limit(1)
        )
        if entered is None:
            await change.connection.execute(delete(Membership).where(col(Membership.id) == membership.id))
        else:
            await change.connection.execute(
                update(Membership)
                .where(col(Membership.id) == membership.id)
                .values(profile_id=None, role=TeamRole.MEMBER)
            )
        await record_for_team(change, EventKind.MEMBER_LEFT, membership.team_id, also=[key], member_id=key)
        await settle_team(change, membership.team_id)
    ideas = await change.rows(
        select(col(Idea.id), col(Team.id).label("team_id"))
        .outerjoin(Team, col(Team.idea_id) == col(Idea.id))
        .where(col(Idea.owner_id) == key)
    )
    for idea in ideas:
        members = [] if idea.team_id is None else await real_members(change, idea.team_id)
        if members:
            await change.connection.execute(
                update(Idea).where(col(Idea.id) == idea.id).values(owner_id=members[0].profile_id)
            )
        else:
            await change.connection.execute(delete(Idea).where(col(Idea.id) == idea.id))
    await change.connection.execute(delete(ProgressUpdate).where(col(ProgressUpdate.author_id) == key))
    await change.connection.execute(delete(Profile).where(col(Profile.id) == key))
    return key


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc(value).isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _record(row: Mapping[Any, Any], **ids: str) -> dict[str, Any]:
    """A row as JSON-ready values; the columns named in `ids` become global IDs of that type."""
    return {
        name: to_global_id(ids[name], value) if name in ids and value is not None else _plain(value)
        for name, value in row.items()
    }


async def _records(connection: AsyncConnection, statement: AnySelect, **ids: str) -> list[dict[str, Any]]:
    return [_record(row, **ids) for row in (await connection.execute(statement)).mappings()]


INVITE_IDS = {
    "id": "Invite",
    "sender_id": "Profile",
    "recipient_id": "Profile",
    "idea_id": "Idea",
    "team_id": "Team",
}


async def export_my_data(connection: AsyncConnection, key: int) -> dict[str, Any]:
    """Everything the service holds about one profile, as one JSON-ready document."""
    profile = await _records(connection, select(Profile).where(col(Profile.id) == key), id="Profile")
    teams = select(col(Membership.team_id)).where(col(Membership.profile_id) == key)
    return {
        "profile": profile[0],
        "skills": await _records(
            connection,
            select(col(Skill.slug), col(Skill.name), col(ProfileSkill.direction), col(ProfileSkill.level))
            .join(Skill, col(Skill.id) == col(ProfileSkill.skill_id))
            .where(col(ProfileSkill.profile_id) == key),
        ),
        "ideas": await _records(
            connection,
            select(*IDEA_COLUMNS).where(col(Idea.owner_id) == key),
            id="Idea",
            owner_id="Profile",
        ),
        "ideaTopics": await _records(
            connection,
            select(col(IdeaTopic.idea_id), col(Topic.slug))
            .join(Topic, col(Topic.id) == col(IdeaTopic.topic_id))
            .join(Idea, col(Idea.id) == col(IdeaTopic.idea_id))
            .where(col(Idea.owner_id) == key),
            idea_id="Idea",
        ),
        "ideaSkillsNeeded": await _records(
            connection,
            select(col(IdeaSkill.idea_id), col(Skill.slug))
            .join(Skill, col(Skill.id) == col(IdeaSkill.skill_id))
            .join(Idea, col(Idea.id) == col(IdeaSkill.idea_id))
            .where(col(Idea.owner_id) == key),
            idea_id="Idea",
        ),
        "memberships": await _records(
            connection,
            select(
                col(Membership.team_id),
                col(Team.name).label("team_name"),
                col(Membership.role),
                col(Membership.joined_at),
            )
            .join(Team, col(Team.id) == col(Membership.team_id))
            .where(col(Membership.profile_id) == key),
            team_id="Team",
        ),
        "invitesSent": await _records(
            connection, select(Invite).where(col(Invite.sender_id) == key), **INVITE_IDS
        ),
        "invitesReceived": await _records(
            connection, select(Invite).where(col(Invite.recipient_id) == key), **INVITE_IDS
        ),
        "progressUpdates": await _records(
            connection,
            select(ProgressUpdate).where(col(ProgressUpdate.author_id) == key),
            id="ProgressUpdate",
            team_id="Team",
            author_id="Profile",
        ),
        "ideaReports": await _records(
            connection,
            select(col(IdeaReport.idea_id), col(IdeaReport.reason), col(IdeaReport.created_at)).where(
                col(IdeaReport.reporter_id) == key
            ),
            idea_id="Idea",
        ),
        "teamSubmissions": await _records(
            connection,
            select(
                col(Submission.id),
                col(Submission.team_id),
                col(ContestRound.name).label("round_name"),
                col(Submission.project_draft),
                col(Submission.status),
                col(Submission.award_eur),
                col(Submission.submitted_at),
            )
            .join(ContestRound, col(ContestRound.id) == col(Submission.round_id))
            .where(col(Submission.team_id).in_(teams)),
            id="Submission",
            team_id="Team",
        ),
    }
