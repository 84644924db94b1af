"""Persisted queries: Apollo's automatic persisted queries (a document sent once, then named by its
hash) and trusted documents (only a manifest's operations run). Every refusal is followed by a
request that must still succeed."""

import hashlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
from pydantic import ValidationError

from app.cli import main
from app.document_store import KEY_PREFIX, MemoryDocumentStore
from app.persisted_queries import MAX_DOCUMENT_CHARS
from models.db import Database
from tests.conftest import IDEA_COUNT, GraphQLClient, client_with, settings_with, still_serves
from tests.live import bearer, serving

IDEAS = "query Ideas($first: Int) { ideas(first: $first) { totalCount nodes { title } } }"
COUNT = IDEA_COUNT
"""Listed in the test manifests, so `still_serves` runs in trusted mode too."""
SKILLS = "query SkillCount { skills { totalCount } }"
NOT_FOUND = {
    "data": None,
    "errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}],
}
NOT_SUPPORTED = {
    "data": None,
    "errors": [
        {"message": "PersistedQueryNotSupported", "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"}}
    ],
}
NOT_IN_LIST = (
    "This server runs only trusted documents, and this operation is not one of them. Send an operation "
    "from the client's persisted query manifest."
)
ROUTER_SECRET = "router-secret-of-at-least-32-characters"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(query: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(query)}}


def refused(message: str, code: str) -> dict[str, Any]:
    return {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}


def bad_request(message: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}


async def send(client: GraphQLClient, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    """Posts a raw JSON body, as a persisted-query client shapes it."""
    return await client.http.post("/graphql", json=body, headers=client.headers | (headers or {}))


# Automatic persisted queries


async def test_the_apollo_round_trip_registers_a_query_once_then_runs_it_by_hash(demo_client: GraphQLClient):
    variables = {"first": 2}

    miss = await send(demo_client, {"variables": variables, "extensions": persisted(IDEAS)})
    registered = await send(
        demo_client, {"query": IDEAS, "variables": variables, "extensions": persisted(IDEAS)}
    )
    hit = await send(demo_client, {"variables": variables, "extensions": persisted(IDEAS)})

    assert (miss.status_code, miss.json()) == (200, NOT_FOUND)
    assert registered.status_code == 200
    assert len(registered.json()["data"]["ideas"]["nodes"]) == 2
    assert (hit.status_code, hit.json()) == (200, registered.json())


async def test_a_hash_that_does_not_match_its_query_is_refused_and_not_stored(demo_client: GraphQLClient):
    response = await send(demo_client, {"query": COUNT, "extensions": persisted(SKILLS)})
    lookup = await send(demo_client, {"extensions": persisted(SKILLS)})

    assert (response.status_code, response.json()) == (
        400,
        bad_request(
            "provided sha does not match query: extensions.persistedQuery.sha256Hash must be the SHA-256 "
            "of query."
        ),
    )
    assert lookup.json() == NOT_FOUND
    await still_serves(demo_client)


async def test_an_unsupported_version_is_refused(demo_client: GraphQLClient):
    extensions = {"persistedQuery": {"version": 2, "sha256Hash": sha256(COUNT)}}

    response = await send(demo_client, {"query": COUNT, "extensions": extensions})

    assert (response.status_code, response.json()) == (
        400,
        bad_request("extensions.persistedQuery.version 2 is not supported; this server speaks version 1."),
    )
    await still_serves(demo_client)


HASH_MESSAGE = (
    "extensions.persistedQuery.sha256Hash must be the 64 hexadecimal digits of the query's SHA-256."
)
VERSION_MESSAGE = "extensions.persistedQuery.version must be the number 1."


@pytest.mark.parametrize(
    ("persisted_query", "message"),
    [
        pytest.param(
            "abc",
            'extensions.persistedQuery must be an object such as {"version": 1, "sha256Hash": '
            '"<64 hexadecimal digits>"}.',
            id="not-an-object",
        ),
        pytest.param({"sha256Hash": sha256(COUNT)}, VERSION_MESSAGE, id="no-version"),
        pytest.param({"version": "1", "sha256Hash": sha256(COUNT)}, VERSION_MESSAGE, id="version-a-string"),
        pytest.param({"version": True, "sha256Hash": sha256(COUNT)}, VERSION_MESSAGE, id="version-a-boolean"),
        pytest.param({"version": 1}, HASH_MESSAGE, id="no-hash"),
        pytest.param({"version": 1, "sha256Hash": sha256(COUNT)[:40]}, HASH_MESSAGE, id="hash-too-short"),
        pytest.param({"version": 1, "sha256Hash": "z" * 64}, HASH_MESSAGE, id="hash-not-hexadecimal"),
        pytest.param({"version": 1, "sha256Hash": 42}, HASH_MESSAGE, id="hash-a-number"),
    ],
)
async def test_a_malformed_persisted_query_is_refused_naming_what_is_wrong(
    demo_client: GraphQLClient, persisted_query: Any, message: str
):
    response = await send(demo_client, {"extensions": {"persistedQuery": persisted_query}})

    assert (response.status_code, response.json()) == (400, bad_request(message))
    await still_serves(demo_client)


async def test_the_hash_may_be_written_in_capitals(demo_client: GraphQLClient):
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256(COUNT).upper()}}

    registered = await send(demo_client, {"query": COUNT, "extensions": extensions})
    hit = await send(demo_client, {"extensions": persisted(COUNT)})

    assert hit.json() == registered.json()


