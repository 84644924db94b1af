"""A deterministic demo data set of German civic actors, built with Faker's de_DE locale."""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from models import Skill, Topic, metadata
from models.db import Database
from models.enums import (
    FUNDING_ROUND_MAX_AWARD_EUR,
    IDEA_CONTEST_MAX_AWARD_EUR,
    IdeaStatus,
    InviteStatus,
    ProfileKind,
    ProgressOutcome,
    Region,
    RoundKind,
    Sector,
    SkillCategory,
    SkillDirection,
    SkillLevel,
    SubmissionStatus,
    TeamRole,
)
from models.startup import startup_lock

SKILLS: Sequence[tuple[str, str, SkillCategory]] = (
    ("machine-learning", "Maschinelles Lernen", SkillCategory.AI_METHODS),
    ("nlp", "Sprachverarbeitung (NLP)", SkillCategory.AI_METHODS),
    ("computer-vision", "Bildverarbeitung", SkillCategory.AI_METHODS),
    ("llm-engineering", "Arbeit mit Sprachmodellen", SkillCategory.AI_METHODS),
    ("forecasting", "Prognosemodelle", SkillCategory.AI_METHODS),
    ("data-engineering", "Datenaufbereitung", SkillCategory.DATA),
    ("open-data", "Offene Daten", SkillCategory.DATA),
    ("statistics", "Statistik", SkillCategory.DATA),
    ("geodata", "Geodaten", SkillCategory.DATA),
    ("data-protection", "Datenschutz (DSGVO)", SkillCategory.LAW_AND_ETHICS),
    ("ai-ethics", "KI-Ethik", SkillCategory.LAW_AND_ETHICS),
    ("procurement-law", "Vergaberecht", SkillCategory.LAW_AND_ETHICS),
    ("backend", "Backend-Entwicklung", SkillCategory.SOFTWARE),
    ("frontend", "Frontend-Entwicklung", SkillCategory.SOFTWARE),
    ("mobile", "Mobile Apps", SkillCategory.SOFTWARE),
    ("devops", "Betrieb und DevOps", SkillCategory.SOFTWARE),
    ("ux-research", "Nutzerforschung", SkillCategory.DESIGN),
    ("accessibility", "Barrierefreiheit", SkillCategory.DESIGN),
    ("service-design", "Service-Design", SkillCategory.DESIGN),
    ("public-administration", "Verwaltungspraxis", SkillCategory.DOMAIN),
    ("social-work", "Soziale Arbeit", SkillCategory.DOMAIN),
    ("labour-relations", "Mitbestimmung und Arbeitswelt", SkillCategory.DOMAIN),
    ("climate", "Klima und Umwelt", SkillCategory.DOMAIN),
    ("healthcare", "Gesundheitswesen", SkillCategory.DOMAIN),
    ("education", "Bildung", SkillCategory.DOMAIN),
    ("community-organising", "Engagement und Ehrenamt", SkillCategory.COMMUNITY),
    ("participation", "Bürgerbeteiligung", SkillCategory.COMMUNITY),
    ("communication", "Öffentlichkeitsarbeit", SkillCategory.COMMUNITY),
    ("project-management", "Projektmanagement", SkillCategory.PROJECT),
    ("fundraising", "Fördermittel und Finanzierung", SkillCategory.PROJECT),
)

TOPICS: Sequence[tuple[str, str, str]] = (
    ("work", "Arbeit", "Gute Arbeit, Weiterbildung und Mitbestimmung im Wandel durch KI."),
    ("environment", "Umwelt", "Klima-, Natur- und Ressourcenschutz."),
    ("health", "Gesundheit", "Prävention, Pflege und Versorgung."),
    ("education", "Bildung", "Lernen in Schule, Ausbildung und Alltag."),
    ("participation", "Teilhabe", "Beteiligung, Inklusion und Engagement."),
    ("administration", "Verwaltung", "Bürgernahe, digitale öffentliche Verwaltung."),
    ("mobility", "Mobilität", "Wege in Stadt und Land."),
    ("social-cohesion", "Zusammenhalt", "Nachbarschaft, Vielfalt und Solidarität."),
)

