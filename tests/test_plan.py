"""Every shortcut is proven equal to the standard path: a query answered by its compiled plan
(schema/plan.py, app/plans.py) gets the very response, data and errors, that Strawberry gives.

Two apps share one PostgreSQL database: one compiles plans, the other never does. Each case posts
a document to the first app twice (the first answer teaches it the plan, the second should come
from it) and once to the second, and compares the second answer with the standard one, key order
included. Each case also says which path answered: its plan (the request ran the plan's one
statement and, signed in, the viewer's lookup) or the standard path (a document or arguments the
plans do not cover). The viewers are one of each tier: anonymous, a plain member, a member who
owns a draft and a hidden idea and is in a team, a juror and an admin. Generated documents on
`ideas` and `node` close the module."""

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

import pytest
from graphql import IntValueNode, StringValueNode, ValueNode, build_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema
from sqlalchemy import insert, text, update

from bench.peers.documents import IDEA_LIST, IDEA_PAGE, PROFILE_PAGE
from models import Idea, Membership, Profile, Team, metadata
from models.db import Database
from models.enums import (
    IdeaStatus,
    ProfileKind,
    Region,
    Sector,
    SkillDirection,
    SkillLevel,
    SubmissionStatus,
    TeamRole,
)
from resolvers.ids import to_cursor, to_global_id
from resolvers.viewer import VIEWER_BY_SUBJECT
from schema import schema
from tests.conftest import ADMIN, GraphQLClient, client_with
from tests.world import build, subject

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True, scope="session")
"""Plans exist on PostgreSQL only."""

MAX_PAGE_SIZE = 500
"""The benchmark's IdeaList asks for 500 ideas; both apps allow it."""


# The platform: tests.world's, and more of it.

OWNER, PARTNER, MEMBER, AUTHOR, CITY = 1, 2, 3, 4, 5
"""Profiles: tests.world's owner, partner and stranger; an author of many published ideas and one
hidden, in the team of the city's draft; and the city, an organisation whose draft's team entered
the idea contest (so the jury sees it) and whose archived idea's team has a former member."""
MOMENT = datetime(2024, 5, 17, 9, 30, 15, tzinfo=UTC)


def _at(micros: int, days: int = 0) -> datetime:
    return MOMENT + timedelta(days=days, microseconds=micros)


def _published_ideas() -> list[dict[str, Any]]:
    """Ideas 5 to 10, the author's, created at times with 6, 1, 0 and no microseconds."""
    micros = (123_456, 1, 999_999, 0, 500_000, 10)
    return [
        {
            "id": key,
            "owner_id": AUTHOR,
            "title": f"Published idea {key}",
            "teaser": f'Teaser {key} with "quotes", a backslash \\ and Umlaute: äöü',
            "description": f"Description {key}\nover two lines",
            "status": IdeaStatus.PUBLISHED,
            "created_at": _at(micro, days=key),
            "updated_at": _at(0, days=key),
            "published_at": _at(micro, days=key + 1),
        }
        for key, micro in zip(range(5, 11), micros, strict=True)
    ]