async def test_with_persisted_queries_off_a_hash_is_answered_not_supported(demo_database: Database):
    async with client_with(demo_database, persisted_queries=False) as client:
        hash_only = await send(client, {"extensions": persisted(COUNT)})
        with_text = await send(client, {"query": COUNT, "extensions": persisted(COUNT)})

        assert (hash_only.status_code, hash_only.json()) == (200, NOT_SUPPORTED)
        assert (with_text.status_code, with_text.json()) == (200, NOT_SUPPORTED)
        await still_serves(client)


async def test_a_document_id_names_a_registered_query(demo_client: GraphQLClient):
    registered = await send(demo_client, {"query": COUNT, "extensions": persisted(COUNT)})

    by_id = await send(demo_client, {"documentId": f"sha256:{sha256(COUNT)}"})

    assert by_id.json() == registered.json()


async def test_only_documents_that_parse_are_stored(demo_client: GraphQLClient):
    garbage = "{ ideas { totalCount "

    response = await send(demo_client, {"query": garbage, "extensions": persisted(garbage)})
    lookup = await send(demo_client, {"extensions": persisted(garbage)})

    assert response.json()["errors"][0]["message"].startswith("Syntax Error")
    assert lookup.json() == NOT_FOUND
    await still_serves(demo_client)


async def test_a_document_too_long_to_store_runs_but_is_not_stored(demo_client: GraphQLClient):
    long = "#" + "x" * MAX_DOCUMENT_CHARS + "\n" + COUNT

    response = await send(demo_client, {"query": long, "extensions": persisted(long)})
    lookup = await send(demo_client, {"extensions": persisted(long)})

    assert response.json() == await demo_client.post(COUNT)
    assert lookup.json() == NOT_FOUND


async def test_a_refusal_hands_the_connection_back(demo_client: GraphQLClient):
    await send(demo_client, {"extensions": persisted(IDEAS)})
    await send(demo_client, {"extensions": {"persistedQuery": "abc"}})

    assert demo_client.database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_the_process_store_forgets_the_least_recently_used_document_when_full():
    store = MemoryDocumentStore(capacity=10)
    await store.put("a", "aaaa")
    await store.put("b", "bbbb")
    await store.get("a")

    await store.put("c", "cccc")

    assert [await store.get(key) for key in "abc"] == ["aaaa", None, "cccc"]


# Over GET, in batches and as Server-Sent Events


async def get(client: GraphQLClient, **parameters: Any) -> httpx.Response:
    """A GET as Apollo Client sends it, accepting anything (so not asking for GraphiQL)."""
    params = {
        name: value if isinstance(value, str) else json.dumps(value) for name, value in parameters.items()
    }
    return await client.http.get("/graphql", params=params, headers=client.headers | {"Accept": "*/*"})


