"""The tables' rules live in the database: rows that break them are refused there, on SQLite and
PostgreSQL alike, whatever code wrote them. Rows go in through SQLAlchemy Core (or raw SQL where
the Python types would refuse the value first), so no model validation stands in between."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, delete, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import SQLModel

from models import (
    ContestRound,
    Idea,
    Invite,
    Membership,
    Profile,
    ProfileSkill,
    ProgressUpdate,
    Skill,
    Submission,
    Team,
    metadata,
)
from models.db import Database
from models.enums import (
    FUNDING_ROUND_MAX_AWARD_EUR,
    IDEA_CONTEST_MAX_AWARD_EUR,
    TEASER_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    IdeaStatus,
    InviteStatus,
    ProfileKind,
    ProgressOutcome,
    RoundKind,
    Sector,
    SkillCategory,
    SkillDirection,
    SkillLevel,
    SubmissionStatus,
    TeamRole,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

STRING_DATA_RIGHT_TRUNCATION = "22001"


@contextmanager
def refused_as_too_long(database: Database) -> Iterator[None]:
    """SQLite ignores VARCHAR lengths, so there the CHECK constraint refuses the row (IntegrityError).
    PostgreSQL's VARCHAR(n) refuses it before any CHECK runs, with "value too long" (SQLSTATE 22001),
    which the asyncpg dialect raises as a plain DBAPIError."""
    if database.dialect == "sqlite":
        with pytest.raises(IntegrityError, match="CHECK constraint failed"):
            yield
    else:
        with pytest.raises(DBAPIError) as refusal:
            yield
        assert getattr(refusal.value.orig, "sqlstate", None) == STRING_DATA_RIGHT_TRUNCATION


@dataclass
class Rows:
    """Inserts valid rows, each in its own transaction; callers pass only what differs."""

    database: Database

    def __post_init__(self) -> None:
        self._serial = count(1)

    async def insert(self, model: type[SQLModel], **values: Any) -> int:
        async with self.database.engine.begin() as connection:
            result = await connection.execute(insert(model.__table__).values(**values))  # type: ignore[attr-defined]
            return int(result.inserted_primary_key[0])

    async def execute(self, sql: str, **params: Any) -> None:
        async with self.database.engine.begin() as connection:
            await connection.execute(text(sql), params)

    async def delete_profile(self, profile_id: int) -> None:
        table = Profile.__table__
        async with self.database.engine.begin() as connection:
            await connection.execute(delete(table).where(table.c.id == profile_id))

    async def scalars(self, statement: Any) -> list[Any]:
        async with self.database.engine.connect() as connection:
            return list((await connection.execute(statement)).scalars())

    async def profile(self, **values: Any) -> int:
        serial = next(self._serial)
        row = {
            "subject_id": f"subject-{serial}",
            "kind": ProfileKind.PERSON,
            "display_name": f"Person {serial}",
            "sector": Sector.CIVIL_SOCIETY,
        }
        return await self.insert(Profile, **(row | values))

    async def idea(self, owner_id: int, **values: Any) -> int:
        row = {
            "owner_id": owner_id,
            "title": "Ein Assistent für Anträge",
            "teaser": "Hilft Vereinen, Förderanträge zu schreiben.",
            "description": "Ausführlich.",
            "status": IdeaStatus.DRAFT,
        }
        return await self.insert(Idea, **(row | values))

    async def team(self, idea_id: int, **values: Any) -> int:
        return await self.insert(Team, **({"idea_id": idea_id, "name": "Team"} | values))

    async def membership(self, team_id: int, profile_id: int, **values: Any) -> int:
        row = {"team_id": team_id, "profile_id": profile_id, "role": TeamRole.MEMBER}
        return await self.insert(Membership, **(row | values))

    async def skill(self, **values: Any) -> int:
        serial = next(self._serial)
        row = {"slug": f"skill-{serial}", "name": f"Skill {serial}", "category": SkillCategory.DATA}
        return await self.insert(Skill, **(row | values))

    async def contest_round(self, **values: Any) -> int:
        serial = next(self._serial)
        row = {
            "name": f"Runde {serial}",
            "kind": RoundKind.IDEA_CONTEST,
            "year": 2025,
            "opens_at": NOW,
            "closes_at": NOW + timedelta(days=30),
            "max_award_eur": 10_000,
        }
        return await self.insert(ContestRound, **(row | values))

    async def submission(self, team_id: int, round_id: int, **values: Any) -> int:
        row = {
            "team_id": team_id,
            "round_id": round_id,
            "project_draft": "Entwurf",
            "status": SubmissionStatus.SUBMITTED,
        }
        return await self.insert(Submission, **(row | values))

    async def invite(self, sender_id: int, recipient_id: int, idea_id: int, **values: Any) -> int:
        row = {
            "sender_id": sender_id,
            "recipient_id": recipient_id,
            "idea_id": idea_id,
            "status": InviteStatus.PENDING,
        }
        return await self.insert(Invite, **(row | values))

    async def progress_update(self, team_id: int, **values: Any) -> int:
        row = {
            "team_id": team_id,
            "title": "Meilenstein",
            "body": "Erreicht.",
            "outcome": ProgressOutcome.ONGOING,
        }
        return await self.insert(ProgressUpdate, **(row | values))


@pytest.fixture
def rows(database: Database) -> Rows:
    return Rows(database)


@dataclass
class World:
    """An owner with an idea and a team, and a second profile to join or invite."""

    owner_id: int
    other_id: int
    idea_id: int
    team_id: int


@pytest.fixture
async def world(rows: Rows) -> World:
    owner_id = await rows.profile()
    other_id = await rows.profile()
    idea_id = await rows.idea(owner_id)
    team_id = await rows.team(idea_id)
    return World(owner_id, other_id, idea_id, team_id)


# --- profile ---------------------------------------------------------------------------------


async def test_valid_profile_is_accepted(rows: Rows):
    profile_id = await rows.profile()
    assert await rows.scalars(select(Profile.__table__.c.id)) == [profile_id]


async def test_profile_subject_id_is_unique(rows: Rows):
    await rows.profile(subject_id="oidc|alice")
    with pytest.raises(IntegrityError):
        await rows.profile(subject_id="oidc|alice")


async def test_organisation_needs_organisation_name(rows: Rows):
    with pytest.raises(IntegrityError):
        await rows.profile(kind=ProfileKind.ORGANISATION, organisation_name=None)


async def test_organisation_with_organisation_name_is_accepted(rows: Rows):
    await rows.profile(kind=ProfileKind.ORGANISATION, organisation_name="Stadtwerke Musterstadt")


async def test_person_needs_no_organisation_name(rows: Rows):
    await rows.profile(kind=ProfileKind.PERSON, organisation_name=None)


async def test_unknown_sector_is_refused_by_check_constraint(rows: Rows):
    with pytest.raises(IntegrityError):
        await rows.execute(
            "INSERT INTO profile (subject_id, kind, display_name, sector)"
            " VALUES ('oidc|bob', 'PERSON', 'Bob', 'NOT_A_SECTOR')"
        )


async def test_known_sector_via_raw_sql_is_accepted(rows: Rows):
    """The raw INSERT used above is itself valid apart from the sector."""
    await rows.execute(
        "INSERT INTO profile (subject_id, kind, display_name, sector)"
        " VALUES ('oidc|bob', 'PERSON', 'Bob', 'RESEARCH')"
    )


# --- idea ------------------------------------------------------------------------------------


async def test_idea_title_of_maximum_length_is_accepted(rows: Rows, world: World):
    await rows.idea(world.owner_id, title="T" * TITLE_MAX_LENGTH)


async def test_idea_title_longer_than_120_characters_is_refused(rows: Rows, world: World):
    with refused_as_too_long(rows.database):
        await rows.idea(world.owner_id, title="T" * (TITLE_MAX_LENGTH + 1))


async def test_idea_title_longer_than_120_characters_is_refused_in_raw_sql(rows: Rows, world: World):
    with refused_as_too_long(rows.database):
        await rows.execute(
            "INSERT INTO idea (owner_id, title, teaser, description, status)"
            " VALUES (:owner_id, :title, 'Teaser', 'Beschreibung', 'DRAFT')",
            owner_id=world.owner_id,
            title="T" * (TITLE_MAX_LENGTH + 1),
        )


async def test_empty_idea_title_is_refused(rows: Rows, world: World):
    with pytest.raises(IntegrityError):
        await rows.idea(world.owner_id, title="")


async def test_idea_teaser_of_maximum_length_is_accepted(rows: Rows, world: World):
    await rows.idea(world.owner_id, teaser="t" * TEASER_MAX_LENGTH)


async def test_idea_teaser_longer_than_280_characters_is_refused(rows: Rows, world: World):
    with refused_as_too_long(rows.database):
        await rows.idea(world.owner_id, teaser="t" * (TEASER_MAX_LENGTH + 1))


async def test_published_idea_needs_published_at(rows: Rows, world: World):
    with pytest.raises(IntegrityError):
        await rows.idea(world.owner_id, status=IdeaStatus.PUBLISHED, published_at=None)


async def test_published_idea_with_published_at_is_accepted(rows: Rows, world: World):
    await rows.idea(world.owner_id, status=IdeaStatus.PUBLISHED, published_at=NOW)


async def test_draft_idea_needs_no_published_at(rows: Rows, world: World):
    await rows.idea(world.owner_id, status=IdeaStatus.DRAFT, published_at=None)


# --- team and membership ---------------------------------------------------------------------


async def test_team_has_at_most_one_lead(rows: Rows, world: World):
    await rows.membership(world.team_id, world.owner_id, role=TeamRole.LEAD)
    with pytest.raises(IntegrityError):
        await rows.membership(world.team_id, world.other_id, role=TeamRole.LEAD)


async def test_team_may_have_several_members_beside_its_lead(rows: Rows, world: World):
    third_id = await rows.profile()
    await rows.membership(world.team_id, world.owner_id, role=TeamRole.LEAD)
    await rows.membership(world.team_id, world.other_id, role=TeamRole.MEMBER)
    await rows.membership(world.team_id, third_id, role=TeamRole.MEMBER)


async def test_each_team_may_have_its_own_lead(rows: Rows, world: World):
    """The one-lead index is partial per team, not global."""
    other_team_id = await rows.team(await rows.idea(world.other_id))
    await rows.membership(world.team_id, world.owner_id, role=TeamRole.LEAD)
    await rows.membership(other_team_id, world.other_id, role=TeamRole.LEAD)


async def test_profile_is_member_of_a_team_once(rows: Rows, world: World):
    await rows.membership(world.team_id, world.other_id, role=TeamRole.MEMBER)
    with pytest.raises(IntegrityError):
        await rows.membership(world.team_id, world.other_id, role=TeamRole.MEMBER)


async def test_idea_has_at_most_one_team(rows: Rows, world: World):
    with pytest.raises(IntegrityError):
        await rows.team(world.idea_id, name="Zweites Team")


# --- contest rounds and submissions ----------------------------------------------------------


async def test_round_closes_after_it_opens(rows: Rows):
    with pytest.raises(IntegrityError):
        await rows.contest_round(opens_at=NOW, closes_at=NOW - timedelta(days=1))


async def test_round_cannot_close_the_moment_it_opens(rows: Rows):
    with pytest.raises(IntegrityError):
        await rows.contest_round(opens_at=NOW, closes_at=NOW)


async def test_idea_contest_may_award_up_to_20000(rows: Rows):
    await rows.contest_round(kind=RoundKind.IDEA_CONTEST, max_award_eur=IDEA_CONTEST_MAX_AWARD_EUR)


async def test_idea_contest_max_award_above_20000_is_refused(rows: Rows):
    with pytest.raises(IntegrityError):
        await rows.contest_round(kind=RoundKind.IDEA_CONTEST, max_award_eur=IDEA_CONTEST_MAX_AWARD_EUR + 1)


async def test_funding_round_may_award_500000(rows: Rows):
    await rows.contest_round(kind=RoundKind.FUNDING_ROUND, max_award_eur=500_000)


async def test_funding_round_max_award_of_500001_is_refused(rows: Rows):
    assert FUNDING_ROUND_MAX_AWARD_EUR == 500_000
    with pytest.raises(IntegrityError):
        await rows.contest_round(kind=RoundKind.FUNDING_ROUND, max_award_eur=500_001)


async def test_round_max_award_must_be_positive(rows: Rows):
    with pytest.raises(IntegrityError):
        await rows.contest_round(max_award_eur=0)


async def test_submission_may_carry_award_when_awarded(rows: Rows, world: World):
    round_id = await rows.contest_round()
    await rows.submission(world.team_id, round_id, status=SubmissionStatus.AWARDED, award_eur=5_000)


@pytest.mark.parametrize(
    "status",
    [status for status in SubmissionStatus if status is not SubmissionStatus.AWARDED],
)
async def test_submission_carries_no_award_unless_awarded(rows: Rows, world: World, status: str):
    round_id = await rows.contest_round()
    with pytest.raises(IntegrityError):
        await rows.submission(world.team_id, round_id, status=status, award_eur=5_000)


async def test_one_submission_per_team_and_round(rows: Rows, world: World):
    round_id = await rows.contest_round()
    await rows.submission(world.team_id, round_id)
    with pytest.raises(IntegrityError):
        await rows.submission(world.team_id, round_id)


async def test_team_may_submit_to_several_rounds(rows: Rows, world: World):
    await rows.submission(world.team_id, await rows.contest_round())
    await rows.submission(world.team_id, await rows.contest_round())


# --- invites ---------------------------------------------------------------------------------


async def test_invite_to_another_profile_is_accepted(rows: Rows, world: World):
    await rows.invite(world.owner_id, world.other_id, world.idea_id)


async def test_invite_cannot_be_sent_to_oneself(rows: Rows, world: World):
    with pytest.raises(IntegrityError):
        await rows.invite(world.owner_id, world.owner_id, world.idea_id)


async def test_pending_invite_has_no_responded_at(rows: Rows, world: World):
    with pytest.raises(IntegrityError):
        await rows.invite(
            world.owner_id, world.other_id, world.idea_id, status=InviteStatus.PENDING, responded_at=NOW
        )


async def test_answered_invite_needs_responded_at(rows: Rows, world: World):
    with pytest.raises(IntegrityError):
        await rows.invite(
            world.owner_id, world.other_id, world.idea_id, status=InviteStatus.ACCEPTED, responded_at=None
        )


async def test_invite_is_about_an_idea_or_a_team(rows: Rows, world: World):
    with pytest.raises(IntegrityError):
        await rows.invite(world.owner_id, world.other_id, idea_id=None, team_id=None)


# --- progress updates ------------------------------------------------------------------------


async def test_successful_failure_with_lessons_learned_is_accepted(rows: Rows, world: World):
    await rows.progress_update(
        world.team_id, outcome=ProgressOutcome.SUCCESSFUL_FAILURE, lessons_learned="Früher testen."
    )


async def test_successful_failure_with_empty_lessons_learned_is_refused(rows: Rows, world: World):
    with pytest.raises(IntegrityError):
        await rows.progress_update(
            world.team_id, outcome=ProgressOutcome.SUCCESSFUL_FAILURE, lessons_learned=""
        )


async def test_successful_failure_without_lessons_learned_is_refused(rows: Rows, world: World):
    with pytest.raises(IntegrityError):
        await rows.progress_update(
            world.team_id, outcome=ProgressOutcome.SUCCESSFUL_FAILURE, lessons_learned=None
        )


async def test_ongoing_update_needs_no_lessons_learned(rows: Rows, world: World):
    await rows.progress_update(world.team_id, outcome=ProgressOutcome.ONGOING, lessons_learned=None)


# --- deleting a profile ----------------------------------------------------------------------


async def test_deleting_a_profile_deletes_its_ideas(rows: Rows, world: World):
    await rows.idea(world.owner_id, title="Zweite Idee")
    kept_id = await rows.idea(world.other_id)
    await rows.delete_profile(world.owner_id)
    assert await rows.scalars(select(Idea.__table__.c.id)) == [kept_id]


async def test_deleting_a_profile_deletes_its_skill_claims(rows: Rows, world: World):
    skill_id = await rows.skill()
    for profile_id in (world.owner_id, world.other_id):
        await rows.insert(
            ProfileSkill,
            profile_id=profile_id,
            skill_id=skill_id,
            direction=SkillDirection.OFFERS,
            level=SkillLevel.EXPERT,
        )
    await rows.insert(
        ProfileSkill,
        profile_id=world.other_id,
        skill_id=skill_id,
        direction=SkillDirection.SEEKS,
        level=SkillLevel.BASIC,
    )
    await rows.delete_profile(world.other_id)
    assert await rows.scalars(select(ProfileSkill.__table__.c.profile_id)) == [world.owner_id]
    assert await rows.scalars(select(Skill.__table__.c.id)) == [skill_id]


async def test_deleting_a_profile_deletes_its_memberships(rows: Rows, world: World):
    lead_id = await rows.membership(world.team_id, world.owner_id, role=TeamRole.LEAD)
    await rows.membership(world.team_id, world.other_id, role=TeamRole.MEMBER)
    await rows.delete_profile(world.other_id)
    assert await rows.scalars(select(Membership.__table__.c.id)) == [lead_id]
    assert await rows.scalars(select(Team.__table__.c.id)) == [world.team_id]


async def test_deleting_a_profile_keeps_its_progress_updates_without_author(rows: Rows, world: World):
    update_id = await rows.progress_update(world.team_id, author_id=world.other_id)
    await rows.delete_profile(world.other_id)
    table = ProgressUpdate.__table__
    assert await rows.scalars(select(table.c.id)) == [update_id]
    assert await rows.scalars(select(table.c.author_id)) == [None]


async def test_deleting_an_owner_deletes_the_team_of_its_idea(rows: Rows, world: World):
    await rows.membership(world.team_id, world.other_id, role=TeamRole.LEAD)
    await rows.progress_update(world.team_id, author_id=world.other_id)
    await rows.delete_profile(world.owner_id)
    assert await rows.scalars(select(Team.__table__.c.id)) == []
    assert await rows.scalars(select(Membership.__table__.c.id)) == []
    assert await rows.scalars(select(ProgressUpdate.__table__.c.id)) == []


async def test_foreign_keys_are_enforced(rows: Rows):
    with pytest.raises(IntegrityError):
        await rows.idea(owner_id=999_999)


# --- migration and metadata ------------------------------------------------------------------

SEARCH_OBJECTS = {
    ("column", "idea", "search_vector"),  # PostgreSQL: the generated tsvector column
    ("index", "idea", "ix_idea_search_vector"),  # PostgreSQL: its GIN index
}


def _outside_search(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Leave out the full-text search objects that only the migration creates."""
    if type_ == "table":
        # SQLite: the idea_search FTS5 table and its shadow tables (idea_search_data, ...)
        return not (name or "").startswith("idea_search")
    table = getattr(obj, "table", None)
    return (type_, getattr(table, "name", None), name) not in SEARCH_OBJECTS


async def test_migration_matches_the_models(database: Database):
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"include_object": _outside_search, "compare_type": True}
        )
        return list(compare_metadata(context, metadata))

    async with database.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []
