"""Finding ideas: filters by status, topic, skill needed and owner, and full-text search."""

from sqlalchemy import select
from sqlmodel import col

from models import Idea, IdeaSkill, IdeaTopic, Skill, Topic
from resolvers.ids import to_global_id
from tests.conftest import GraphQLClient

FIND = """
query Find($filter: IdeaFilter) {
  ideas(first: 100, filter: $filter) { totalCount nodes { id title teaser description status } }
}
"""


async def _ids(client: GraphQLClient, statement) -> set[str]:
    return {to_global_id("Idea", row.id) for row in await client.database.fetch_all(statement)}


async def test_filter_by_status(demo_client: GraphQLClient):
    data = await demo_client.data(FIND, {"filter": {"status": ["DRAFT", "ARCHIVED"]}})
    expected = await _ids(
        demo_client, select(col(Idea.id)).where(col(Idea.status).in_(["DRAFT", "ARCHIVED"]))
    )

    assert data["ideas"]["totalCount"] == len(expected)
    assert {node["status"] for node in data["ideas"]["nodes"]} == {"DRAFT", "ARCHIVED"}


async def test_filters_combine_topic_and_skill_needed(demo_client: GraphQLClient):
    data = await demo_client.data(
        FIND, {"filter": {"topics": ["health"], "skillsNeeded": ["nlp", "ai-ethics"]}}
    )
    in_topic = select(col(IdeaTopic.idea_id)).join(Topic).where(col(Topic.slug) == "health")
    needing = select(col(IdeaSkill.idea_id)).join(Skill).where(col(Skill.slug).in_(["nlp", "ai-ethics"]))
    expected = await _ids(
        demo_client,
        select(col(Idea.id)).where(col(Idea.id).in_(in_topic), col(Idea.id).in_(needing)),
    )

    assert expected, "the demo data should hold such ideas"
    assert {node["id"] for node in data["ideas"]["nodes"]} == expected


async def test_filter_by_owner(demo_client: GraphQLClient):
    rows = await demo_client.database.fetch_all(select(col(Idea.owner_id)).limit(1))
    owner = to_global_id("Profile", rows[0].owner_id)

    data = await demo_client.data(
        "query($owner: ID!) { ideas(filter: {owner: $owner}) { nodes { owner { id } } } }",
        {"owner": owner},
    )

    assert data["ideas"]["nodes"]
    assert {node["owner"]["id"] for node in data["ideas"]["nodes"]} == {owner}


async def test_search_finds_other_german_word_forms(demo_client: GraphQLClient):
    """'Verwaltungen' finds ideas that only say 'Verwaltung'."""
    data = await demo_client.data(FIND, {"filter": {"search": "Verwaltungen"}})
    singular_only = await _ids(
        demo_client, select(col(Idea.id)).where(col(Idea.title).like("%Verwaltung im%"))
    )

    found = {node["id"] for node in data["ideas"]["nodes"]}
    assert singular_only, "the demo data should hold such ideas"
    assert singular_only <= found
    for node in data["ideas"]["nodes"]:
        text = " ".join((node["title"], node["teaser"], node["description"])).lower()
        assert "verwalt" in text


async def test_search_combines_with_other_filters(demo_client: GraphQLClient):
    data = await demo_client.data(FIND, {"filter": {"search": "Pflegekräfte", "status": ["PUBLISHED"]}})

    assert data["ideas"]["nodes"]
    for node in data["ideas"]["nodes"]:
        assert node["status"] == "PUBLISHED"
        assert "pflege" in " ".join((node["title"], node["teaser"], node["description"])).lower()


async def test_search_with_no_match_is_empty(demo_client: GraphQLClient):
    data = await demo_client.data(FIND, {"filter": {"search": "Quantenschaumstoffgurke"}})

    assert data["ideas"] == {"totalCount": 0, "nodes": []}


async def test_oldest_first_reverses_the_order(demo_client: GraphQLClient):
    newest = await demo_client.data("{ ideas(first: 3) { nodes { id } } }")
    oldest = await demo_client.data("{ ideas(first: 3, orderBy: OLDEST_FIRST) { nodes { id } } }")

    assert [n["id"] for n in oldest["ideas"]["nodes"]] == [to_global_id("Idea", key) for key in (1, 2, 3)]
    assert newest["ideas"]["nodes"] != oldest["ideas"]["nodes"]
