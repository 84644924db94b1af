"""The probes of the common GraphQL security auditors (graphql-cop, InQL, Escape), run as tests of
our own: each is refused or answered without leaking anything, and the service keeps serving."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from models.db import Database
from tests.conftest import GraphQLClient, client_with, still_serves

ORDINARY = "{ topics { slug } }"
INTROSPECTION = "{ __schema { queryType { name } } }"
MISSPELLED = "{ topics { slgu } }"


@pytest.fixture
async def production(demo_database: Database) -> AsyncIterator[GraphQLClient]:
    async with client_with(demo_database, env="production") as client:
        yield client.anonymous()


def messages(body: dict[str, Any]) -> list[str]:
    return [error["message"] for error in body.get("errors", [])]


async def test_alias_overloading_with_101_aliases(demo_client: GraphQLClient):
    body = await demo_client.post("{ " + " ".join(f"a{n}: __typename" for n in range(101)) + " }")

    assert messages(body) == ["The document uses 101 aliases; the limit is 30 (CIP_MAX_ALIASES)."]
    await still_serves(demo_client)


async def test_field_duplication_with_500_fields(demo_client: GraphQLClient):
    body = await demo_client.post("query cop { " + "__typename \n" * 500 + "}")

    assert body["data"] is None
    assert messages(body) == [
        "Field '__typename' is selected 500 times in one selection set; the limit is 5 "
        "(CIP_MAX_FIELD_REPEATS), and the answer is the same each time."
    ]
    await still_serves(demo_client)


async def test_a_batch_of_more_than_ten_operations(demo_client: GraphQLClient):
    response = await demo_client.http.post("/graphql", json=[{"query": "query cop { __typename }"}] * 11)

    assert response.status_code == 400
    await still_serves(demo_client)


async def test_directive_overloading_gets_one_error(demo_client: GraphQLClient):
    """graphql-cop counts the errors: ten errors for ten unknown directives means each was processed."""
    body = await demo_client.post("query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }")

    assert len(body["errors"]) == 1
    await still_serves(demo_client)


async def test_circular_introspection_is_refused(demo_client: GraphQLClient):
    query = "query cop { __schema { types { fields { type { fields { type { fields { type { name" + " }" * 9

    body = await demo_client.post(query)

    assert body["data"] is None
    assert set(messages(body)) == {"Maximum introspection depth exceeded"}
    await still_serves(demo_client)


async def test_no_mutation_over_get(demo_client: GraphQLClient):
    response = await demo_client.http.get(
        "/graphql",
        params={"query": "mutation { deleteMyProfile { errors { code } } }"},
        headers=demo_client.headers,
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "mutations are not allowed when using GET"
    await still_serves(demo_client)


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("application/x-www-form-urlencoded", "query=mutation%20%7B%20__typename%20%7D"),
        ("text/plain", '{"query": "mutation { __typename }"}'),
        (
            "multipart/form-data; boundary=x",
            '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{}\r\n--x--',
        ),
    ],
    ids=["url-encoded", "text/plain", "multipart"],
)
async def test_only_json_bodies_which_a_form_cannot_send(
    demo_client: GraphQLClient, content_type: str, content: str
):
    """A cross-site form can post these three content types without a preflight: refusing them is
    what keeps a member's browser from being used against them."""
    response = await demo_client.http.post(
        "/graphql", content=content, headers={**demo_client.headers, "content-type": content_type}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Unsupported content type"
    await still_serves(demo_client)


async def test_queries_over_get_are_served(demo_client: GraphQLClient):
    """Reads change nothing, so GET is safe for them, and caches can keep them."""
    response = await demo_client.http.get("/graphql", params={"query": ORDINARY})

    assert response.status_code == 200
    assert response.json()["data"]["topics"]


async def test_field_suggestions_in_development(demo_client: GraphQLClient):
    body = await demo_client.post(MISSPELLED)

    assert messages(body) == ["Cannot query field 'slgu' on type 'Topic'. Did you mean 'slug'?"]


async def test_no_field_suggestions_in_production(production: GraphQLClient):
    body = await production.post(MISSPELLED)

    assert messages(body) == ["Cannot query field 'slgu' on type 'Topic'."]


async def test_no_enum_suggestions_in_production(production: GraphQLClient):
    body = await production.post(
        "query($s: [IdeaStatus!]) { ideas(filter: {status: $s}) { totalCount } }", {"s": ["PUBLISHD"]}
    )

    assert "Did you mean" not in str(body)
    await still_serves(production)


async def test_introspection_in_development(demo_client: GraphQLClient):
    assert await demo_client.data(INTROSPECTION) == {"__schema": {"queryType": {"name": "Query"}}}


async def test_no_introspection_in_production(production: GraphQLClient):
    body = await production.post(INTROSPECTION)

    assert body["data"] is None
    assert messages(body)[0] == (
        "GraphQL introspection has been disabled, but the requested query contained the field '__schema'."
    )
    await still_serves(production)


async def test_introspection_can_be_turned_on_in_production(demo_database: Database):
    async with client_with(demo_database, env="production", introspection=True) as client:
        assert await client.data(INTROSPECTION) == {"__schema": {"queryType": {"name": "Query"}}}


async def test_no_graphiql_in_production(production: GraphQLClient):
    response = await production.http.get("/graphql", headers={"accept": "text/html"})

    assert response.status_code == 404
    assert "graphiql" not in response.text.lower()


async def test_no_trace_for_an_untrusted_caller(production: GraphQLClient):
    response = await production.http.post(
        "/graphql", json={"query": ORDINARY}, headers={"apollo-federation-include-trace": "ftv1"}
    )

    assert "extensions" not in response.json()


async def test_errors_carry_no_internals(demo_client: GraphQLClient):
    probes = [
        MISSPELLED,
        "{ topics { slug ",
        'query cop { idea(id: "x") { title } }',
        "{ __typename @aa@aa }",
    ]
    for probe in probes:
        body = await demo_client.post(probe)
        for error in body["errors"]:
            assert set(error) <= {"message", "locations", "path", "extensions"}
            assert not {"exception", "stacktrace", "traceback"} & set(error.get("extensions") or {})
            assert "Traceback" not in error["message"]
