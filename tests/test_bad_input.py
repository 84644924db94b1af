"""Bad arguments get an error that names the argument, with code BAD_USER_INPUT: never a 500,
never a stack trace, and the rest of the response still resolves."""

import logging

import pytest
from graphql import GraphQLError

from resolvers.ids import to_cursor, to_global_id
from schema.errors import MASKED_MESSAGE, present
from tests.conftest import GraphQLClient


def _only_error(body: dict) -> dict:
    assert len(body["errors"]) == 1, body["errors"]
    error = body["errors"][0]
    assert "Traceback" not in str(error)
    return error


@pytest.mark.parametrize(
    ("arguments", "argument", "message"),
    [
        ("first: 101", "first", "Argument 'first' must be between 0 and 100, got 101."),
        ("first: -1", "first", "Argument 'first' must be between 0 and 100, got -1."),
        ("last: 500", "last", "Argument 'last' must be between 0 and 100, got 500."),
        (
            "first: 5, last: 5",
            "last",
            "Arguments 'first' and 'last' cannot be used together; pass one of them.",
        ),
        (
            'after: "bm90LWEtY3Vyc29y"',
            "after",
            "Argument 'after' is not a cursor of this list: 'bm90LWEtY3Vyc29y'. "
            "Use the cursor of an edge or pageInfo.",
        ),
    ],
)
async def test_page_arguments_out_of_bounds_are_named(
    demo_client: GraphQLClient, arguments: str, argument: str, message: str
):
    body = await demo_client.post(f"{{ ideas({arguments}) {{ totalCount }} topics {{ slug }} }}")

    error = _only_error(body)
    assert error["message"] == message
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert error["path"] == ["ideas"]
    assert body["data"]["ideas"] is None
    assert body["data"]["topics"], "the rest of the response still resolves"


async def test_nested_page_size_is_checked_too(demo_client: GraphQLClient):
    body = await demo_client.post("{ skills(first: 1) { nodes { profiles(first: 1000) { totalCount } } } }")

    error = _only_error(body)
    assert error["extensions"]["argument"] == "first"
    assert error["path"] == ["skills", "nodes", 0, "profiles"]


@pytest.mark.parametrize(
    "bad_id",
    ["not-an-id", "", "SWRlYTp4", "Zm9vOjE=", "SWRlYTox\n", "\u0080", "Idée", to_global_id("Idea", 2**31)],
)
async def test_malformed_global_id_is_named(demo_client: GraphQLClient, bad_id: str):
    body = await demo_client.post("query($id: ID!) { node(id: $id) { id } }", {"id": bad_id})

    error = _only_error(body)
    assert error["message"] == f"Argument 'id' is not a valid ID: {bad_id!r}."
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "id"}


async def test_id_of_the_wrong_type_is_named(demo_client: GraphQLClient):
    profile_id = to_global_id("Profile", 1)

    body = await demo_client.post("query($id: ID!) { idea(id: $id) { title } }", {"id": profile_id})

    error = _only_error(body)
    assert error["message"] == (
        f"Argument 'id' takes an ID of type Idea, but '{profile_id}' is the ID of a Profile."
    )


async def test_id_filter_of_the_wrong_type_is_named(demo_client: GraphQLClient):
    body = await demo_client.post(
        "query($owner: ID!) { ideas(filter: {owner: $owner}) { totalCount } }",
        {"owner": to_global_id("Idea", 1)},
    )

    assert _only_error(body)["extensions"]["argument"] == "filter.owner"


async def test_cursor_is_not_accepted_as_an_id(demo_client: GraphQLClient):
    page = await demo_client.data("{ ideas(first: 1) { edges { cursor } } }")
    cursor = page["ideas"]["edges"][0]["cursor"]

    body = await demo_client.post("query($id: ID!) { node(id: $id) { id } }", {"id": cursor})

    assert _only_error(body)["extensions"]["argument"] == "id"


async def test_unknown_but_well_formed_id_is_null_without_error(demo_client: GraphQLClient):
    data = await demo_client.data(
        "query($id: ID!) { node(id: $id) { id } idea(id: $id) { id } }",
        {"id": to_global_id("Idea", 999_999)},
    )

    assert data == {"node": None, "idea": None}


async def test_too_many_ids_at_once_are_refused(demo_client: GraphQLClient):
    ids = [to_global_id("Idea", n) for n in range(1, 102)]

    body = await demo_client.post("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})

    assert _only_error(body)["message"] == "Argument 'ids' takes at most 100 IDs, got 101."


async def test_search_without_words_is_named(demo_client: GraphQLClient):
    body = await demo_client.post('{ ideas(filter: {search: " ?! "}) { totalCount } }')

    assert _only_error(body)["extensions"] == {"code": "BAD_USER_INPUT", "argument": "search"}


async def test_malformed_request_is_a_client_error(demo_client: GraphQLClient):
    response = await demo_client.http.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert "Traceback" not in response.text


def test_unexpected_errors_are_masked_and_logged_with_an_id(caplog: pytest.LogCaptureFixture):
    error = GraphQLError("boom", path=["ideas"], original_error=RuntimeError("secret detail"))

    with caplog.at_level(logging.ERROR, logger="cip_graph.errors"):
        shown = present(error)

    assert shown.message == MASKED_MESSAGE
    assert "secret detail" not in str(shown.formatted)
    error_id = shown.extensions["errorId"]
    assert shown.extensions["code"] == "INTERNAL_SERVER_ERROR"
    assert error_id in caplog.text
    assert "secret detail" in caplog.text


async def test_nul_character_in_a_variable_is_named(demo_client: GraphQLClient):
    body = await demo_client.post(
        "query($s: String) { ideas(filter: {search: $s}) { totalCount } }", {"s": "Verwaltung\x00"}
    )

    assert body["data"] is None
    assert _only_error(body) == {
        "message": "Variable '$s' contains the NUL character (\\u0000), which text cannot hold.",
        "extensions": {"code": "BAD_USER_INPUT", "variable": "s"},
    }


async def test_nul_character_in_a_literal_is_refused(demo_client: GraphQLClient):
    body = await demo_client.post('{ skill(slug: "nlp\\u0000") { id } }')

    error = _only_error(body)
    assert error["message"] == "String values cannot contain the NUL character (\\u0000)."
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}


async def test_cursor_beyond_any_key_is_named(demo_client: GraphQLClient):
    body = await demo_client.post(
        "query($after: String) { ideas(after: $after) { totalCount } }", {"after": to_cursor(2**31)}
    )

    assert _only_error(body)["extensions"] == {"code": "BAD_USER_INPUT", "argument": "after"}
