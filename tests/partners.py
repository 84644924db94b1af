"""A hand-made partner network whose right answers are worked out by hand in the tests.

Fifteen profiles with the skills they offer and seek; two triangles of teams (ada, fay and mia;
hana, jan and kim) that ivo bridges through a team with mia and one with hana; a draft's team
that must not count; an accepted invitation, two pending ones, and two rounds.

A skill's weight is ln((1 + 15) / (1 + claims)) + 1. Claims: nlp 5, backend 2,
public-administration 7, data-protection 6, fundraising 1, geodata 2, ux-research 3."""

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert

from app.demo import SKILLS, TOPICS
from models import metadata
from models.db import Database
from models.enums import (
    FUNDING_ROUND_MAX_AWARD_EUR,
    IDEA_CONTEST_MAX_AWARD_EUR,
    IdeaStatus,
    InviteStatus,
    ProfileKind,
    Region,
    RoundKind,
    Sector,
    SubmissionStatus,
    TeamRole,
)
from resolvers.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.world import taxonomy

SKILL_IDS = {slug: key for key, (slug, _, _) in enumerate(SKILLS, start=1)}
TOPIC_IDS = {slug: key for key, (slug, _, _) in enumerate(TOPICS, start=1)}
CLAIMS = {
    "nlp": 5,
    "backend": 2,
    "public-administration": 7,
    "data-protection": 6,
    "fundraising": 1,
    "geodata": 2,
    "ux-research": 3,
}


def weight(slug: str) -> float:
    return math.log((1 + 15) / (1 + CLAIMS[slug])) + 1


PA, DP = "public-administration", "data-protection"
# name: (id, sector, region, offers, seeks)
PROFILES: dict[str, tuple[int, Sector, Region, tuple[str, ...], tuple[str, ...]]] = {
    "ada": (1, Sector.STARTUP, Region.BERLIN, ("nlp", "backend"), (PA, DP)),
    "bea": (2, Sector.MUNICIPALITY, Region.BRANDENBURG, (PA, DP), ("nlp",)),
    "carl": (3, Sector.STARTUP, Region.BERLIN, (PA, DP), ("nlp",)),
    "dora": (4, Sector.RESEARCH, Region.BAYERN, ("fundraising",), ("backend",)),
    "emil": (5, Sector.TRADE_UNION, Region.HAMBURG, (), ()),
    "fay": (6, Sector.MUNICIPALITY, Region.BERLIN, (PA, DP), ("nlp",)),
    "gus": (7, Sector.ASSOCIATION, Region.BERLIN, (PA, DP), ("nlp",)),
    "hana": (8, Sector.RESEARCH, Region.SACHSEN, ("geodata", "ux-research"), ()),
    "ivo": (9, Sector.MUNICIPALITY, Region.SACHSEN, (PA,), ()),
    "jan": (10, Sector.RESEARCH, Region.BERLIN, ("geodata",), ()),
    "kim": (11, Sector.CIVIL_SOCIETY, Region.BERLIN, ("ux-research",), ()),
    "mia": (12, Sector.MUNICIPALITY, Region.BERLIN, (), ()),
    "nico": (13, Sector.SME, Region.HESSEN, (PA,), ()),
    "lea": (14, Sector.SME, Region.HESSEN, ("ux-research",), ()),
    "otto": (15, Sector.MUNICIPALITY, Region.SACHSEN, (DP,), ()),
}
KEYS = {name: key for name, (key, *_) in PROFILES.items()}
# idea: (id, owner, status, topic, needs, team members lead first)
IDEAS: dict[str, tuple[int, str, IdeaStatus, str, tuple[str, ...], tuple[str, ...]]] = {
    "assistant": (1, "ada", IdeaStatus.PUBLISHED, "work", (), ("ada", "fay", "mia")),
    "geodata": (2, "ada", IdeaStatus.PUBLISHED, "work", ("nlp", "geodata", "ux-research", PA), ()),
    "plain": (3, "jan", IdeaStatus.PUBLISHED, "work", ("ux-research",), ()),
    "backend": (4, "carl", IdeaStatus.PUBLISHED, "work", ("backend",), ()),
    "health": (5, "hana", IdeaStatus.PUBLISHED, "health", ("ux-research",), ("hana", "jan", "kim")),
    "bridge": (6, "ivo", IdeaStatus.PUBLISHED, "work", (), ("ivo", "mia")),
    "draft": (7, "dora", IdeaStatus.DRAFT, "work", ("ux-research",), ("dora", "emil")),
    "second_bridge": (8, "hana", IdeaStatus.PUBLISHED, "work", (), ("hana", "ivo")),
    "neighbours": (9, "nico", IdeaStatus.PUBLISHED, "work", ("ux-research",), ()),
}
IDEA_KEYS = {name: key for name, (key, *_) in IDEAS.items()}
TEAM_FORMED = {"assistant": 2025, "health": 2026, "bridge": 2025, "draft": 2025, "second_bridge": 2025}


def subject(name: str) -> str:
    return f"test|{name}"