def _more_rows() -> dict[str, list[dict[str, Any]]]:
    claims = [
        (OWNER, 1, SkillDirection.OFFERS, SkillLevel.EXPERT),
        (OWNER, 2, SkillDirection.SEEKS, SkillLevel.BASIC),
        (OWNER, 3, SkillDirection.OFFERS, SkillLevel.BASIC),
        (AUTHOR, 2, SkillDirection.OFFERS, SkillLevel.ADVANCED),
        (AUTHOR, 2, SkillDirection.SEEKS, SkillLevel.EXPERT),
        (CITY, 4, SkillDirection.SEEKS, SkillLevel.ADVANCED),
    ]
    return {
        "profile": [
            {
                "id": AUTHOR,
                "subject_id": subject("author"),
                "kind": ProfileKind.PERSON,
                "display_name": "Author",
                "sector": Sector.CIVIL_SOCIETY,
                "bio": "Writes ideas",
                "ai_interests": "Language models",
                "created_at": _at(123_456),
                "updated_at": _at(0),
            },
            {
                "id": CITY,
                "subject_id": subject("city"),
                "kind": ProfileKind.ORGANISATION,
                "display_name": "City",
                "organisation_name": "Stadt Musterhausen",
                "sector": Sector.MUNICIPALITY,
                "region": Region.BADEN_WUERTTEMBERG,
                "prior_experience": "Open data portal",
                "created_at": _at(500_000),
                "updated_at": _at(999_999),
            },
        ],
        "idea": [
            *_published_ideas(),
            {
                "id": 11,
                "owner_id": CITY,
                "title": "The entered draft",
                "teaser": "A draft whose team entered the contest",
                "description": "Only its team, the jury and admins see it",
                "status": IdeaStatus.DRAFT,
                "created_at": _at(42),
                "updated_at": _at(43),
            },
            {
                "id": 12,
                "owner_id": CITY,
                "title": "The archived idea of the city",
                "teaser": "Archived",
                "description": "Done",
                "status": IdeaStatus.ARCHIVED,
                "published_at": _at(7),
            },
            {
                "id": 13,
                "owner_id": AUTHOR,
                "title": "The hidden idea of the author",
                "teaser": "Hidden",
                "description": "Spam",
                "status": IdeaStatus.PUBLISHED,
                "published_at": _at(0),
                "hidden_at": _at(1),
                "hidden_reason": "Spam",
            },
        ],
        "team": [
            {"id": 2, "idea_id": 11, "name": "Team Entered", "created_at": _at(654_321)},
            {"id": 3, "idea_id": 12, "name": "Team Archived", "created_at": _at(0)},
        ],
        "membership": [
            {"id": 3, "team_id": 2, "profile_id": CITY, "role": TeamRole.LEAD, "joined_at": _at(1)},
            {"id": 4, "team_id": 2, "profile_id": AUTHOR, "role": TeamRole.MEMBER, "joined_at": _at(2)},
            {"id": 5, "team_id": 3, "profile_id": None, "role": TeamRole.MEMBER, "joined_at": _at(3)},
            {"id": 6, "team_id": 3, "profile_id": CITY, "role": TeamRole.LEAD, "joined_at": _at(4)},
        ],
        "submission": [
            {
                "id": 2,
                "team_id": 2,
                "round_id": 1,
                "project_draft": "Ours",
                "status": SubmissionStatus.SUBMITTED,
            }
        ],
        "profile_skill": [
            {"profile_id": key, "skill_id": skill, "direction": direction, "level": level}
            for key, skill, direction, level in claims
        ],
        "idea_skill": [{"idea_id": 1, "skill_id": 1}, {"idea_id": 5, "skill_id": 2}],
        "idea_topic": [{"idea_id": 1, "topic_id": 1}, {"idea_id": 6, "topic_id": 2}],
    }


TIMES: list[tuple[Any, int, dict[str, datetime]]] = [
    (Idea, 1, {"created_at": _at(500_000), "updated_at": _at(123_456), "published_at": _at(0)}),
    (Idea, 2, {"created_at": _at(1), "updated_at": _at(0)}),
    (Idea, 3, {"created_at": _at(0), "updated_at": _at(999_999)}),
    (Profile, OWNER, {"created_at": _at(123_456), "updated_at": _at(500_000)}),
    (Team, 1, {"created_at": _at(999_999)}),
    (Membership, 1, {"joined_at": _at(10)}),
    (Membership, 2, {"joined_at": _at(0)}),
]
"""tests.world's rows, at times with and without microseconds."""


async def _build_platform(database: Database) -> None:
    async with database.engine.begin() as connection:
        names = ", ".join(table.name for table in metadata.sorted_tables)
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await build(database)
    async with database.engine.begin() as connection:
        for table, rows in _more_rows().items():
            for row in rows:  # one by one: the rows leave out different columns
                await connection.execute(insert(metadata.tables[table]), row)
        for model, key, values in TIMES:
            table = model.__table__
            await connection.execute(update(table).where(table.c.id == key).values(values))


def idea(key: int) -> str:
    return to_global_id("Idea", key)


def profile(key: int) -> str:
    return to_global_id("Profile", key)


# The two apps, the viewers, and the path a request takes.


class Path(Enum):
    PLAN = "answered by its plan"
    STANDARD = "answered by the standard path"
    PLAN_FAILED = "its plan's statement failed and the standard path answered"


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


@dataclass(frozen=True)
class Outcome:
    planned: Answer
    """The second answer of the app with plans."""
    standard: Answer
    """The answer of the app without plans."""
    path: Path
    """How the app with plans gave its second answer."""


VIEWERS: dict[str, tuple[str, ...]] = {
    "anonymous": (),
    "member": (subject("stranger"),),
    "owner": (subject("owner"),),
    "jury": (subject("juror"), "jury"),
    "admin": (ADMIN, "admin"),
    "author": (subject("author"),),
    "newcomer": (subject("newcomer"),),
}
"""The subject and roles of each viewer: one of each tier (the plain member has a profile and
nothing else; the owner owns a draft and a hidden idea and leads a team), and two more members:
the author, in the team of the city's draft, and a newcomer without a profile."""
TIERS = ("anonymous", "member", "owner", "jury", "admin")
SIGNED_IN = TIERS[1:]


def _is_plan(sql: str) -> bool:
    return sql.startswith("SELECT CAST(json_build_object(")