IDEA_SUBJECTS = (
    "Antragsassistent",
    "Sprachmodell",
    "Frühwarnsystem",
    "Lernbegleiter",
    "Chatbot",
    "Datenplattform",
    "Übersetzungshilfe",
    "Prognosewerkzeug",
    "Bilderkennung",
    "Beratungsportal",
)
IDEA_PURPOSES = (
    "für kommunale Verwaltungen",
    "für die Verwaltung im ländlichen Raum",
    "für Pflegekräfte",
    "für Betriebsräte",
    "für Ehrenamtliche",
    "für Schulen",
    "gegen Hitzestress in Städten",
    "für barrierefreie Behördengänge",
    "für Tafeln und Sozialkaufhäuser",
    "für Bürgerbeteiligung",
    "für den Naturschutz",
    "für Beratungsstellen",
)
PERSON_SECTORS = (Sector.CIVIL_SOCIETY, Sector.RESEARCH, Sector.STARTUP, Sector.SME, Sector.OTHER)
ORGANISATION_NAMES = {
    Sector.CIVIL_SOCIETY: "Initiative {city}",
    Sector.ASSOCIATION: "{city} e.V.",
    Sector.TRADE_UNION: "Gewerkschaftsbund {city}",
    Sector.MUNICIPALITY: "Stadt {city}",
    Sector.PUBLIC_ADMINISTRATION: "Landesamt {city}",
    Sector.SME: "{last} GmbH",
    Sector.STARTUP: "{last} Labs",
    Sector.CORPORATION: "{last} AG",
    Sector.RESEARCH: "Institut für Gemeinwohl-KI {city}",
    Sector.OTHER: "Netzwerk {city}",
}
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DemoSize:
    profiles: int = 200
    ideas: int | None = None
    teams: int | None = None

    @property
    def idea_count(self) -> int:
        return self.ideas if self.ideas is not None else self.profiles * 3 // 2

    @property
    def team_count(self) -> int:
        return self.teams if self.teams is not None else self.profiles * 3 // 10


Rows = list[dict[str, Any]]
KEYED_TABLES = (
    "profile",
    "skill",
    "topic",
    "idea",
    "team",
    "membership",
    "contest_round",
    "submission",
    "invite",
    "progress_update",
)


