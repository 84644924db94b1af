"""Relay cursor connections: every item exactly once, in order, forward and backward, top-level
and nested, with totals that match the database."""

from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from models import Idea, ProfileSkill
from models.enums import SkillDirection
from resolvers.ids import to_global_id
from tests.conftest import GraphQLClient

IDEAS = """
query Ideas($first: Int, $after: String, $last: Int, $before: String) {
  ideas(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { id }
  }
}
"""
SKILL_PROFILES = """
query SkillProfiles($slug: String!, $first: Int, $after: String, $last: Int, $before: String) {
  skill(slug: $slug) {
    profiles(direction: OFFERS, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      nodes { id }
    }
  }
}
"""


async def _walk(
    client: GraphQLClient, query: str, path: list[str], size: int, backward: bool, **variables: Any
) -> tuple[list[str], set[int]]:
    """Pages through a connection to its end; returns the IDs in list order and the totals seen."""
    collected: list[str] = []
    totals: set[int] = set()
    cursor = None
    while True:
        arguments = {"last": size, "before": cursor} if backward else {"first": size, "after": cursor}
        connection = await client.data(query, {**variables, **arguments})
        for key in path:
            connection = connection[key]
        ids = [node["id"] for node in connection["nodes"]]
        collected = ids + collected if backward else collected + ids
        totals.add(connection["totalCount"])
        page = connection["pageInfo"]
        more = page["hasPreviousPage"] if backward else page["hasNextPage"]
        if not more:
            return collected, totals
        assert len(ids) == size
        cursor = page["startCursor"] if backward else page["endCursor"]


async def _idea_ids_newest_first(client: GraphQLClient) -> list[str]:
    rows = await client.database.fetch_all(select(col(Idea.id)).order_by(col(Idea.id).desc()))
    return [to_global_id("Idea", row.id) for row in rows]


async def test_paging_forward_visits_every_idea_once_newest_first(demo_client: GraphQLClient):
    expected = await _idea_ids_newest_first(demo_client)

    ids, totals = await _walk(demo_client, IDEAS, ["ideas"], 23, backward=False)

    assert ids == expected
    assert totals == {len(expected)}


async def test_paging_backward_visits_the_same_ideas(demo_client: GraphQLClient):
    expected = await _idea_ids_newest_first(demo_client)

    ids, _ = await _walk(demo_client, IDEAS, ["ideas"], 23, backward=True)

    assert ids == expected


async def test_page_info_of_a_middle_page(demo_client: GraphQLClient):
    first = await demo_client.data(IDEAS, {"first": 5})
    second = await demo_client.data(IDEAS, {"first": 5, "after": first["ideas"]["pageInfo"]["endCursor"]})

    assert second["ideas"]["pageInfo"]["hasPreviousPage"] is True
    assert second["ideas"]["pageInfo"]["hasNextPage"] is True
    first_ids = {node["id"] for node in first["ideas"]["nodes"]}
    assert first_ids.isdisjoint(node["id"] for node in second["ideas"]["nodes"])


async def test_first_zero_gives_only_the_total(demo_client: GraphQLClient):
    data = await demo_client.data(IDEAS, {"first": 0})

    assert data["ideas"]["nodes"] == []
    assert data["ideas"]["pageInfo"]["hasNextPage"] is True
    assert data["ideas"]["totalCount"] > 0


async def _busiest_skill(client: GraphQLClient) -> tuple[str, list[str]]:
    from models import Skill

    offered = (
        select(col(Skill.slug), func.count().label("n"))
        .join(ProfileSkill, col(ProfileSkill.skill_id) == col(Skill.id))
        .where(col(ProfileSkill.direction) == SkillDirection.OFFERS)
        .group_by(col(Skill.slug))
        .order_by(func.count().desc())
        .limit(1)
    )
    slug = (await client.database.fetch_all(offered))[0].slug
    rows = await client.database.fetch_all(
        select(col(ProfileSkill.profile_id))
        .join(Skill, col(Skill.id) == col(ProfileSkill.skill_id))
        .where(col(Skill.slug) == slug, col(ProfileSkill.direction) == SkillDirection.OFFERS)
        .order_by(col(ProfileSkill.profile_id))
    )
    return slug, [to_global_id("Profile", row.profile_id) for row in rows]


async def test_nested_connection_pages_forward_through_the_whole_list(demo_client: GraphQLClient):
    slug, expected = await _busiest_skill(demo_client)

    ids, totals = await _walk(
        demo_client, SKILL_PROFILES, ["skill", "profiles"], 9, backward=False, slug=slug
    )

    assert ids == expected
    assert totals == {len(expected)}


async def test_nested_connection_pages_backward_through_the_whole_list(demo_client: GraphQLClient):
    slug, expected = await _busiest_skill(demo_client)

    ids, totals = await _walk(demo_client, SKILL_PROFILES, ["skill", "profiles"], 9, backward=True, slug=slug)

    assert ids == expected
    assert totals == {len(expected)}


async def test_nested_page_past_the_end_is_empty_but_keeps_the_total(demo_client: GraphQLClient):
    slug, expected = await _busiest_skill(demo_client)
    last = await demo_client.data(SKILL_PROFILES, {"slug": slug, "last": 1})
    end = last["skill"]["profiles"]["pageInfo"]["endCursor"]

    data = await demo_client.data(SKILL_PROFILES, {"slug": slug, "first": 5, "after": end})

    assert data["skill"]["profiles"]["nodes"] == []
    assert data["skill"]["profiles"]["totalCount"] == len(expected)
    assert data["skill"]["profiles"]["pageInfo"]["hasNextPage"] is False