@dataclass
class Twins:
    """The same platform served with compiled plans and without."""

    with_plans: GraphQLClient
    without_plans: GraphQLClient
    database: Database

    def __post_init__(self) -> None:
        self._viewer_lookup = VIEWER_BY_SUBJECT.compiled(self.database.engine.dialect).sql

    async def _post(self, client: GraphQLClient, viewer: str, payload: dict[str, Any]) -> Answer:
        identity = VIEWERS[viewer]
        asking = client.signed_in(*identity) if identity else client.anonymous()
        response = await asking.http.post("/graphql", json=payload, headers=asking.headers)
        body = response.json()
        for error in body.get("errors") or ():
            if "errorId" in (error.get("extensions") or {}):
                error["extensions"]["errorId"] = "(one per request)"  # names the error's log line
        return Answer(response.status_code, body)

    def _path(self, statements: list[str]) -> Path:
        ran = [sql for sql in statements if sql != self._viewer_lookup]
        plans = [sql for sql in ran if _is_plan(sql)]
        if plans and plans == ran and len(plans) == 1:
            return Path.PLAN
        return Path.PLAN_FAILED if plans else Path.STANDARD

    async def ask(
        self,
        viewer: str,
        document: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        *,
        taught_by: str | None = None,
        taught_with: dict[str, Any] | None = None,
    ) -> Outcome:
        """The first request, which teaches the plan, comes from `taught_by` with `taught_with`
        when given, else from the viewer with the same variables."""
        payload: dict[str, Any] = {"query": document, "variables": variables}
        if operation_name is not None:
            payload["operationName"] = operation_name
        teaching = payload if taught_with is None else {**payload, "variables": taught_with}
        await self._post(self.with_plans, taught_by or viewer, teaching)
        with self.database.recorded_statements() as statements:
            planned = await self._post(self.with_plans, viewer, payload)
        with self.database.recorded_statements() as unplanned:
            standard = await self._post(self.without_plans, viewer, payload)
        assert self._path(unplanned) is Path.STANDARD, "the app without plans ran a plan"
        return Outcome(planned, standard, self._path(statements))


@pytest.fixture(scope="module")
async def twins(scratch_database: Database) -> AsyncIterator[Twins]:
    await _build_platform(scratch_database)
    common = {
        "database_url": scratch_database.url,
        "max_page_size": MAX_PAGE_SIZE,
        "invite_sweep_seconds": 86_400,  # no sweep runs among the statements a request is judged by
    }
    async with (
        client_with(scratch_database, compiled_plans=True, **common) as with_plans,
        client_with(scratch_database, compiled_plans=False, **common) as without_plans,
    ):
        yield Twins(with_plans, without_plans, scratch_database)


def _same(outcome: Outcome) -> None:
    """The same status and JSON, down to the order of every object's keys."""
    assert outcome.planned == outcome.standard
    assert json.dumps(outcome.planned.body) == json.dumps(outcome.standard.body), "the keys' order differs"


async def planned_alike(
    twins: Twins, viewer: str, document: str, variables: dict[str, Any] | None = None, **teaching: Any
) -> Any:
    """Answered by its plan, as the standard path answers; the answer's body."""
    outcome = await twins.ask(viewer, document, variables, **teaching)
    _same(outcome)
    assert outcome.path is Path.PLAN
    return outcome.standard.body


async def standard_alike(
    twins: Twins, viewer: str, document: str, variables: dict[str, Any] | None = None, **teaching: Any
) -> Any:
    """Left to the standard path, which answers as the app without plans does; the answer's body."""
    outcome = await twins.ask(viewer, document, variables, **teaching)
    _same(outcome)
    assert outcome.path is Path.STANDARD
    return outcome.standard.body


def per_viewer(cases: Mapping[str, Any], viewers: Iterable[str]) -> list[Any]:
    """(viewer, case) for every case and viewer."""
    return [
        pytest.param(viewer, case, id=f"{name}-{viewer}")
        for name, case in cases.items()
        for viewer in viewers
    ]


# The benchmark's three documents.


@pytest.mark.parametrize("viewer", SIGNED_IN)
async def test_the_idea_page_is_planned_for_members(twins: Twins, viewer: str):
    body = await planned_alike(twins, viewer, IDEA_PAGE)

    assert body["data"]["ideas"]["nodes"]


async def test_the_idea_page_asks_anonymous_for_teams_so_the_standard_path_answers(twins: Twins):
    body = await standard_alike(twins, "anonymous", IDEA_PAGE)

    assert {error["extensions"]["code"] for error in body["errors"]} == {"UNAUTHENTICATED"}


@pytest.mark.parametrize("viewer", SIGNED_IN)
async def test_the_idea_page_after_a_cursor_is_planned(twins: Twins, viewer: str):
    await planned_alike(twins, viewer, IDEA_PAGE, {"after": to_cursor(9)})


PROFILES = {"the owner": OWNER, "the author": AUTHOR, "the city": CITY, "a plain member": MEMBER}


