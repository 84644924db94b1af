"""A small platform built row by row, for tests of who sees and may do what.

Four members (an owner, her partner, a stranger and a newcomer without a profile), a jury member
and an admin; one idea in each state; a team of two on the published idea with a submission to
the open idea contest, a log entry and a pending invitation."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from app.demo import SKILLS, TOPICS
from models import metadata
from models.db import Database
from models.enums import (
    IDEA_CONTEST_MAX_AWARD_EUR,
    IdeaStatus,
    InviteStatus,
    ProfileKind,
    ProgressOutcome,
    RoundKind,
    Sector,
    SubmissionStatus,
    TeamRole,
)
from resolvers.ids import to_global_id
from tests.conftest import GraphQLClient

NOW = datetime.now(UTC)


@dataclass(frozen=True)
class World:
    """Global IDs of what was built, and clients signed in as each viewer."""

    anonymous: GraphQLClient
    owner: GraphQLClient
    partner: GraphQLClient
    stranger: GraphQLClient
    newcomer: GraphQLClient
    """Signed in, but without a profile yet."""
    jury: GraphQLClient
    admin: GraphQLClient
    ids: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.ids[name]


PROFILES = {
    "owner": (1, Sector.STARTUP),
    "partner": (2, Sector.MUNICIPALITY),
    "stranger": (3, Sector.RESEARCH),
}
IDEAS = {
    "published": (1, IdeaStatus.PUBLISHED, None),
    "draft": (2, IdeaStatus.DRAFT, None),
    "archived": (3, IdeaStatus.ARCHIVED, None),
    "hidden": (4, IdeaStatus.PUBLISHED, "Werbung"),
}


def subject(name: str) -> str:
    return f"test|{name}"


def taxonomy() -> dict[str, list[dict[str, Any]]]:
    """The demo's skills and topics, numbered from 1 in their order there."""
    return {
        "skill": [{"slug": slug, "name": name, "category": category} for slug, name, category in SKILLS],
        "topic": [{"slug": slug, "name": name, "description": about} for slug, name, about in TOPICS],
    }


def _rows() -> dict[str, list[dict[str, Any]]]:
    past, future = NOW - timedelta(days=30), NOW + timedelta(days=30)
    return taxonomy() | {
        "profile": [
            {
                "id": key,
                "subject_id": subject(name),
                "kind": ProfileKind.PERSON,
                "display_name": name.title(),
                "sector": sector,
                "bio": f"Bio of {name}",
            }
            for name, (key, sector) in PROFILES.items()
        ],
        "idea": [
            {
                "id": key,
                "owner_id": 1,
                "title": f"The {name} idea",
                "teaser": f"Teaser of the {name} idea",
                "description": f"Description of the {name} idea",
                "status": status,
                "published_at": None if status is IdeaStatus.DRAFT else past,
                "hidden_at": past if reason else None,
                "hidden_reason": reason,
            }
            for name, (key, status, reason) in IDEAS.items()
        ],
        "team": [{"id": 1, "idea_id": 1, "name": "Team Published"}],
        "membership": [
            {"id": 1, "team_id": 1, "profile_id": 1, "role": TeamRole.LEAD},
            {"id": 2, "team_id": 1, "profile_id": 2, "role": TeamRole.MEMBER},
        ],
        "contest_round": [
            {
                "id": 1,
                "name": "Ideenwettbewerb",
                "kind": RoundKind.IDEA_CONTEST,
                "year": NOW.year,
                "opens_at": past,
                "closes_at": future,
                "max_award_eur": IDEA_CONTEST_MAX_AWARD_EUR,
                "cross_sector_required": True,
            }
        ],
        "submission": [
            {
                "id": 1,
                "team_id": 1,
                "round_id": 1,
                "project_draft": "Our secret draft",
                "status": SubmissionStatus.SUBMITTED,
            }
        ],
        "progress_update": [
            {
                "id": 1,
                "team_id": 1,
                "author_id": 2,
                "title": "Kick-off",
                "body": "We met.",
                "outcome": ProgressOutcome.ONGOING,
            }
        ],
        "invite": [
            {
                "id": 1,
                "sender_id": 1,
                "recipient_id": 3,
                "idea_id": 1,
                "team_id": 1,
                "message": "Join us?",
                "status": InviteStatus.PENDING,
            }
        ],
    }


async def build(database: Database) -> None:
    async with database.engine.begin() as connection:
        for table, rows in _rows().items():
            await connection.execute(insert(metadata.tables[table]), rows)
        if database.dialect == "postgresql":
            for table in (
                "skill",
                "topic",
                "profile",
                "idea",
                "team",
                "membership",
                "contest_round",
                "submission",
            ):
                await connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            for table in ("progress_update", "invite"):
                await connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1)")


@pytest.fixture
async def world(client: GraphQLClient) -> World:
    await build(client.database)
    ids = {f"{name}_profile": to_global_id("Profile", key) for name, (key, _) in PROFILES.items()}
    ids |= {f"{name}_idea": to_global_id("Idea", key) for name, (key, _, _) in IDEAS.items()}
    ids |= {
        "team": to_global_id("Team", 1),
        "round": to_global_id("ContestRound", 1),
        "submission": to_global_id("Submission", 1),
        "progress": to_global_id("ProgressUpdate", 1),
        "invite": to_global_id("Invite", 1),
    }
    return World(
        anonymous=client.anonymous(),
        owner=client.signed_in(subject("owner")),
        partner=client.signed_in(subject("partner")),
        stranger=client.signed_in(subject("stranger")),
        newcomer=client.signed_in(subject("newcomer")),
        jury=client.signed_in(subject("juror"), "jury"),
        admin=client.as_admin(),
        ids=ids,
    )
