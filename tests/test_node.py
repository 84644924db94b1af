"""`node` and `nodes` fetch any object by its opaque global ID, batched per type."""

import pytest

from resolvers.ids import to_global_id
from resolvers.node import LOADER_BY_TYPE
from tests.conftest import GraphQLClient


@pytest.mark.parametrize("type_name", sorted(LOADER_BY_TYPE))
async def test_every_node_type_round_trips_through_node(demo_client: GraphQLClient, type_name: str):
    global_id = to_global_id(type_name, 1)

    data = await demo_client.data("query($id: ID!) { node(id: $id) { __typename id } }", {"id": global_id})

    assert data == {"node": {"__typename": type_name, "id": global_id}}


async def test_nodes_keep_the_order_asked_and_null_the_unknown(demo_client: GraphQLClient):
    ids = [
        to_global_id("Idea", 2),
        to_global_id("Profile", 1),
        to_global_id("Idea", 999_999),
        to_global_id("Idea", 1),
    ]

    data = await demo_client.data("query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", {"ids": ids})

    assert data["nodes"] == [
        {"__typename": "Idea", "id": ids[0]},
        {"__typename": "Profile", "id": ids[1]},
        None,
        {"__typename": "Idea", "id": ids[3]},
    ]


async def test_nodes_run_one_statement_per_type(demo_client: GraphQLClient):
    ids = [to_global_id("Idea", n) for n in range(1, 51)] + [to_global_id("Profile", n) for n in range(1, 51)]

    with demo_client.database.recorded_statements() as statements:
        data = await demo_client.data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Idea { title } } }", {"ids": ids}
        )

    assert len(data["nodes"]) == 100
    assert len(statements) == 3  # the viewer, ideas, profiles


async def test_ids_from_responses_are_accepted_by_typed_lookups(demo_client: GraphQLClient):
    listed = await demo_client.data("{ teams(first: 1) { nodes { id name idea { id title } } } }")
    team = listed["teams"]["nodes"][0]

    data = await demo_client.data(
        "query($team: ID!, $idea: ID!) { team(id: $team) { name } idea(id: $idea) { title } }",
        {"team": team["id"], "idea": team["idea"]["id"]},
    )

    assert data == {"team": {"name": team["name"]}, "idea": {"title": team["idea"]["title"]}}