class _Builder:
    """Builds the rows of each table from one deterministic random stream; keys start at `start`."""

    def __init__(self, seed: int, start: dict[str, int]) -> None:
        self.fake = Faker("de_DE")
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)
        self.start = start

    def _moment(self, after: datetime = EPOCH, days: int = 700) -> datetime:
        return after + timedelta(minutes=self.rng.randrange(days * 24 * 60))

    def _text(self, max_chars: int) -> str:
        return str(self.fake.text(max_nb_chars=max_chars)).strip()

    def _keys(self, table: str, count: int) -> range:
        return range(self.start[table], self.start[table] + count)

    def profiles(self, count: int) -> Rows:
        return [self._profile(key) for key in self._keys("profile", count)]

    def _profile(self, key: int) -> dict[str, Any]:
        if self.rng.random() < 0.6:
            kind, sector = ProfileKind.PERSON, self.rng.choice(PERSON_SECTORS)
            name, organisation = str(self.fake.name()), None
        else:
            kind, sector = ProfileKind.ORGANISATION, self.rng.choice(list(Sector))
            organisation = ORGANISATION_NAMES[sector].format(
                city=self.fake.city(), last=self.fake.last_name()
            )
            name = organisation
        created = self._moment()
        return {
            "id": key,
            "subject_id": f"demo|{key:08d}",
            "kind": kind,
            "display_name": name[:120],
            "organisation_name": organisation,
            "sector": sector,
            "region": self.rng.choice(list(Region)),
            "bio": self._text(300),
            "ai_interests": self._text(200),
            "prior_experience": self._text(200),
            "created_at": created,
            "updated_at": created,
        }

    def skill_claims(self, profiles: Rows, skill_ids: list[int]) -> Rows:
        """Each profile offers two or more skills and seeks at least one other."""
        claims = []
        for profile in profiles:
            chosen = self.rng.sample(skill_ids, self.rng.randint(3, 6))
            offered = self.rng.randint(2, len(chosen) - 1)
            claims += [
                {
                    "profile_id": profile["id"],
                    "skill_id": skill_id,
                    "direction": SkillDirection.OFFERS if index < offered else SkillDirection.SEEKS,
                    "level": self.rng.choice(list(SkillLevel)),
                }
                for index, skill_id in enumerate(chosen)
            ]
        return claims

    def ideas(self, count: int, profiles: Rows) -> Rows:
        return [self._idea(key, self.rng.choice(profiles)["id"]) for key in self._keys("idea", count)]

    def _idea(self, key: int, owner: int) -> dict[str, Any]:
        status = self.rng.choices(list(IdeaStatus), weights=(2, 7, 1))[0]
        created = self._moment()
        return {
            "id": key,
            "owner_id": owner,
            "title": f"{self.rng.choice(IDEA_SUBJECTS)} {self.rng.choice(IDEA_PURPOSES)}",
            "teaser": self._text(270),
            "description": "\n\n".join(str(p) for p in self.fake.paragraphs(nb=3)),
            "status": status,
            "created_at": created,
            "updated_at": created,
            "published_at": None if status is IdeaStatus.DRAFT else created,
        }

    def links(self, ideas: Rows, column: str, targets: list[int], low: int, high: int) -> Rows:
        """Each idea linked to `low` to `high` distinct targets (topics, skills needed)."""
        return [
            {"idea_id": idea["id"], column: target}
            for idea in ideas
            for target in self.rng.sample(targets, self.rng.randint(low, high))
        ]

    def teams(self, count: int, ideas: Rows, profiles: Rows) -> tuple[Rows, Rows]:
        """Teams of two to four, led by the idea's owner, for published and archived ideas."""
        shown = [idea for idea in ideas if idea["status"] is not IdeaStatus.DRAFT]
        carried = self.rng.sample(shown, min(count, len(shown)))
        teams, memberships = [], []
        profile_ids = [profile["id"] for profile in profiles]
        membership_keys = iter(self._keys("membership", len(carried) * 4))
        for key, idea in zip(self._keys("team", len(carried)), carried, strict=True):
            formed = idea["created_at"] + timedelta(days=self.rng.randint(1, 60))
            teams.append(
                {
                    "id": key,
                    "idea_id": idea["id"],
                    "name": f"Team {self.fake.city()}"[:120],
                    "created_at": formed,
                }
            )
            others = self.rng.sample(
                [p for p in profile_ids if p != idea["owner_id"]], self.rng.randint(1, 3)
            )
            memberships += [
                {
                    "id": next(membership_keys),
                    "team_id": key,
                    "profile_id": profile_id,
                    "role": TeamRole.LEAD if index == 0 else TeamRole.MEMBER,
                    "joined_at": formed,
                }
                for index, profile_id in enumerate([idea["owner_id"], *others])
            ]
        return teams, memberships

    def rounds(self) -> Rows:
        """This batch's idea contest and funding round; a later batch gets later years."""
        first, second = self._keys("contest_round", 2)
        year = 2025 + first
        return [
            {
                "id": first,
                "name": f"Gemeinsam wird es KI {year}",
                "kind": RoundKind.IDEA_CONTEST,
                "year": year,
                "description": "Der Ideenwettbewerb für gemeinwohlorientierte KI.",
                "opens_at": datetime(year, 3, 1, tzinfo=UTC),
                "closes_at": datetime(year, 6, 30, tzinfo=UTC),
                "max_award_eur": IDEA_CONTEST_MAX_AWARD_EUR,
                "cross_sector_required": True,
            },
            {
                "id": second,
                "name": f"Förderrunde {year}/{year + 1}",
                "kind": RoundKind.FUNDING_ROUND,
                "year": year,
                "description": "Förderung gemeinsamer Projekte mit bis zu 500.000 Euro.",
                "opens_at": datetime(year, 9, 1, tzinfo=UTC),
                "closes_at": datetime(year + 1, 1, 31, tzinfo=UTC),
                "max_award_eur": FUNDING_ROUND_MAX_AWARD_EUR,
                "cross_sector_required": False,
            },
        ]

    def submissions(self, teams: Rows, rounds: Rows) -> Rows:
        entries = [(team, round_) for team in teams for round_ in rounds if self.rng.random() < 0.6]
        submissions = []
        for key, (team, round_) in zip(self._keys("submission", len(entries)), entries, strict=True):
            status = self.rng.choices(list(SubmissionStatus), weights=(5, 2, 1, 2, 1))[0]
            opened: datetime = round_["opens_at"]
            award = self.rng.randrange(5_000, round_["max_award_eur"] + 1, 1_000)
            submissions.append(
                {
                    "id": key,
                    "team_id": team["id"],
                    "round_id": round_["id"],
                    "project_draft": self._text(600),
                    "status": status,
                    "award_eur": award if status is SubmissionStatus.AWARDED else None,
                    "submitted_at": opened + timedelta(days=self.rng.randint(1, 60)),
                    "updated_at": opened + timedelta(days=self.rng.randint(61, 90)),
                }
            )
        return submissions

    def invites(self, count: int, ideas: Rows, profiles: Rows) -> Rows:
        """Owners inviting other profiles to their published ideas; one pending invitation per
        owner, recipient and idea, as the database requires (a repeat has expired)."""
        shown = [idea for idea in ideas if idea["status"] is not IdeaStatus.DRAFT]
        invites = []
        pending: set[tuple[int, int, int]] = set()
        for key in self._keys("invite", count):
            idea = self.rng.choice(shown)
            recipient = self.rng.choice([p for p in profiles[:50] if p["id"] != idea["owner_id"]])
            status = self.rng.choice(list(InviteStatus))
            if status is InviteStatus.PENDING:
                triple = (idea["owner_id"], recipient["id"], idea["id"])
                status = InviteStatus.EXPIRED if triple in pending else status
                pending.add(triple)
            created = self._moment(idea["created_at"], 30)
            responded = created + timedelta(days=self.rng.randint(1, 14))
            invites.append(
                {
                    "id": key,
                    "sender_id": idea["owner_id"],
                    "recipient_id": recipient["id"],
                    "idea_id": idea["id"],
                    "team_id": None,
                    "message": self._text(160),
                    "status": status,
                    "created_at": created,
                    "responded_at": None if status is InviteStatus.PENDING else responded,
                }
            )
        return invites

    def progress(self, teams: Rows, memberships: Rows) -> Rows:
        """Up to three log entries per team; a successful failure always carries its lessons."""
        members: dict[int, list[int]] = {}
        for membership in memberships:
            members.setdefault(membership["team_id"], []).append(membership["profile_id"])
        entries = [team for team in teams for _ in range(self.rng.randint(0, 3))]
        updates = []
        for key, team in zip(self._keys("progress_update", len(entries)), entries, strict=True):
            outcome = self.rng.choices(list(ProgressOutcome), weights=(5, 2, 1))[0]
            failed = outcome is ProgressOutcome.SUCCESSFUL_FAILURE
            updates.append(
                {
                    "id": key,
                    "team_id": team["id"],
                    "author_id": self.rng.choice(members[team["id"]]),
                    "title": str(self.fake.sentence(nb_words=6))[:200],
                    "body": self._text(500),
                    "outcome": outcome,
                    "lessons_learned": self._text(300) if failed else None,
                    "created_at": self._moment(team["created_at"], 200),
                }
            )
        return updates


