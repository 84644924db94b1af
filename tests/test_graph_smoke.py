"""The demo graph answers the canonical screens."""

from tests.conftest import GraphQLClient

IDEA_PAGE = """
query IdeaPage($first: Int) {
  ideas(first: $first, filter: {status: [PUBLISHED]}) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges {
      cursor
      node {
        id title teaser status
        owner { id displayName sector skills { direction level skill { slug } } }
        skillsNeeded { slug }
        topics { slug }
        team { name members { role profile { displayName skills { skill { slug } } } } }
      }
    }
  }
}
"""


async def test_idea_page_lists_published_ideas(demo_client: GraphQLClient):
    data = await demo_client.data(IDEA_PAGE, {"first": 5})
    ideas = data["ideas"]
    assert len(ideas["edges"]) == 5
    assert {edge["node"]["status"] for edge in ideas["edges"]} == {"PUBLISHED"}
    assert ideas["pageInfo"]["hasNextPage"] is True
    assert ideas["pageInfo"]["hasPreviousPage"] is False
    assert ideas["totalCount"] > 5
