"""Mutations are rate limited per member and per client address: the one over the limit is refused
with RATE_LIMITED, HTTP 429 and Retry-After, writes nothing, and leaves reads and others alone."""

import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.main import create_app
from models.db import Database
from models.profile import Profile
from tests.conftest import GraphQLClient, client_with, settings_with

CREATE = """
mutation Create($name: String!) {
  createProfile(input: {kind: PERSON, displayName: $name, sector: RESEARCH}) {
    profile { displayName }
    errors { code }
  }
}
"""
READ = "{ topics { slug } }"


def member() -> str:
    """A subject of this run alone, so counts kept in a shared Redis never collide."""
    return f"portal|{uuid.uuid4().hex}"


async def create(client: GraphQLClient, name: str = "Ada") -> httpx.Response:
    return await client.http.post(
        "/graphql", json={"query": CREATE, "variables": {"name": name}}, headers=client.headers
    )


async def profiles(database: Database) -> int:
    return int(await database.fetch_scalar(select(func.count()).select_from(Profile)))


def assert_rate_limited(response: httpx.Response, message: str) -> None:
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": message.format(wait=retry_after),
                "extensions": {"code": "RATE_LIMITED", "retryAfter": retry_after},
            }
        ],
    }


@pytest.fixture
async def limited(database: Database) -> AsyncIterator[GraphQLClient]:
    async with client_with(database, mutations_per_minute=2, mutations_per_minute_per_ip=5) as client:
        yield client


async def test_mutations_within_the_limit_run(limited: GraphQLClient, database: Database):
    ada = limited.signed_in(member())

    first, second = await create(ada), await create(ada)

    assert first.json()["data"]["createProfile"] == {"profile": {"displayName": "Ada"}, "errors": []}
    assert second.status_code == 200
    assert await profiles(database) == 1


async def test_the_mutation_over_a_members_limit_is_refused_and_writes_nothing(
    limited: GraphQLClient, database: Database
):
    ada = limited.signed_in(member())
    await create(ada)
    await create(ada)
    before = await profiles(database)

    response = await create(ada)

    assert_rate_limited(
        response,
        "Too many mutations per member: at most 2 a minute (CIP_MUTATIONS_PER_MINUTE). "
        "Try again in {wait} s.",
    )
    assert await profiles(database) == before


async def test_reads_and_other_members_are_served_meanwhile(limited: GraphQLClient):
    ada = limited.signed_in(member())
    for _ in range(3):
        await create(ada)

    assert (await ada.data(READ))["topics"] is not None
    assert (await create(limited.signed_in(member()), "Grace")).status_code == 200


async def test_the_mutation_over_an_addresss_limit_is_refused(limited: GraphQLClient):
    for _ in range(5):
        assert (await create(limited.signed_in(member()))).status_code == 200

    response = await create(limited.signed_in(member()))

    assert_rate_limited(
        response,
        "Too many mutations from this address: at most 5 a minute (CIP_MUTATIONS_PER_MINUTE_PER_IP). "
        "Try again in {wait} s.",
    )


async def test_anonymous_mutations_count_against_the_address(limited: GraphQLClient):
    for _ in range(5):
        await create(limited.anonymous())

    assert (await create(limited.anonymous())).status_code == 429


def _app_client(database: Database, **overrides: Any) -> httpx.AsyncClient:
    app = create_app(settings_with(**overrides), database=database)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cip.test")


async def test_replicas_share_their_counts_through_redis(database: Database, redis_url: str):
    subject = member()
    limits = {"redis_url": redis_url, "mutations_per_minute": 2}
    async with _app_client(database, **limits) as one, _app_client(database, **limits) as other:
        first = GraphQLClient(one, database).signed_in(subject)
        second = GraphQLClient(other, database).signed_in(subject)
        await create(first)
        await create(second)

        assert (await create(first)).status_code == 429
        assert (await create(second)).status_code == 429


async def test_an_unreachable_redis_lets_mutations_through(
    database: Database, caplog: pytest.LogCaptureFixture
):
    async with client_with(database, redis_url="redis://127.0.0.1:9/0", mutations_per_minute=1) as client:
        ada = client.signed_in(member())
        with caplog.at_level(logging.WARNING, logger="cip_graph.ratelimit"):
            responses = [await create(ada), await create(ada)]

    assert [response.status_code for response in responses] == [200, 200]
    assert "Redis is unavailable" in caplog.text