async def _next_keys(connection: AsyncConnection) -> dict[str, int]:
    keys = {}
    for name in KEYED_TABLES:
        table = metadata.tables[name]
        highest = await connection.scalar(select(func.coalesce(func.max(table.c.id), 0)))
        keys[name] = int(highest or 0) + 1
    return keys


async def _insert_taxonomy(connection: AsyncConnection) -> None:
    await connection.execute(
        insert(metadata.tables["skill"]),
        [{"slug": slug, "name": name, "category": category} for slug, name, category in SKILLS],
    )
    await connection.execute(
        insert(metadata.tables["topic"]),
        [{"slug": slug, "name": name, "description": about} for slug, name, about in TOPICS],
    )


async def load_demo_data(database: Database, size: DemoSize = DemoSize(), seed: int = 2026) -> None:
    """Adds a deterministic data set in one transaction; keys continue after what is there."""
    async with database.engine.begin() as connection:
        start = await _next_keys(connection)
        if start["skill"] == 1:
            await _insert_taxonomy(connection)
        skill_ids = [key for key in await connection.scalars(select(col(Skill.id))) if key]
        topic_ids = [key for key in await connection.scalars(select(col(Topic.id))) if key]

        build = _Builder(seed, start)
        profiles = build.profiles(size.profiles)
        ideas = build.ideas(size.idea_count, profiles)
        teams, memberships = build.teams(size.team_count, ideas, profiles)
        rounds = build.rounds()
        rows = {
            "profile": profiles,
            "profile_skill": build.skill_claims(profiles, skill_ids),
            "idea": ideas,
            "idea_topic": build.links(ideas, "topic_id", topic_ids, 1, 2),
            "idea_skill": build.links(ideas, "skill_id", skill_ids, 2, 4),
            "team": teams,
            "membership": memberships,
            "contest_round": rounds,
            "submission": build.submissions(teams, rounds),
            "invite": build.invites(size.profiles // 2, ideas, profiles),
            "progress_update": build.progress(teams, memberships),
        }
        for name, table_rows in rows.items():
            if table_rows:
                await connection.execute(insert(metadata.tables[name]), table_rows)

        if database.dialect == "postgresql":
            for name in KEYED_TABLES:
                await connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}")
                )


async def load_demo_data_if_empty(database: Database) -> bool:
    """Under the start-up lock, so replicas starting together load it once."""
    async with startup_lock(database):
        if await database.fetch_scalar(select(func.count()).select_from(metadata.tables["profile"])):
            return False
        await load_demo_data(database)
        return True