async def test_a_get_runs_a_registered_query_by_its_hash(demo_client: GraphQLClient):
    registered = await send(
        demo_client, {"query": IDEAS, "variables": {"first": 3}, "extensions": persisted(IDEAS)}
    )

    response = await get(demo_client, variables={"first": 3}, extensions=persisted(IDEAS))

    assert response.json() == registered.json()


async def test_a_get_naming_an_unknown_hash_is_answered_not_found_rather_than_with_graphiql(
    demo_client: GraphQLClient,
):
    response = await get(demo_client, extensions=persisted(IDEAS))

    assert (response.status_code, response.json()) == (200, NOT_FOUND)


async def test_a_registered_mutation_does_not_run_over_get(client: GraphQLClient):
    mutation = "mutation Nothing { __typename }"
    await send(client, {"query": mutation, "extensions": persisted(mutation)})

    response = await get(client, extensions=persisted(mutation))

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "mutations are not allowed when using GET"
    await still_serves(client)


async def test_each_operation_of_a_batch_is_resolved_on_its_own(demo_client: GraphQLClient):
    batch = [
        {"extensions": persisted(IDEAS)},
        {"query": COUNT, "extensions": persisted(COUNT)},
        {"query": SKILLS},
    ]

    response = await send(demo_client, batch)

    missed, registered, plain = response.json()
    assert response.status_code == 200
    assert missed == NOT_FOUND
    assert registered == await demo_client.post(COUNT)
    assert plain == await demo_client.post(SKILLS)


async def test_a_malformed_item_refuses_the_whole_batch_before_any_runs(demo_client: GraphQLClient):
    batch = [{"query": COUNT, "extensions": persisted(COUNT)}, {"extensions": {"persistedQuery": []}}]

    response = await send(demo_client, batch)
    lookup = await send(demo_client, {"extensions": persisted(COUNT)})

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith(
        "[1].extensions.persistedQuery must be an object"
    )
    assert lookup.json() == NOT_FOUND
    await still_serves(demo_client)


