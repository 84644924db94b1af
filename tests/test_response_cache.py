"""The response cache (CIP_RESPONSE_CACHE): anonymous answers a compiled plan gave are kept until a
write changes a table they read, here or in another replica, and never reach any other viewer.

Plans, and so the cache, exist on PostgreSQL only."""

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import delete
from sqlmodel import col

from app.response_cache import ResponseCache, key_of
from models import Profile
from models.db import Database
from tests.conftest import GraphQLClient, client_with
from tests.world import build, subject

IDEAS = "query Ideas { ideas(first: 10) { totalCount nodes { id title status } } }"
PROFILE = """query Profile($id: ID!) {
  node(id: $id) { ... on Profile { displayName skills { skill { slug } } } }
}"""
OWNER = "UHJvZmlsZTox"
"""The world's owner, profile 1."""


@pytest.fixture
async def world_database(database: Database) -> Database:
    if database.dialect != "postgresql":
        pytest.skip("compiled plans, and so the response cache, run on PostgreSQL only")
    await build(database)
    return database


@pytest.fixture
async def cached(world_database: Database) -> AsyncIterator[GraphQLClient]:
    """An admin's client of an app with the cache on; `.anonymous()` is who the cache serves."""
    async with client_with(world_database, response_cache=True) as client:
        yield client


async def statements_of(client: GraphQLClient, query: str, variables: dict[str, Any] | None = None) -> int:
    """How many SQL statements answering `query` ran."""
    with client.database.recorded_statements() as statements:
        await client.data(query, variables)
    return len(statements)


async def test_an_anonymous_answer_is_served_again_without_a_statement(cached: GraphQLClient) -> None:
    anonymous = cached.anonymous()
    first = await anonymous.data(IDEAS)
    assert await statements_of(anonymous, IDEAS) == 1  # the plan answers, and the cache keeps it
    assert await statements_of(anonymous, IDEAS) == 0
    assert await anonymous.data(IDEAS) == first


async def test_no_other_viewer_gets_the_anonymous_answer(cached: GraphQLClient) -> None:
    anonymous = cached.anonymous()
    for _ in range(3):
        public = await anonymous.data(IDEAS)
    member = await cached.signed_in(subject("stranger")).data(IDEAS)
    owner = await cached.signed_in(subject("owner")).data(IDEAS)
    admin = await cached.data(IDEAS)
    assert [idea["status"] for idea in public["ideas"]["nodes"]] == ["PUBLISHED"]
    assert member["ideas"]["totalCount"] == 2  # the archived idea too
    assert owner["ideas"]["totalCount"] == 4  # her draft and her hidden idea too
    assert admin["ideas"]["totalCount"] == 4
    assert await statements_of(cached.signed_in(subject("stranger")), IDEAS) >= 1


async def test_variables_are_part_of_the_key(cached: GraphQLClient) -> None:
    anonymous = cached.anonymous()
    for _ in range(2):
        owner = await anonymous.data(PROFILE, {"id": OWNER})
    partner = await anonymous.data(PROFILE, {"id": "UHJvZmlsZToy"})
    assert owner["node"]["displayName"] != partner["node"]["displayName"]


async def test_a_write_forgets_the_answers_that_read_its_table(cached: GraphQLClient) -> None:
    anonymous = cached.anonymous()
    for _ in range(2):
        await anonymous.data(PROFILE, {"id": OWNER})
    changed = await cached.signed_in(subject("owner")).data(
        'mutation { updateProfile(input: {displayName: "Ada Neu"}) { errors { message } } }'
    )
    assert changed == {"updateProfile": {"errors": []}}
    assert (await anonymous.data(PROFILE, {"id": OWNER}))["node"]["displayName"] == "Ada Neu"


async def test_a_write_elsewhere_keeps_the_answer(cached: GraphQLClient) -> None:
    anonymous = cached.anonymous()
    for _ in range(2):
        await anonymous.data(IDEAS)
    await cached.signed_in(subject("owner")).data(
        'mutation { updateProfile(input: {displayName: "Ada Neu"}) { errors { message } } }'
    )
    assert await statements_of(anonymous, IDEAS) == 0  # the list reads ideas only


async def test_deleting_a_profile_forgets_its_page(cached: GraphQLClient) -> None:
    anonymous = cached.anonymous()
    for _ in range(2):
        await anonymous.data(PROFILE, {"id": OWNER})
    await cached.signed_in(subject("owner")).data("mutation { deleteMyProfile { errors { message } } }")
    assert await anonymous.data(PROFILE, {"id": OWNER}) == {"node": None}


@contextmanager
def writes_told(database: Database) -> Iterator[list[frozenset[str]]]:
    """The tables each transaction committed meanwhile is told to have written."""
    heard: list[frozenset[str]] = []
    database.writes.listeners.append(heard.append)
    try:
        yield heard
    finally:
        database.writes.listeners.remove(heard.append)


async def test_a_delete_names_every_table_its_foreign_keys_reach(world_database: Database) -> None:
    """A cached idea list reads `idea` alone, and deleting a profile deletes its ideas in SQL."""
    with writes_told(world_database) as heard:
        async with world_database.transaction() as connection:
            await connection.execute(delete(Profile).where(col(Profile.id) == 3))
    assert len(heard) == 1
    assert {"profile", "idea", "profile_skill", "membership", "team"} <= heard[0]


async def test_a_rolled_back_write_is_not_told(world_database: Database) -> None:
    with writes_told(world_database) as heard:
        async with world_database.transaction() as connection:
            await connection.execute(delete(Profile).where(col(Profile.id) == 3))
            await connection.rollback()
    assert heard == []


async def test_another_replica_forgets_through_the_broker(world_database: Database, redis_url: str) -> None:
    async with (
        client_with(world_database, response_cache=True, broker_url=redis_url) as here,
        client_with(world_database, response_cache=True, broker_url=redis_url) as there,
    ):
        for _ in range(2):
            await there.anonymous().data(PROFILE, {"id": OWNER})
        await here.signed_in(subject("owner")).data(
            'mutation { updateProfile(input: {displayName: "Ada Neu"}) { errors { message } } }'
        )
        for _ in range(50):
            answer = await there.anonymous().data(PROFILE, {"id": OWNER})
            if answer["node"]["displayName"] == "Ada Neu":
                break
        assert answer["node"]["displayName"] == "Ada Neu"


async def test_the_cache_is_off_unless_asked_for(world_database: Database) -> None:
    async with client_with(world_database) as client:
        anonymous = client.anonymous()
        await anonymous.data(IDEAS)
        assert await statements_of(anonymous, IDEAS) == 1
        assert await statements_of(anonymous, IDEAS) == 1


def test_an_answer_read_before_a_write_committed_is_not_kept() -> None:
    cache = ResponseCache()
    key = key_of(IDEAS, "Ideas", None)
    generation = cache.generation
    cache.forget(frozenset({"idea"}))
    cache.put(key, b'{"data":{}}', frozenset({"idea"}), generation)
    assert cache.get(key) is None


def test_the_cache_keeps_within_its_size() -> None:
    cache = ResponseCache(max_entries=2)
    for page in range(3):
        cache.put(key_of(IDEAS, None, {"page": page}), b"{}", frozenset({"idea"}), cache.generation)
    assert len(cache) == 2
    assert cache.get(key_of(IDEAS, None, {"page": 0})) is None
