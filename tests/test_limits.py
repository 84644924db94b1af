"""Abuse limits: an operation that crosses one, by as little as one, is refused before it runs with
an error naming the limit, and the next ordinary request is served as usual."""

import asyncio
import json
from itertools import cycle, islice
from typing import Any

import pytest

from app.settings import Settings
from models.db import Database
from tests.conftest import GraphQLClient, client_with, still_serves

ORDINARY = "{ topics { slug } }"
LEAVES = {"ideas(first: 1)": "totalCount", "nodes": "title", "owner": "displayName"}


def nested(depth: int) -> str:
    """A query whose deepest field is `depth` fields down: ideas > nodes > owner > ideas > ..."""
    path = list(islice(cycle(LEAVES), depth - 1))
    inner = LEAVES[path[-1]]
    for field in reversed(path):
        inner = f"{field} {{ {inner} }}"
    return f"{{ {inner} }}"


def refusal(limit: str, maximum: int, found: int, message: str) -> dict[str, Any]:
    return {
        "data": None,
        "errors": [
            {
                "message": message,
                "extensions": {
                    "code": "QUERY_LIMIT_EXCEEDED",
                    "limit": limit,
                    "maximum": maximum,
                    "found": found,
                },
            }
        ],
    }


def without_locations(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "errors": [{k: v for k, v in e.items() if k != "locations"} for e in body["errors"]]}


def test_the_defaults_are_the_documented_limits():
    settings = Settings()

    assert (settings.max_depth, settings.max_aliases, settings.max_tokens) == (10, 30, 3000)
    assert (settings.max_page_size, settings.max_body_bytes, settings.max_batch) == (100, 256 * 1024, 10)


async def test_depth_at_the_limit_runs(demo_client: GraphQLClient):
    data = await demo_client.data(nested(10))

    assert data["ideas"]["nodes"]


async def test_depth_one_beyond_the_limit_is_refused(demo_client: GraphQLClient):
    body = await demo_client.post(nested(11))

    assert body == refusal(
        "depth", 10, 11, "The operation nests fields 11 deep; the limit is 10 (CIP_MAX_DEPTH)."
    )
    await still_serves(demo_client)


async def test_depth_counts_through_fragments(demo_client: GraphQLClient):
    query = (
        nested(10).replace("displayName", "...Deeper")
        + " fragment Deeper on Profile { ideas { totalCount } }"
    )

    body = await demo_client.post(query)

    assert body["errors"][0]["extensions"]["found"] == 11


@pytest.mark.parametrize(("aliases", "refused"), [(30, False), (31, True)])
async def test_aliases(demo_client: GraphQLClient, aliases: int, refused: bool):
    query = "{ " + " ".join(f"a{n}: topics {{ slug }}" for n in range(aliases)) + " }"

    body = await demo_client.post(query)

    if refused:
        assert body == refusal(
            "aliases", 30, 31, "The document uses 31 aliases; the limit is 30 (CIP_MAX_ALIASES)."
        )
        await still_serves(demo_client)
    else:
        assert len(body["data"]) == aliases


@pytest.mark.parametrize(("repeats", "refused"), [(5, False), (6, True)])
async def test_a_field_repeated_in_one_selection(demo_client: GraphQLClient, repeats: int, refused: bool):
    body = await demo_client.post("{ topics { " + "slug " * repeats + "} }")

    if refused:
        assert without_locations(body) == refusal(
            "fieldRepeats",
            5,
            6,
            "Field 'slug' is selected 6 times in one selection set; the limit is 5 "
            "(CIP_MAX_FIELD_REPEATS), and the answer is the same each time.",
        )
        await still_serves(demo_client)
    else:
        assert "errors" not in body


async def test_a_directive_repeated_in_one_place_is_one_error(demo_client: GraphQLClient):
    body = await demo_client.post("{ __typename " + "@aa" * 10 + " }")

    assert without_locations(body) == refusal(
        "directives",
        1,
        10,
        "Directive '@aa' is repeated in one place; a directive may appear once per place.",
    )
    await still_serves(demo_client)


@pytest.mark.parametrize(("directives", "refused"), [(50, False), (51, True)])
async def test_directives_in_a_document(demo_client: GraphQLClient, directives: int, refused: bool):
    query = "{ " + "... @include(if: true) { __typename } " * directives + "}"

    body = await demo_client.post(query)

    if refused:
        assert without_locations(body) == refusal(
            "directives", 50, 51, "The document holds more than 50 directives (CIP_MAX_DIRECTIVES)."
        )
        await still_serves(demo_client)
    else:
        assert body == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("query", "refused"), [("{ topics { slug } }", False), ("{ topics { slug name } }", True)]
)
async def test_tokens(demo_database: Database, query: str, refused: bool):
    async with client_with(demo_database, max_tokens=6) as client:
        body = await client.post(query)

        if refused:
            assert [error["message"] for error in body["errors"]] == [
                "Syntax Error: Document contains more than 6 tokens. Parsing aborted."
            ]
            assert (await client.data(ORDINARY))["topics"], "the next six-token request runs"
        else:
            assert "errors" not in body


async def test_three_thousand_tokens_are_the_default(demo_client: GraphQLClient):
    query = "{ ideas(filter: {status: [" + "PUBLISHED " * 2995 + "]}) { totalCount } }"

    body = await demo_client.post(query)

    assert (
        body["errors"][0]["message"]
        == "Syntax Error: Document contains more than 3000 tokens. Parsing aborted."
    )


PAGE = "query Page($first: Int) { ideas(first: $first) { nodes { title } } }"
"""Costs 1 (ideas) + first × (1 nodes + 1 title)."""


