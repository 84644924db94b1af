"""A deterministic demo data set of German civic actors, built with Faker's de_DE locale."""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import Table, func, insert, select, text
from sqlmodel import col

from models import (
    ContestRound,
    Idea,
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
from models.db import Database
from models.enums import (
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


class _Generator:
    """Holds the random sources so every call draws from one deterministic stream."""

    def __init__(self, seed: int) -> None:
        self.fake = Faker("de_DE")
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)

    def moment(self, after: datetime = EPOCH, days: int = 700) -> datetime:
        return after + timedelta(minutes=self.rng.randrange(days * 24 * 60))

    def text(self, max_chars: int) -> str:
        return str(self.fake.text(max_nb_chars=max_chars)).strip()

    def profile(self, key: int, subject_offset: int) -> dict[str, Any]:
        kind = ProfileKind.PERSON if self.rng.random() < 0.6 else ProfileKind.ORGANISATION
        if kind is ProfileKind.PERSON:
            sector = self.rng.choice(PERSON_SECTORS)
            name = self.fake.name()
            organisation = None
        else:
            sector = self.rng.choice(list(Sector))
            organisation = ORGANISATION_NAMES[sector].format(
                city=self.fake.city(), last=self.fake.last_name()
            )
            name = organisation
        created = self.moment()
        return {
            "id": key,
            "subject_id": f"demo|{subject_offset + key:08d}",
            "kind": kind,
            "display_name": name[:120],
            "organisation_name": organisation,
            "sector": sector,
            "region": self.rng.choice(list(Region)),
            "bio": self.text(300),
            "ai_interests": self.text(200),
            "prior_experience": self.text(200),
            "created_at": created,
            "updated_at": created,
        }

    def idea(self, key: int, owner: int) -> dict[str, Any]:
        status = self.rng.choices(list(IdeaStatus), weights=(2, 7, 1))[0]
        created = self.moment()
        title = f"{self.rng.choice(IDEA_SUBJECTS)} {self.rng.choice(IDEA_PURPOSES)}"
        return {
            "id": key,
            "owner_id": owner,
            "title": title,
            "teaser": self.text(270),
            "description": "\n\n".join(str(p) for p in self.fake.paragraphs(nb=3)),
            "status": status,
            "created_at": created,
            "updated_at": created,
            "published_at": None if status is IdeaStatus.DRAFT else created,
        }


async def _next_id(connection: Any, table: Table) -> int:
    return int((await connection.execute(select(func.coalesce(func.max(table.c.id), 0)))).scalar()) + 1


async def load_demo_data(database: Database, size: DemoSize = DemoSize(), seed: int = 2026) -> None:
    """Adds a deterministic data set; keys continue after whatever is there already."""
    gen = _Generator(seed)
    rng = gen.rng
    tables = {
        model.__name__: model.__table__
        for model in (
            Profile,
            Skill,
            Topic,
            Idea,
            Team,
            Membership,
            ContestRound,
            Submission,
            Invite,
            ProgressUpdate,
        )
    }  # type: ignore[attr-defined]
    async with database.engine.begin() as connection:
        start = {name: await _next_id(connection, table) for name, table in tables.items()}

        skill_ids = list(range(start["Skill"], start["Skill"] + len(SKILLS)))
        if start["Skill"] == 1:
            await connection.execute(
                insert(tables["Skill"]),
                [
                    {"id": k, "slug": s, "name": n, "category": c}
                    for k, (s, n, c) in zip(skill_ids, SKILLS, strict=True)
                ],
            )
            await connection.execute(
                insert(tables["Topic"]),
                [
                    {"id": start["Topic"] + i, "slug": s, "name": n, "description": d}
                    for i, (s, n, d) in enumerate(TOPICS)
                ],
            )
        skill_ids = [row.id for row in await connection.execute(select(col(Skill.id)))]
        topic_ids = [row.id for row in await connection.execute(select(col(Topic.id)))]

        profile_ids = list(range(start["Profile"], start["Profile"] + size.profiles))
        await connection.execute(insert(tables["Profile"]), [gen.profile(k, 0) for k in profile_ids])
        claims = []
        for profile_id in profile_ids:
            chosen = rng.sample(skill_ids, rng.randint(3, 6))
            offers = rng.randint(2, len(chosen) - 1)
            for index, skill_id in enumerate(chosen):
                claims.append(
                    {
                        "profile_id": profile_id,
                        "skill_id": skill_id,
                        "direction": SkillDirection.OFFERS if index < offers else SkillDirection.SEEKS,
                        "level": rng.choice(list(SkillLevel)),
                    }
                )
        await connection.execute(insert(ProfileSkill.__table__), claims)  # type: ignore[attr-defined]

        ideas = [gen.idea(start["Idea"] + i, rng.choice(profile_ids)) for i in range(size.idea_count)]
        await connection.execute(insert(tables["Idea"]), ideas)
        await connection.execute(
            insert(IdeaTopic.__table__),  # type: ignore[attr-defined]
            [
                {"idea_id": idea["id"], "topic_id": topic_id}
                for idea in ideas
                for topic_id in rng.sample(topic_ids, rng.randint(1, 2))
            ],
        )
        await connection.execute(
            insert(IdeaSkill.__table__),  # type: ignore[attr-defined]
            [
                {"idea_id": idea["id"], "skill_id": skill_id}
                for idea in ideas
                for skill_id in rng.sample(skill_ids, rng.randint(2, 4))
            ],
        )

        published = [idea for idea in ideas if idea["status"] is not IdeaStatus.DRAFT]
        carried = rng.sample(published, min(size.team_count, len(published)))
        teams, memberships = [], []
        membership_id = start["Membership"]
        for offset, idea in enumerate(carried):
            team_id = start["Team"] + offset
            formed = idea["created_at"] + timedelta(days=rng.randint(1, 60))
            teams.append(
                {
                    "id": team_id,
                    "idea_id": idea["id"],
                    "name": f"Team {gen.fake.city()}"[:120],
                    "created_at": formed,
                }
            )
            others = rng.sample([p for p in profile_ids if p != idea["owner_id"]], rng.randint(1, 3))
            for index, profile_id in enumerate([idea["owner_id"], *others]):
                memberships.append(
                    {
                        "id": membership_id,
                        "team_id": team_id,
                        "profile_id": profile_id,
                        "role": TeamRole.LEAD if index == 0 else TeamRole.MEMBER,
                        "joined_at": formed,
                    }
                )
                membership_id += 1
        if teams:
            await connection.execute(insert(tables["Team"]), teams)
            await connection.execute(insert(tables["Membership"]), memberships)

        year = 2025 + start["ContestRound"]
        rounds = [
            {
                "id": start["ContestRound"],
                "name": f"Gemeinsam wird es KI {year}",
                "kind": RoundKind.IDEA_CONTEST,
                "year": year,
                "description": "Der Ideenwettbewerb für gemeinwohlorientierte KI.",
                "opens_at": datetime(year, 3, 1, tzinfo=UTC),
                "closes_at": datetime(year, 6, 30, tzinfo=UTC),
                "max_award_eur": 20_000,
            },
            {
                "id": start["ContestRound"] + 1,
                "name": f"Förderrunde {year}/{year + 1}",
                "kind": RoundKind.FUNDING_ROUND,
                "year": year,
                "description": "Förderung gemeinsamer Projekte mit bis zu 500.000 Euro.",
                "opens_at": datetime(year, 9, 1, tzinfo=UTC),
                "closes_at": datetime(year + 1, 1, 31, tzinfo=UTC),
                "max_award_eur": 500_000,
            },
        ]
        await connection.execute(insert(tables["ContestRound"]), rounds)
        submissions = []
        for team in teams:
            for round_ in rounds:
                if rng.random() < 0.6:
                    status = rng.choices(list(SubmissionStatus), weights=(5, 2, 1, 2, 1))[0]
                    awarded = status is SubmissionStatus.AWARDED
                    submissions.append(
                        {
                            "id": start["Submission"] + len(submissions),
                            "team_id": team["id"],
                            "round_id": round_["id"],
                            "project_draft": gen.text(600),
                            "status": status,
                            "award_eur": rng.randrange(5_000, round_["max_award_eur"] + 1, 1_000)
                            if awarded
                            else None,
                            "submitted_at": round_["opens_at"] + timedelta(days=rng.randint(1, 60)),
                            "updated_at": round_["opens_at"] + timedelta(days=rng.randint(61, 90)),
                        }
                    )
        if submissions:
            await connection.execute(insert(tables["Submission"]), submissions)

        invites = []
        for offset in range(size.profiles // 2):
            idea = rng.choice(published)
            recipient = rng.choice(profile_ids)
            if recipient == idea["owner_id"]:
                continue
            status = rng.choice(list(InviteStatus))
            created = gen.moment(idea["created_at"], 30)
            invites.append(
                {
                    "id": start["Invite"] + offset,
                    "sender_id": idea["owner_id"],
                    "recipient_id": recipient,
                    "idea_id": idea["id"],
                    "team_id": None,
                    "message": gen.text(160),
                    "status": status,
                    "created_at": created,
                    "responded_at": None
                    if status is InviteStatus.PENDING
                    else created + timedelta(days=rng.randint(1, 14)),
                }
            )
        if invites:
            await connection.execute(insert(tables["Invite"]), invites)

        updates = []
        members_by_team: dict[int, list[int]] = {}
        for membership in memberships:
            members_by_team.setdefault(membership["team_id"], []).append(membership["profile_id"])
        for team in teams:
            for _ in range(rng.randint(0, 3)):
                outcome = rng.choices(list(ProgressOutcome), weights=(5, 2, 1))[0]
                updates.append(
                    {
                        "id": start["ProgressUpdate"] + len(updates),
                        "team_id": team["id"],
                        "author_id": rng.choice(members_by_team[team["id"]]),
                        "title": gen.fake.sentence(nb_words=6)[:200],
                        "body": gen.text(500),
                        "outcome": outcome,
                        "lessons_learned": gen.text(300)
                        if outcome is ProgressOutcome.SUCCESSFUL_FAILURE
                        else None,
                        "created_at": gen.moment(team["created_at"], 200),
                    }
                )
        if updates:
            await connection.execute(insert(tables["ProgressUpdate"]), updates)

        if database.dialect == "postgresql":
            for table in tables.values():
                await connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT max(id) FROM {table.name}))"
                    )
                )


async def load_demo_data_if_empty(database: Database) -> bool:
    if await database.fetch_scalar(select(func.count()).select_from(Profile)):
        return False
    await load_demo_data(database)
    return True