@pytest.mark.parametrize(
    ("viewer", "key"),
    per_viewer(PROFILES, TIERS),
)
async def test_the_profile_page_is_planned(twins: Twins, viewer: str, key: int):
    body = await planned_alike(twins, viewer, PROFILE_PAGE, {"id": profile(key)})

    assert body["data"]["node"]["id"] == profile(key)


@pytest.mark.parametrize("viewer", TIERS)
async def test_the_idea_list_of_500_is_planned(twins: Twins, viewer: str):
    body = await planned_alike(twins, viewer, IDEA_LIST)

    assert body["data"]["ideas"]["nodes"]


async def test_a_planned_answer_is_one_statement(twins: Twins):
    await twins.ask("anonymous", IDEA_LIST)
    with twins.database.recorded_statements() as statements:
        await twins.with_plans.anonymous().data(IDEA_LIST)

    assert len(statements) == 1
    assert _is_plan(statements[0])


# Pages of `ideas`.

IDEAS = """
query Ideas($first: Int, $after: String, $last: Int, $before: String, $orderBy: IdeaOrder! = NEWEST_FIRST,
            $filter: IdeaFilter) {
  ideas(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy, filter: $filter) {
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}"""
PAGES: dict[str, dict[str, Any]] = {
    "the first page": {},
    "first 3": {"first": 3},
    "first 3 after a cursor": {"first": 3, "after": to_cursor(9)},
    "first 2 before a cursor": {"first": 2, "before": to_cursor(3)},
    "first 2 between two cursors": {"first": 2, "after": to_cursor(10), "before": to_cursor(3)},
    "last 3": {"last": 3},
    "last 3 before a cursor": {"last": 3, "before": to_cursor(6)},
    "last 2 after a cursor": {"last": 2, "after": to_cursor(12)},
    "last 2 between two cursors": {"last": 2, "after": to_cursor(12), "before": to_cursor(5)},
    "oldest first": {"orderBy": "OLDEST_FIRST", "first": 4},
    "oldest first after a cursor": {"orderBy": "OLDEST_FIRST", "first": 4, "after": to_cursor(3)},
    "oldest first, last 2 before a cursor": {"orderBy": "OLDEST_FIRST", "last": 2, "before": to_cursor(8)},
    "drafts": {"filter": {"status": ["DRAFT"]}},
    "archived ideas": {"filter": {"status": ["ARCHIVED"]}},
    "published ideas, first 2": {"filter": {"status": ["PUBLISHED"]}, "first": 2},
    "one status, not in a list": {"filter": {"status": "ARCHIVED"}},
    "an empty status filter": {"filter": {"status": []}},
    "filters given as null": {"filter": {"status": None, "owner": None, "search": None, "topics": None}},
    "the owner's ideas": {"filter": {"owner": profile(OWNER)}},
    "the author's published ideas, last 2": {
        "filter": {"owner": profile(AUTHOR), "status": ["PUBLISHED"]},
        "last": 2,
    },
    "ideas of a profile without any": {"filter": {"owner": profile(MEMBER)}},
    "the empty page after the last cursor": {"first": 5, "after": to_cursor(1)},
    "the empty page before the first cursor": {"last": 5, "before": to_cursor(13)},
    "first 0": {"first": 0},
    "last 0": {"last": 0},
    "first 0 after a cursor": {"first": 0, "after": to_cursor(9)},
}


@pytest.mark.parametrize(("viewer", "arguments"), per_viewer(PAGES, TIERS))
async def test_pages_of_ideas_are_planned(twins: Twins, viewer: str, arguments: dict[str, Any]):
    await planned_alike(twins, viewer, IDEAS, arguments)


@pytest.mark.parametrize(("viewer", "arguments"), per_viewer(PAGES, ["owner"]))
async def test_a_plan_learned_from_one_page_answers_every_other(
    twins: Twins, viewer: str, arguments: dict[str, Any]
):
    await planned_alike(twins, viewer, IDEAS, arguments, taught_with={"first": 1})


@pytest.mark.parametrize(
    ("viewer", "teacher"),
    [("author", "member"), ("owner", "member"), ("newcomer", "owner"), ("member", "author")],
)
async def test_a_plan_learned_from_one_member_shows_another_what_they_may_see(
    twins: Twins, viewer: str, teacher: str
):
    await planned_alike(twins, viewer, IDEAS, PAGES["drafts"], taught_by=teacher)


async def test_the_owner_finds_her_drafts_on_the_planned_page(twins: Twins):
    body = await planned_alike(twins, "owner", IDEAS, PAGES["drafts"])

    assert [edge["node"]["id"] for edge in body["data"]["ideas"]["edges"]] == [idea(2)]


async def test_the_jury_finds_the_entered_draft_on_the_planned_page(twins: Twins):
    body = await planned_alike(twins, "jury", IDEAS, PAGES["drafts"])

    assert [edge["node"]["id"] for edge in body["data"]["ideas"]["edges"]] == [idea(11)]


