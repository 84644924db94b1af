"""`_entities` and `_service`: how the portal's router resolves CIP objects it references."""

from pathlib import Path
from typing import Any

import pytest
from graphql import parse

from resolvers.entity import ENTITY_KEYS, MAX_REPRESENTATIONS
from resolvers.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.world import World

SCHEMA_FILE = Path(__file__).parent.parent / "schema.graphql"
ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Profile { id displayName }
    ... on Idea { id title }
    ... on Team { id name }
    ... on ContestRound { id name }
    ... on Submission { id status }
    ... on Skill { id slug }
  }
}
"""


async def entities(client: GraphQLClient, *representations: Any) -> dict[str, Any]:
    return await client.post(ENTITIES, {"representations": list(representations)})


def idea(global_id: str) -> dict[str, str]:
    return {"__typename": "Idea", "id": global_id}


async def test_service_sdl_is_the_committed_schema(client: GraphQLClient):
    data = await client.anonymous().data("{ _service { sdl } }")

    assert data["_service"]["sdl"] + "\n" == SCHEMA_FILE.read_text()


def test_the_keys_entities_resolve_by_are_the_keys_the_sdl_declares():
    declared: dict[str, list[str]] = {}
    for definition in parse(SCHEMA_FILE.read_text()).definitions:
        for directive in getattr(definition, "directives", None) or ():
            if directive.name.value == "key":
                (fields,) = directive.arguments
                declared.setdefault(definition.name.value, []).append(fields.value.value)  # type: ignore[attr-defined]

    assert {name: tuple(sorted(keys)) for name, keys in declared.items()} == ENTITY_KEYS


async def test_every_entity_type_resolves_by_its_key(world: World):
    body = await entities(
        world.owner,
        {"__typename": "Profile", "id": world["owner_profile"]},
        idea(world["published_idea"]),
        {"__typename": "Team", "id": world["team"]},
        {"__typename": "ContestRound", "id": world["round"]},
        {"__typename": "Submission", "id": world["submission"]},
        {"__typename": "Skill", "id": to_global_id("Skill", 2)},
        {"__typename": "Skill", "slug": "machine-learning"},
    )

    assert "errors" not in body, body
    assert [(entity["__typename"], entity["id"]) for entity in body["data"]["_entities"]] == [
        ("Profile", world["owner_profile"]),
        ("Idea", world["published_idea"]),
        ("Team", world["team"]),
        ("ContestRound", world["round"]),
        ("Submission", world["submission"]),
        ("Skill", to_global_id("Skill", 2)),
        ("Skill", to_global_id("Skill", 1)),
    ]
    assert body["data"]["_entities"][-2:] == [
        {"__typename": "Skill", "id": to_global_id("Skill", 2), "slug": "nlp"},
        {"__typename": "Skill", "id": to_global_id("Skill", 1), "slug": "machine-learning"},
    ]


async def test_an_id_from_a_response_is_a_representation(world: World):
    listed = await world.anonymous.data("{ ideas(first: 1) { nodes { __typename id title } } }")
    found = listed["ideas"]["nodes"][0]

    body = await entities(world.anonymous, {"__typename": found["__typename"], "id": found["id"]})

    assert body == {"data": {"_entities": [found]}}


async def test_a_hundred_profiles_and_a_hundred_ideas_run_one_statement_per_type(
    demo_client: GraphQLClient,
):
    representations = [idea(to_global_id("Idea", n)) for n in range(1, 101)]
    representations += [{"__typename": "Profile", "id": to_global_id("Profile", n)} for n in range(1, 101)]

    with demo_client.database.recorded_statements() as statements:
        body = await entities(demo_client, *representations)

    assert "errors" not in body
    assert sum(entity is not None for entity in body["data"]["_entities"]) == 200
    assert len(statements) == 3  # the viewer, the ideas, the profiles


async def test_a_draft_is_null_for_an_anonymous_router_request(world: World):
    body = await entities(world.anonymous, idea(world["draft_idea"]), idea(world["published_idea"]))

    assert body["data"]["_entities"][0] is None
    assert body["data"]["_entities"][1]["id"] == world["published_idea"]
    assert "errors" not in body


async def test_a_draft_resolves_for_its_owner(world: World):
    body = await entities(world.owner, idea(world["draft_idea"]))

    assert body["data"]["_entities"][0]["id"] == world["draft_idea"]


async def test_teams_and_submissions_are_null_for_an_anonymous_router_request(world: World):
    body = await entities(
        world.anonymous,
        {"__typename": "Team", "id": world["team"]},
        {"__typename": "Submission", "id": world["submission"]},
    )

    assert body == {"data": {"_entities": [None, None]}}


async def test_a_submission_is_null_for_someone_outside_its_team(world: World):
    body = await entities(world.stranger, {"__typename": "Submission", "id": world["submission"]})

    assert body == {"data": {"_entities": [None]}}


async def test_a_members_only_field_of_an_entity_needs_a_sign_in(world: World):
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Idea { title description } } }"

    body = await world.anonymous.post(query, {"r": [idea(world["published_idea"])]})

    assert body["data"]["_entities"][0]["description"] is None
    assert [(error["path"], error["extensions"]["code"]) for error in body["errors"]] == [
        (["_entities", 0, "description"], "UNAUTHENTICATED")
    ]


async def test_an_unknown_key_is_null_without_failing_its_neighbours(world: World):
    body = await entities(world.anonymous, idea(to_global_id("Idea", 999_999)), idea(world["published_idea"]))

    assert body["data"]["_entities"][0] is None
    assert body["data"]["_entities"][1]["id"] == world["published_idea"]
    assert "errors" not in body


BAD_REPRESENTATIONS = {
    "not an object": ("Idea", "representations[0] is not an object."),
    "without __typename": ({"id": "SWRlYTox"}, "representations[0] has no __typename."),
    "of an unknown type": (
        {"__typename": "Invite", "id": "SW52aXRlOjE="},
        "representations[0] has __typename 'Invite', which is not an entity of this subgraph; "
        "the entities are ContestRound, Idea, Profile, Skill, Submission, Team.",
    ),
    "without its key": (
        {"__typename": "Idea"},
        "representations[0] of Idea needs its key field 'id' as a string.",
    ),
    "with a number for a key": (
        {"__typename": "Profile", "id": 1},
        "representations[0] of Profile needs its key field 'id' as a string.",
    ),
    "with a malformed key": (
        {"__typename": "Idea", "id": "not-an-id"},
        "Argument 'representations[0].id' is not a valid ID: 'not-an-id'.",
    ),
    "with the key of another type": (
        {"__typename": "Idea", "id": to_global_id("Profile", 1)},
        f"Argument 'representations[0].id' takes an ID of type Idea, but '{to_global_id('Profile', 1)}' "
        "is the ID of a Profile.",
    ),
    "with a skill slug that is not a string": (
        {"__typename": "Skill", "slug": ["nlp"]},
        "representations[0] has a slug that is not a string: ['nlp'].",
    ),
}


@pytest.mark.parametrize("bad", BAD_REPRESENTATIONS.values(), ids=BAD_REPRESENTATIONS.keys())
async def test_a_bad_representation_fails_alone_with_a_message_naming_it(world: World, bad: tuple[Any, str]):
    representation, message = bad

    body = await entities(world.anonymous, representation, idea(world["published_idea"]))

    assert body["data"]["_entities"][0] is None
    assert body["data"]["_entities"][1]["id"] == world["published_idea"]
    assert [(error["message"], error["path"], error["extensions"]["code"]) for error in body["errors"]] == [
        (message, ["_entities", 0], "BAD_USER_INPUT")
    ]


async def test_the_most_representations_a_request_takes_run_as_one_batch(world: World):
    representations = [idea(to_global_id("Idea", n)) for n in range(1, MAX_REPRESENTATIONS + 1)]

    with world.anonymous.database.recorded_statements() as statements:
        body = await entities(world.anonymous, *representations)

    assert "errors" not in body
    assert len(body["data"]["_entities"]) == MAX_REPRESENTATIONS
    assert len(statements) == 1


@pytest.mark.parametrize("count", [MAX_REPRESENTATIONS + 1, 4 * MAX_REPRESENTATIONS])
async def test_more_representations_than_the_limit_are_refused(world: World, count: int):
    body = await entities(world.anonymous, *[idea(world["published_idea"])] * count)

    assert body == {
        "data": None,
        "errors": [
            {
                "message": f"_entities takes at most {MAX_REPRESENTATIONS} representations a request, "
                f"got {count}; split the batch.",
                "locations": [{"line": 3, "column": 3}],
                "path": ["_entities"],
                "extensions": {"code": "BAD_USER_INPUT", "argument": "representations"},
            }
        ],
    }