async def test_cost_at_the_limit_runs(demo_database: Database):
    async with client_with(demo_database, max_cost=21) as client:
        data = await client.data(PAGE, {"first": 10})

    assert len(data["ideas"]["nodes"]) == 10


@pytest.mark.parametrize(
    ("query", "variables", "cost"),
    [
        (PAGE.replace("title", "title id"), {"first": 10}, 31),
        (PAGE, {"first": 11}, 23),
        ("{ __typename ideas(first: 10) { nodes { title } } }", None, 22),
        ("{ ideas { nodes { title } } }", None, 41),
    ],
    ids=["a field more", "a larger page", "one more field", "the default page"],
)
async def test_cost_beyond_the_limit_is_refused_before_running(
    demo_database: Database, query: str, variables: dict[str, Any] | None, cost: int
):
    async with client_with(demo_database, max_cost=21) as client:
        with demo_database.recorded_statements() as statements:
            body = await client.post(query, variables)

        assert body == refusal(
            "cost",
            21,
            cost,
            f"The operation costs {cost}, above the limit of 21 (CIP_MAX_COST): each field counts once for "
            "every item the pages around it may return. Ask for smaller pages or fewer fields.",
        )
        assert len(statements) <= 1, "nothing but the viewer's lookup ran"
        await still_serves(client)


async def test_nested_pages_multiply(demo_client: GraphQLClient):
    query = "{ profiles(first: 100) { nodes { ideas(first: 100) { nodes { title } } } } }"

    body = await demo_client.post(query)

    assert body["errors"][0]["extensions"]["found"] == 1 + 100 * (1 + 1 + 100 * 2)


async def test_a_fragment_bomb_is_measured_without_expanding_it(demo_client: GraphQLClient):
    """Forty fragments that each spread the next twice would expand to 2^40 fields."""
    fragments = " ".join(f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(40))
    query = f"query Bomb {{ ...F0 }} {fragments} fragment F40 on Query {{ __typename }}"

    body = await asyncio.wait_for(demo_client.post(query), timeout=30)

    assert body["errors"][0]["extensions"]["found"] == 2**40
    await still_serves(demo_client)


@pytest.mark.parametrize(("first", "refused"), [(50, False), (51, True)])
async def test_page_size_is_configurable(demo_database: Database, first: int, refused: bool):
    async with client_with(demo_database, max_page_size=50) as client:
        body = await client.post(PAGE, {"first": first})

        if refused:
            assert body["errors"] == [
                {
                    "message": "Argument 'first' must be between 0 and 50, got 51.",
                    "locations": [{"line": 1, "column": 27}],
                    "path": ["ideas"],
                    "extensions": {"code": "BAD_USER_INPUT", "argument": "first"},
                }
            ]
            await still_serves(client)
        else:
            assert len(body["data"]["ideas"]["nodes"]) == 50


def padded(limit: int) -> bytes:
    """An ordinary request padded with spaces to exactly `limit` bytes."""
    body = json.dumps({"query": ORDINARY}).encode()
    return body[:-1] + b" " * (limit - len(body)) + b"}"


@pytest.mark.parametrize(("size", "status"), [(256 * 1024, 200), (256 * 1024 + 1, 413)])
async def test_request_body(demo_client: GraphQLClient, size: int, status: int):
    response = await demo_client.http.post(
        "/graphql", content=padded(size), headers={"content-type": "application/json"}
    )

    assert response.status_code == status
    if status == 413:
        assert response.json() == {
            "errors": [
                {
                    "message": "The request body is larger than 262144 bytes, the limit "
                    "(CIP_MAX_BODY_BYTES).",
                    "extensions": {"code": "PAYLOAD_TOO_LARGE"},
                }
            ]
        }
        await still_serves(demo_client)


async def test_a_streamed_body_is_cut_off_at_the_limit(demo_client: GraphQLClient):
    """Without Content-Length the size is only known as the chunks arrive."""

    async def chunks():
        body = padded(300 * 1024)
        for start in range(0, len(body), 16 * 1024):
            yield body[start : start + 16 * 1024]

    response = await demo_client.http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 413
    await still_serves(demo_client)


def batch(size: int) -> list[dict[str, Any]]:
    return [{"query": ORDINARY}] * size


@pytest.mark.parametrize(("size", "status"), [(10, 200), (11, 400)])
async def test_batch_size(demo_client: GraphQLClient, size: int, status: int):
    response = await demo_client.http.post("/graphql", json=batch(size))

    assert response.status_code == status
    if status == 200:
        assert len(response.json()) == size
    else:
        assert response.json() == {
            "errors": [
                {
                    "message": "A batch may hold at most 10 operations (CIP_MAX_BATCH); this one holds 11.",
                    "extensions": {"code": "BAD_REQUEST"},
                }
            ]
        }
        await still_serves(demo_client)


async def test_batching_can_be_turned_off(demo_database: Database):
    async with client_with(demo_database, max_batch=0) as client:
        response = await client.http.post("/graphql", json=batch(1))

        assert response.status_code == 400
        assert response.json()["errors"][0]["message"] == (
            "Batching is off on this server (CIP_MAX_BATCH=0): send one operation per request."
        )
        await still_serves(client)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "The batch is empty: send at least one operation."),
        ([1, "two"], "Every item of a batch must be an operation: a JSON object."),
    ],
)
async def test_a_malformed_batch_is_refused(demo_client: GraphQLClient, body: list[Any], message: str):
    response = await demo_client.http.post("/graphql", json=body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == message