REFUSED_PAGES: dict[str, dict[str, Any]] = {
    "a bad cursor": {"after": "not-a-cursor"},
    "a global ID as cursor": {"before": idea(3)},
    "a page too large": {"first": MAX_PAGE_SIZE + 1},
    "a negative page": {"last": -1},
    "first and last": {"first": 1, "last": 1},
    "several statuses": {"filter": {"status": ["PUBLISHED", "ARCHIVED"]}},
    "a search": {"filter": {"search": "idea"}},
    "topics": {"filter": {"topics": ["work"]}},
    "skills needed": {"filter": {"skillsNeeded": ["machine-learning"]}},
    "an owner that is an idea": {"filter": {"owner": idea(1)}},
    "an owner that is no ID": {"filter": {"owner": "nobody"}},
    "a variable of the wrong type": {"first": "2"},
}


@pytest.mark.parametrize(
    ("viewer", "arguments"),
    per_viewer(REFUSED_PAGES, ["anonymous", "owner"]),
)
async def test_arguments_the_plan_does_not_cover_take_the_standard_path(
    twins: Twins, viewer: str, arguments: dict[str, Any]
):
    await standard_alike(twins, viewer, IDEAS, arguments, taught_with={})


async def test_the_standard_path_names_the_bad_cursor(twins: Twins):
    body = await standard_alike(twins, "member", IDEAS, REFUSED_PAGES["a bad cursor"], taught_with={})

    assert body["data"] == {"ideas": None}
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_plan_never_answers_what_the_cost_limit_refuses(twins: Twins):
    document = "query($n: Int) { ideas(first: $n) { nodes { owner { ideas(first: $n) { nodes { id } } } } } }"

    body = await standard_alike(twins, "member", document, {"n": 300}, taught_with={"n": 2})

    assert body["errors"][0]["extensions"]["code"] == "QUERY_LIMIT_EXCEEDED"