async def server_sent_events(client: GraphQLClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = await send(client, body, {"Accept": "text/event-stream"})
    assert response.headers["content-type"].startswith("text/event-stream")
    return [
        json.loads(line.removeprefix("data: "))
        for line in response.text.splitlines()
        if line.startswith("data: ") and line != "data: "
    ]


async def test_over_server_sent_events_an_unknown_hash_is_an_event(demo_client: GraphQLClient):
    assert await server_sent_events(demo_client, {"extensions": persisted(COUNT)}) == [NOT_FOUND]


async def test_over_server_sent_events_a_registered_hash_runs(demo_client: GraphQLClient):
    registered = await send(demo_client, {"query": COUNT, "extensions": persisted(COUNT)})

    assert await server_sent_events(demo_client, {"extensions": persisted(COUNT)}) == [registered.json()]


# The Redis store


@pytest.fixture
async def redis_document(redis_url: str) -> AsyncIterator[tuple[str, str]]:
    """Redis's URL and a query no other run registers; its key is deleted afterwards."""
    query = f"query Shared{uuid.uuid4().hex} {{ ideas {{ totalCount }} }}"
    try:
        yield redis_url, query
    finally:
        client = redis.Redis.from_url(redis_url)
        await client.delete(KEY_PREFIX + sha256(query))
        await client.aclose()


async def test_replicas_share_registered_queries_through_redis(
    demo_database: Database, redis_document: tuple[str, str]
):
    url, query = redis_document
    async with (
        client_with(demo_database, redis_url=url) as one,
        client_with(demo_database, redis_url=url) as two,
    ):
        registered = await send(one, {"query": query, "extensions": persisted(query)})

        hit = await send(two, {"extensions": persisted(query)})

    assert registered.json()["data"]["ideas"]["totalCount"] > 0
    assert hit.json() == registered.json()


async def test_during_a_redis_outage_full_queries_run_and_hashes_miss(
    demo_database: Database, caplog: pytest.LogCaptureFixture
):
    async with client_with(demo_database, redis_url="redis://127.0.0.1:1/0") as client:
        with caplog.at_level(logging.WARNING, logger="cip_graph.persisted_queries"):
            full = await send(client, {"query": COUNT, "extensions": persisted(COUNT)})
            hash_only = await send(client, {"extensions": persisted(COUNT)})

        assert full.json() == await client.post(COUNT)
    assert (hash_only.status_code, hash_only.json()) == (200, NOT_FOUND)
    warnings = [record for record in caplog.records if record.name == "cip_graph.persisted_queries"]
    assert [warning.getMessage().split(":")[0] for warning in warnings] == [
        "Persisted query not stored, the operation runs anyway",
        "Persisted query lookup failed, answered as not found",
    ]


# Trusted documents


MD5_ID = hashlib.md5(IDEAS.encode()).hexdigest()
"""Relay names documents by the MD5 of their text."""


def apollo_manifest(*bodies: str) -> dict[str, Any]:
    return {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [
            {"id": sha256(body), "name": body.split()[1], "type": "query", "body": body} for body in bodies
        ],
    }


@pytest.fixture
def manifest(tmp_path: Path) -> str:
    """Apollo's manifest listing COUNT alone."""
    path = tmp_path / "persisted-query-manifest.json"
    path.write_text(json.dumps(apollo_manifest(COUNT)))
    return str(path)


@pytest.fixture
async def trusted(demo_database: Database, manifest: str) -> AsyncIterator[GraphQLClient]:
    async with client_with(demo_database, trusted_documents=manifest, router_secret=ROUTER_SECRET) as client:
        yield client


async def test_a_listed_operation_runs_by_document_id(trusted: GraphQLClient):
    response = await send(trusted, {"documentId": f"sha256:{sha256(COUNT)}"})

    assert response.json() == await trusted.post(COUNT)


async def test_a_listed_operation_runs_by_a_bare_hash_as_document_id(trusted: GraphQLClient):
    response = await send(trusted, {"documentId": sha256(COUNT)})

    assert response.json() == await trusted.post(COUNT)


async def test_a_listed_operation_runs_by_its_persisted_query_hash(trusted: GraphQLClient):
    response = await send(trusted, {"extensions": persisted(COUNT)})

    assert response.json() == await trusted.post(COUNT)


async def test_a_listed_operation_runs_from_its_full_text(trusted: GraphQLClient):
    body = await trusted.data(COUNT)

    assert body["ideas"]["totalCount"] > 0


async def test_a_listed_operation_runs_by_document_id_over_get(trusted: GraphQLClient):
    response = await get(trusted, documentId=f"sha256:{sha256(COUNT)}")

    assert response.json() == await trusted.post(COUNT)


async def test_an_unlisted_operation_is_refused_and_the_next_listed_one_runs(trusted: GraphQLClient):
    response = await send(trusted, {"query": SKILLS})

    assert (response.status_code, response.json()) == (
        200,
        refused(NOT_IN_LIST, "PERSISTED_QUERY_NOT_IN_LIST"),
    )
    await still_serves(trusted)


async def test_an_unknown_document_id_is_refused_naming_it(trusted: GraphQLClient):
    response = await send(trusted, {"documentId": f"sha256:{sha256(SKILLS)}"})

    assert response.json()["errors"] == [
        {
            "message": "This server runs only trusted documents, and this operation is not one of them "
            f"(its list has no document with id '{sha256(SKILLS)}'). Send an operation from the client's "
            "persisted query manifest.",
            "extensions": {"code": "PERSISTED_QUERY_NOT_IN_LIST"},
        }
    ]
    await still_serves(trusted)


async def test_registration_is_off_with_trusted_documents(trusted: GraphQLClient):
    registering = await send(trusted, {"query": SKILLS, "extensions": persisted(SKILLS)})
    by_hash = await send(trusted, {"extensions": persisted(SKILLS)})

    assert registering.json()["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_NOT_IN_LIST"}
    assert by_hash.json()["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_NOT_IN_LIST"}
    await still_serves(trusted)


async def test_a_flat_map_names_documents_by_its_own_ids(demo_database: Database, tmp_path: Path):
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({MD5_ID: IDEAS}))
    async with client_with(demo_database, trusted_documents=str(path)) as client:
        response = await send(client, {"documentId": MD5_ID, "variables": {"first": 1}})
        unlisted = await send(client, {"query": COUNT})

        assert response.json() == await client.post(IDEAS, {"first": 1})
        assert unlisted.json()["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_NOT_IN_LIST"}


