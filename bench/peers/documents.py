"""The three queries every peer answers, as this service's GraphQL documents.

The floor (bench/peers/floor.py) receives the very same request bodies and answers them by
operation name; PostGraphile gets its own documents for the same data (bench/peers/queries.py)."""

IDEA_PAGE = """query IdeaPage($after: String) {
  ideas(first: 20, after: $after, filter: {status: [PUBLISHED]}) {
    nodes {
      id title teaser publishedAt
      owner { id displayName sector skills { direction level skill { name } } }
      team { name members { role profile { id displayName } } }
    }
  }
}"""

PROFILE_PAGE = """query ProfilePage($id: ID!) {
  node(id: $id) {
    ... on Profile {
      id kind displayName organisationName sector region createdAt
      skills { direction level skill { slug name category } }
      ideas(first: 10) { totalCount nodes { id title teaser status publishedAt } }
    }
  }
}"""

IDEA_LIST = """query IdeaList($after: String) {
  ideas(first: 500, after: $after) { nodes { id title teaser createdAt } }
}"""
