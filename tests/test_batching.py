"""Every relation resolves through a per-request DataLoader: deep queries cost one SQL
statement per relation level, however many objects each level holds."""

from collections.abc import AsyncIterator

import pytest

from app.demo import DemoSize, load_demo_data
from models.db import Database
from tests.conftest import GraphQLClient, client_with

NESTED_IDEAS = """
query Nested($first: Int!) {
  ideas(first: $first, filter: {status: [PUBLISHED]}) {
    nodes {
      title
      owner { displayName skills { level skill { slug } } }
      team {
        name
        members { role profile { displayName skills { direction skill { slug } } } }
      }
    }
  }
}
"""
RELATION_LEVELS = 8  # viewer, ideas, owner, owner skills, team, members, member profiles, their skills


@pytest.fixture
async def client(database: Database) -> AsyncIterator[GraphQLClient]:
    """The standard path, whose DataLoaders these tests count: a compiled plan would answer a
    query it has seen with one statement (tests/test_plan.py)."""
    async with client_with(database, compiled_plans=False) as client:
        yield client


@pytest.fixture
async def every_published_idea_has_a_team(database: Database) -> Database:
    await load_demo_data(database, DemoSize(profiles=80, ideas=160, teams=1_000))
    return database


async def _statements_for(client: GraphQLClient, first: int) -> int:
    with client.database.recorded_statements() as statements:
        data = await client.data(NESTED_IDEAS, {"first": first})
    nodes = data["ideas"]["nodes"]
    assert len(nodes) == first
    assert all(node["team"]["members"] for node in nodes)
    return len(statements)


@pytest.mark.usefixtures("every_published_idea_has_a_team")
async def test_a_hundred_ideas_cost_as_many_statements_as_five(client: GraphQLClient):
    few = await _statements_for(client, 5)
    many = await _statements_for(client, 100)

    assert many == few
    assert many <= RELATION_LEVELS


@pytest.mark.usefixtures("every_published_idea_has_a_team")
async def test_nested_connections_are_batched_per_level(client: GraphQLClient):
    query = """
    {
      profiles(first: 50) {
        nodes {
          ideas(first: 3) { totalCount nodes { title skillsNeeded { slug } } }
          memberships(first: 2) { totalCount nodes { team { name } } }
        }
      }
    }
    """
    with client.database.recorded_statements() as statements:
        await client.data(query)

    # viewer, profiles, their ideas, the ideas' skills, their memberships, the memberships' teams
    assert len(statements) == 6