async def test_the_trusted_router_may_send_its_own_queries(trusted: GraphQLClient):
    router = {"X-CIP-Router-Secret": ROUTER_SECRET}

    composed = await send(trusted, {"query": SKILLS}, router)
    by_hash = await send(trusted, {"extensions": persisted(SKILLS)}, router)

    assert composed.json()["data"]["skills"]["totalCount"] > 0
    assert by_hash.json() == NOT_SUPPORTED


async def test_a_wrong_router_secret_earns_no_exemption(trusted: GraphQLClient):
    response = await send(trusted, {"query": SKILLS}, {"X-CIP-Router-Secret": "x" * len(ROUTER_SECRET)})

    assert response.json() == refused(NOT_IN_LIST, "PERSISTED_QUERY_NOT_IN_LIST")


async def test_over_websocket_only_listed_documents_run(database: Database, manifest: str):
    settings = settings_with(trusted_documents=manifest)
    async with serving(database, settings) as live, live.socket() as socket:
        assert (await socket.init({"Authorization": bearer("stranger")}))["type"] == "connection_ack"
        await socket.subscribe("1", SKILLS)
        refusal = await socket.receive()
        await socket.subscribe("2", COUNT)

        assert refusal == {
            "id": "1",
            "type": "error",
            "payload": [{"message": NOT_IN_LIST, "extensions": {"code": "PERSISTED_QUERY_NOT_IN_LIST"}}],
        }
        assert await socket.next("2") == {"data": {"ideas": {"totalCount": 0}}}


# Manifests that stop the service at start


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(None, "cannot be read (No such file or directory)", id="missing"),
        pytest.param("{not json", "is not JSON (Expecting property name", id="not-json"),
        pytest.param(b"\xff\xfe", "is not UTF-8 text", id="not-utf-8"),
        pytest.param("[]", "must be Apollo's apollo-persisted-query-manifest or a JSON object", id="a-list"),
        pytest.param("{}", "lists no operations, so nothing could run", id="empty"),
        pytest.param(
            json.dumps(apollo_manifest(COUNT) | {"version": 2}),
            "is version 2 of apollo-persisted-query-manifest; this server reads version 1",
            id="apollo-version-2",
        ),
        pytest.param(
            json.dumps(
                {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "x"}]}
            ),
            "operations[0] has no body",
            id="apollo-without-body",
        ),
        pytest.param(
            json.dumps({f"sha256:{sha256(SKILLS)}": COUNT}),
            f"the entry 'sha256:{sha256(SKILLS)}': the id is a SHA-256 but not its body's, which is "
            f"{sha256(COUNT)}",
            id="hash-of-another-body",
        ),
        pytest.param(json.dumps({"doc": 1}), "the entry 'doc' has no body", id="body-not-text"),
    ],
)
def test_a_bad_manifest_is_refused_at_start_naming_the_file_and_the_problem(
    tmp_path: Path, content: str | bytes | None, problem: str
):
    path = tmp_path / "manifest.json"
    if isinstance(content, str):
        path.write_text(content)
    elif content is not None:
        path.write_bytes(content)

    with pytest.raises(ValidationError) as refusal:
        settings_with(trusted_documents=str(path))

    assert f"CIP_TRUSTED_DOCUMENTS {path}: {problem}" in str(refusal.value)


def test_the_command_line_refuses_to_start_with_a_bad_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "nowhere.json"
    monkeypatch.setenv("CIP_TRUSTED_DOCUMENTS", str(path))

    with pytest.raises(SystemExit) as refusal:
        main(["export-schema"])

    assert str(refusal.value) == (
        f"cip-graph: refusing to start: Value error, CIP_TRUSTED_DOCUMENTS {path}: cannot be read "
        "(No such file or directory)"
    )