# `node(id:)`.

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Profile { displayName kind organisationName sector region createdAt updatedAt }
    ... on Idea { title teaser status createdAt updatedAt publishedAt owner { id displayName } }
  }
}"""
SEEN_BY = {
    "a profile": (profile(OWNER), TIERS),
    "an organisation": (profile(CITY), TIERS),
    "a profile without ideas": (profile(MEMBER), TIERS),
    "a published idea": (idea(1), TIERS),
    "an archived idea": (idea(3), SIGNED_IN),
    "a draft": (idea(2), ("owner", "admin")),
    "a hidden idea": (idea(4), ("owner", "admin")),
    "a draft whose team entered a round": (idea(11), ("jury", "admin")),
    "an unknown idea": (idea(999), ()),
    "an unknown profile": (profile(999), ()),
}


@pytest.mark.parametrize(
    ("viewer", "seen"),
    per_viewer(SEEN_BY, TIERS),
)
async def test_node_is_planned_and_shows_only_what_the_viewer_may_see(
    twins: Twins, viewer: str, seen: tuple[str, tuple[str, ...]]
):
    node_id, seen_by = seen

    body = await planned_alike(twins, viewer, NODE, {"id": node_id})

    assert (body["data"]["node"] is not None) == (viewer in seen_by)


NOT_PLANNED_NODES = {
    "a team": to_global_id("Team", 1),
    "a skill": to_global_id("Skill", 1),
    "a cursor": to_cursor(1),
    "no ID at all": "not-an-id",
}


@pytest.mark.parametrize(("viewer", "node_id"), per_viewer(NOT_PLANNED_NODES, ["anonymous", "admin"]))
async def test_node_of_other_types_and_bad_ids_take_the_standard_path(
    twins: Twins, viewer: str, node_id: str
):
    await standard_alike(twins, viewer, NODE, {"id": node_id}, taught_with={"id": idea(1)})


# A profile's own lists.

PROFILE_LISTS = """
query ProfileLists($id: ID!, $status: IdeaStatus, $first: Int, $after: String, $last: Int, $before: String) {
  node(id: $id) {
    ... on Profile {
      ideas(status: $status, first: $first, after: $after, last: $last, before: $before) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { id status } }
      }
      offered: skills(direction: OFFERS) { direction level skill { id slug name category } }
      sought: skills(direction: SEEKS) { level skill { name } }
      skills { direction level skill { name } }
    }
  }
}"""
PROFILE_PAGES: dict[str, dict[str, Any]] = {
    "the owner's ideas": {"id": profile(OWNER)},
    "the owner's drafts": {"id": profile(OWNER), "status": "DRAFT"},
    "the owner's archived ideas": {"id": profile(OWNER), "status": "ARCHIVED"},
    "the author's first 2": {"id": profile(AUTHOR), "first": 2},
    "the author's 2 after a cursor": {"id": profile(AUTHOR), "first": 2, "after": to_cursor(8)},
    "the author's last 2 before a cursor": {"id": profile(AUTHOR), "last": 2, "before": to_cursor(7)},
    "the author's published, last 3": {"id": profile(AUTHOR), "status": "PUBLISHED", "last": 3},
    "the city's ideas": {"id": profile(CITY)},
    "a plain member's ideas": {"id": profile(MEMBER)},
    "the empty page after the author's last": {"id": profile(AUTHOR), "first": 3, "after": to_cursor(5)},
    "first 0": {"id": profile(AUTHOR), "first": 0},
}


@pytest.mark.parametrize(("viewer", "variables"), per_viewer(PROFILE_PAGES, TIERS))
async def test_a_profiles_ideas_and_skills_are_planned(twins: Twins, viewer: str, variables: dict[str, Any]):
    await planned_alike(twins, viewer, PROFILE_LISTS, variables)


@pytest.mark.parametrize(("viewer", "variables"), per_viewer(PROFILE_PAGES, ["jury"]))
async def test_a_plan_learned_from_one_profile_answers_for_every_other(
    twins: Twins, viewer: str, variables: dict[str, Any]
):
    await planned_alike(twins, viewer, PROFILE_LISTS, variables, taught_with={"id": profile(PARTNER)})


async def test_a_profile_that_offers_and_seeks_one_skill_lists_it_twice(twins: Twins):
    body = await planned_alike(twins, "member", PROFILE_LISTS, {"id": profile(AUTHOR)})

    assert [claim["direction"] for claim in body["data"]["node"]["skills"]] == ["OFFERS", "SEEKS"]


@pytest.mark.parametrize(
    "arguments",
    [{"first": MAX_PAGE_SIZE + 1}, {"after": "nope"}, {"first": 1, "last": 1}, {"status": "LOST"}],
)
async def test_a_profiles_ideas_with_arguments_the_plan_does_not_cover_take_the_standard_path(
    twins: Twins, arguments: dict[str, Any]
):
    variables = {"id": profile(OWNER)}

    await standard_alike(twins, "owner", PROFILE_LISTS, variables | arguments, taught_with=variables)


# Everything an idea shows.

IDEA_FIELDS = """
query IdeaFields {
  ideas(first: 100) {
    nodes {
      id title teaser description status createdAt updatedAt publishedAt hiddenReason
      owner {
        id kind displayName organisationName sector region bio aiInterests priorExperience createdAt updatedAt
      }
      team { id name createdAt members { id role joinedAt profile { id displayName } } }
    }
  }
}"""
PUBLIC_IDEA_FIELDS = """
query PublicIdeaFields {
  ideas(first: 100) {
    nodes {
      id title teaser status createdAt updatedAt publishedAt hiddenReason owner { id displayName sector }
    }
  }
}"""


@pytest.mark.parametrize("viewer", [*SIGNED_IN, "author"])
async def test_every_field_of_an_idea_is_planned_for_members(twins: Twins, viewer: str):
    body = await planned_alike(twins, viewer, IDEA_FIELDS)

    assert any(node["team"] is not None for node in body["data"]["ideas"]["nodes"])


@pytest.mark.parametrize("viewer", [*SIGNED_IN, "author"])
@pytest.mark.parametrize("key", [1, 2, 4, 11, 12, 13])
async def test_an_ideas_team_and_members_are_planned(twins: Twins, viewer: str, key: int):
    document = """query($id: ID!) { node(id: $id) { ... on Idea { id hiddenReason description
      team { id name createdAt members { id role joinedAt profile { id displayName } } } } } }"""

    await planned_alike(twins, viewer, document, {"id": idea(key)})


async def test_the_admin_sees_why_ideas_were_hidden_on_the_planned_page(twins: Twins):
    body = await planned_alike(twins, "admin", "{ ideas(first: 100) { nodes { id hiddenReason } } }")

    reasons = {node["id"]: node["hiddenReason"] for node in body["data"]["ideas"]["nodes"]}
    assert (reasons[idea(4)], reasons[idea(13)], reasons[idea(1)]) == ("Werbung", "Spam", None)


async def test_the_public_fields_of_ideas_are_planned_for_anonymous(twins: Twins):
    await planned_alike(twins, "anonymous", PUBLIC_IDEA_FIELDS)


GUARDED = {
    "a team": "{ ideas { nodes { id team { id } } } }",
    "a description": "{ ideas { nodes { id description } } }",
    "a bio": "query($id: ID!) { node(id: $id) { ... on Profile { bio } } }",
}


@pytest.mark.parametrize("document", GUARDED.values(), ids=GUARDED.keys())
async def test_fields_for_members_only_leave_anonymous_to_the_standard_path(twins: Twins, document: str):
    body = await standard_alike(twins, "anonymous", document, {"id": profile(OWNER)})

    assert {error["extensions"]["code"] for error in body["errors"]} == {"UNAUTHENTICATED"}


NOT_COMPILED = {
    "topics": "{ ideas { nodes { id topics { slug } } } }",
    "skills needed": "{ ideas { nodes { skillsNeeded { slug } } } }",
    "a claim's profile": "query($id: ID!) { node(id: $id) { ... on Profile { skills { profile { id } } } } }",
    "a team's idea": "{ ideas { nodes { team { idea { id } } } } }",
    "a profile's memberships": """query($id: ID!) {
      node(id: $id) { ... on Profile { memberships { totalCount } } }
    }""",
    "another root field": "{ ideas { nodes { id } } skills { totalCount } }",
    "a directive": """query($id: ID!) {
      node(id: $id) { id ... on Profile @include(if: true) { displayName } }
    }""",
    "a skipped field": "{ ideas { nodes { id title @skip(if: false) } } }",
}


@pytest.mark.parametrize(("viewer", "document"), per_viewer(NOT_COMPILED, ["member", "admin"]))
async def test_fields_the_plans_do_not_cover_take_the_standard_path(twins: Twins, viewer: str, document: str):
    await standard_alike(twins, viewer, document, {"id": profile(OWNER)})


# How a document is written.

SHAPES = {
    "aliases": """{
      newest: ideas(first: 2) { all: totalCount items: nodes { key: id name: title } }
      oldest: ideas(first: 2, orderBy: OLDEST_FIRST) { nodes { id } }
      me: node(id: "UHJvZmlsZTox") { ... on Profile { name: displayName } }
    }""",
    "the same field twice": """{
      ideas(first: 3) { nodes { id title } nodes { id teaser } totalCount totalCount
                        pageInfo { endCursor } pageInfo { hasNextPage endCursor } }
    }""",
    "named fragments": """
      query Fragments { ideas(first: 4) { nodes { ...Card } edges { node { ...Card owner { ...Person } } } } }
      fragment Card on Idea { id title owner { ...Person } }
      fragment Person on Profile { id displayName }""",
    "inline fragments": """{
      ideas(first: 3) { nodes { ... on Idea { id } ... on Node { id } ... { title } } }
      node(id: "SWRlYTox") { ... on Node { id } ... on Idea { title } ... on Profile { displayName } }
    }""",
    "a fragment on an interface": """
      query Interface {
        node(id: "UHJvZmlsZTox") { ...Identified }
        ideas(first: 2) { nodes { ...Identified } }
      }
      fragment Identified on Node { __typename id }""",
    "a fragment for another type": '{ node(id: "UHJvZmlsZTox") { ... on Idea { title } } }',
    "__typename at every level": """{
      __typename
      ideas(first: 2) {
        __typename totalCount
        pageInfo { __typename hasNextPage }
        edges {
          __typename cursor
          node { __typename id owner { __typename id skills { __typename skill { __typename name } } } }
        }
        nodes { __typename }
      }
      node(id: "UHJvZmlsZTox") {
        __typename ... on Profile { ideas(first: 1) { __typename nodes { __typename id } } }
      }
    }""",
    "owners' ideas' owners": """{
      ideas(first: 5) {
        nodes { id owner { displayName ideas(first: 2) { totalCount nodes { id owner { displayName } } } } }
      }
    }""",
    "an operation among several": """
      query Other { skills { totalCount } }
      query Chosen { ideas(first: 1) { nodes { id } } }""",
}


@pytest.mark.parametrize(("viewer", "document"), per_viewer(SHAPES, TIERS))
async def test_documents_however_written_are_planned(twins: Twins, viewer: str, document: str):
    operation = "Chosen" if "Chosen" in document else None
    outcome = await twins.ask(viewer, document, operation_name=operation)

    _same(outcome)
    assert outcome.path is Path.PLAN


@pytest.mark.parametrize("viewer", TIERS)
async def test_a_fragment_on_a_union_is_planned(twins: Twins, viewer: str):
    await planned_alike(twins, viewer, '{ node(id: "SWRlYTox") { id ... on _Entity { __typename } } }')


async def test_a_mutation_is_never_planned(twins: Twins):
    document = 'mutation { createIdea(input: {title: "", teaser: ""}) { errors { code } } }'

    await standard_alike(twins, "anonymous", document)


WITHOUT_ITEMS = {
    "a count of an empty page": ("{ ideas(filter: {status: [DRAFT]}) { totalCount } }", {}),
    "__typename of an empty page": (
        "query($after: String) { ideas(first: 5, after: $after) { __typename } }",
        {"after": to_cursor(1)},
    ),
    "a profile's count of no ideas": (
        "query($id: ID!) { node(id: $id) { ... on Profile { ideas { totalCount } } } }",
        {"id": profile(MEMBER)},
    ),
    "a count of a full page": ("{ ideas { totalCount } }", {}),
    "hasPreviousPage of an empty page": (
        "{ ideas(filter: {status: [DRAFT]}) { totalCount pageInfo { hasPreviousPage } } }",
        {},
    ),
    "a profile's hasPreviousPage of no ideas": (
        "query($id: ID!) { node(id: $id) { ... on Profile { ideas { pageInfo { hasPreviousPage } } } } }",
        {"id": profile(MEMBER)},
    ),
    "hasNextPage of a full page backward": ("{ ideas(last: 2) { pageInfo { hasNextPage } } }", {}),
    "__typename of pageInfo of a full page": ("{ ideas { pageInfo { __typename } } }", {}),
}
"""Connections asked for neither items nor cursors nor whether more follow in their direction."""


@pytest.mark.parametrize(
    ("viewer", "case"),
    per_viewer(WITHOUT_ITEMS, ["anonymous"]),
)
async def test_a_connection_asked_for_no_items_is_planned(
    twins: Twins, viewer: str, case: tuple[str, dict[str, Any]]
):
    document, variables = case

    await planned_alike(twins, viewer, document, variables)


# Times.


async def test_times_with_and_without_microseconds_are_written_as_python_writes_them(twins: Twins):
    body = await planned_alike(twins, "anonymous", PUBLIC_IDEA_FIELDS)

    created = {node["createdAt"] for node in body["data"]["ideas"]["nodes"]}
    assert {
        "2024-05-17T09:30:15.500000+00:00",
        "2024-05-22T09:30:15.123456+00:00",
        "2024-05-23T09:30:15.000001+00:00",
        "2024-05-24T09:30:15.999999+00:00",
        "2024-05-25T09:30:15+00:00",
    } <= created


async def test_a_drafts_publication_time_is_null_on_the_planned_page(twins: Twins):
    body = await planned_alike(
        twins, "owner", "query($id: ID!) { node(id: $id) { ... on Idea { publishedAt } } }", {"id": idea(2)}
    )

    assert body["data"]["node"] == {"publishedAt": None}


# Generated documents.

GENERATION_SCHEMA = build_schema(schema.as_str(), assume_valid_sdl=True)
"""The subgraph SDL applies federation directives it imports with @link rather than declares."""


def _string(value: str) -> ValueNode:
    return StringValueNode(value=value)


def _integer(value: int) -> ValueNode:
    return IntValueNode(value=str(value))


GENERATED_IDS = [
    *(idea(key) for key in (1, 2, 3, 4, 11, 12, 13, 999)),
    *(profile(key) for key in (OWNER, PARTNER, MEMBER, AUTHOR, CITY)),
    to_global_id("Team", 1),
    to_cursor(3),
    "nope",
]
LITERALS: dict[str, st.SearchStrategy[ValueNode]] = {
    "ID": st.sampled_from(GENERATED_IDS).map(_string),
    "Int": st.sampled_from([0, 1, 2, 3, 5, 20, 100, MAX_PAGE_SIZE, MAX_PAGE_SIZE + 1, -1]).map(_integer),
    "String": st.sampled_from(
        [*(to_cursor(key) for key in (1, 3, 6, 9, 12, 13)), "nope", "idea", "machine-learning", "work"]
    ).map(_string),
}
"""IDs of the platform's ideas and profiles and a few others, page sizes around the limits,
cursors, and strings that find something."""
GENERATED_VIEWERS = ("anonymous", "owner", "jury", "admin")


def _differences(planned: Any, standard: Any, at: str = "") -> list[tuple[str, Any, Any]]:
    """Where two answers differ, key order included: (path, planned, standard)."""
    if isinstance(planned, dict) and isinstance(standard, dict) and list(planned) == list(standard):
        return [
            found for key in planned for found in _differences(planned[key], standard[key], f"{at}.{key}")
        ]
    if isinstance(planned, list) and isinstance(standard, list) and len(planned) == len(standard):
        pairs = zip(planned, standard, strict=True)
        return [found for index, (p, s) in enumerate(pairs) for found in _differences(p, s, f"{at}[{index}]")]
    return [] if planned == standard else [(at, planned, standard)]


async def test_generated_documents_on_ideas_and_node_are_answered_alike(twins: Twins):
    """Whatever a client asks of `ideas` and `node`, planned or not, the answers are the same;
    and some of the documents were answered by their plans."""
    loop = asyncio.get_running_loop()
    paths: Counter[Path] = Counter()

    @settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(
        document=from_schema(GENERATION_SCHEMA, fields=["ideas", "node"], custom_scalars=LITERALS),
        viewer=st.sampled_from(GENERATED_VIEWERS),
    )
    def answered_alike(document: str, viewer: str) -> None:
        outcome = asyncio.run_coroutine_threadsafe(twins.ask(viewer, document), loop).result()
        paths[outcome.path] += 1
        assert outcome.planned.status == outcome.standard.status
        assert _differences(outcome.planned.body, outcome.standard.body) == [], (viewer, document)

    await asyncio.to_thread(answered_alike)
    assert paths[Path.PLAN] > 0