def _moment(year: int, month: int = 5) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def _rows() -> dict[str, list[dict[str, Any]]]:
    teams = [(name, idea) for name, idea in IDEAS.items() if idea[5]]
    return taxonomy() | {
        "profile": [
            {
                "id": key,
                "subject_id": subject(name),
                "kind": ProfileKind.PERSON,
                "display_name": name.title(),
                "sector": sector,
                "region": region,
                "bio": f"Private bio of {name}",
            }
            for name, (key, sector, region, _, _) in PROFILES.items()
        ],
        "profile_skill": [
            {"profile_id": key, "skill_id": SKILL_IDS[slug], "direction": direction, "level": "ADVANCED"}
            for key, _, _, offers, seeks in PROFILES.values()
            for direction, slugs in (("OFFERS", offers), ("SEEKS", seeks))
            for slug in slugs
        ],
        "idea": [
            {
                "id": key,
                "owner_id": KEYS[owner],
                "title": f"The {name} idea",
                "teaser": f"Teaser of {name}",
                "description": f"Description of {name}",
                "status": status,
                "published_at": None if status is IdeaStatus.DRAFT else _moment(2025, 1),
            }
            for name, (key, owner, status, _, _, _) in IDEAS.items()
        ],
        "idea_topic": [
            {"idea_id": key, "topic_id": TOPIC_IDS[topic]} for key, _, _, topic, _, _ in IDEAS.values()
        ],
        "idea_skill": [
            {"idea_id": key, "skill_id": SKILL_IDS[slug]}
            for key, _, _, _, needs, _ in IDEAS.values()
            for slug in needs
        ],
        "team": [
            {
                "id": number,
                "idea_id": idea[0],
                "name": f"Team {name}",
                "created_at": _moment(TEAM_FORMED[name]),
            }
            for number, (name, idea) in enumerate(teams, start=1)
        ],
        "membership": [
            {
                "team_id": number,
                "profile_id": KEYS[member],
                "role": TeamRole.LEAD if position == 0 else TeamRole.MEMBER,
            }
            for number, (_, idea) in enumerate(teams, start=1)
            for position, member in enumerate(idea[5])
        ],
        "contest_round": [
            {
                "id": 1,
                "name": "Ideenwettbewerb 2025",
                "kind": RoundKind.IDEA_CONTEST,
                "year": 2025,
                "opens_at": _moment(2025, 3),
                "closes_at": _moment(2025, 6),
                "max_award_eur": IDEA_CONTEST_MAX_AWARD_EUR,
            },
            {
                "id": 2,
                "name": "Förderrunde 2026",
                "kind": RoundKind.FUNDING_ROUND,
                "year": 2026,
                "opens_at": _moment(2026, 3),
                "closes_at": _moment(2026, 6),
                "max_award_eur": FUNDING_ROUND_MAX_AWARD_EUR,
            },
        ],
        "submission": [
            {
                "team_id": 1,
                "round_id": 1,
                "project_draft": "Draft",
                "status": SubmissionStatus.SUBMITTED,
                "award_eur": None,
            },
            {
                "team_id": 2,
                "round_id": 2,
                "project_draft": "Draft",
                "status": SubmissionStatus.AWARDED,
                "award_eur": 15_000,
            },
        ],
        "invite": [
            {
                "sender_id": KEYS["ada"],
                "recipient_id": KEYS["fay"],
                "idea_id": IDEA_KEYS["assistant"],
                "status": InviteStatus.ACCEPTED,
                "created_at": _moment(2025, 3),
                "responded_at": _moment(2025, 4),
            },
            {
                "sender_id": KEYS["ada"],
                "recipient_id": KEYS["gus"],
                "idea_id": IDEA_KEYS["assistant"],
                "status": InviteStatus.PENDING,
                "created_at": _moment(2026, 1),
                "responded_at": None,
            },
            {
                "sender_id": KEYS["jan"],
                "recipient_id": KEYS["kim"],
                "idea_id": IDEA_KEYS["plain"],
                "status": InviteStatus.PENDING,
                "created_at": _moment(2026, 1),
                "responded_at": None,
            },
        ],
    }


async def build(database: Database) -> None:
    async with database.engine.begin() as connection:
        for table, rows in _rows().items():
            await connection.execute(insert(metadata.tables[table]), rows)
        if database.dialect == "postgresql":
            for table in ("skill", "topic", "profile", "idea", "team", "membership", "contest_round"):
                await connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )


@dataclass(frozen=True)
class Partners:
    """Clients signed in as each profile of the network (and an admin and a newcomer)."""

    client: GraphQLClient

    def __getitem__(self, name: str) -> GraphQLClient:
        return self.client.signed_in(subject(name))

    @property
    def admin(self) -> GraphQLClient:
        return self.client.as_admin()

    @staticmethod
    def profile(name: str) -> str:
        return to_global_id("Profile", KEYS[name])

    @staticmethod
    def idea(name: str) -> str:
        return to_global_id("Idea", IDEA_KEYS[name])


@pytest.fixture
async def partners(client: GraphQLClient) -> Partners:
    await build(client.database)
    return Partners(client)
