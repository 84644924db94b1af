"""CIP as an Apollo Federation v2 subgraph, checked with Apollo's own tools (tests/federation): its SDL
composes with the example portal's; an Apollo Gateway over CIP (served in-process) and the portal
answers cross-subgraph queries with CIP's visibility rules; and CIP sends federated traces (ftv1) only
to a caller bearing the router secret.

The gateway takes seconds to start and no test here writes, so one portal serves the whole module and
one CIP (with tests.world in a database of its own) and one gateway serve it on each backend."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLField, GraphQLObjectType, build_schema
from pydantic import SecretStr

from resolvers.ids import to_global_id
from tests.conftest import TEST_SETTINGS, _migrated
from tests.federation_harness import node_executable, run, serving_script
from tests.live import LiveServer, bearer, serving
from tests.world import IDEAS, PROFILES, build

ROOT = Path(__file__).parent.parent
SECRET = "cip-test-router-secret-of-at-least-32-characters"
SETTINGS = TEST_SETTINGS.model_copy(update={"router_secret": SecretStr(SECRET), "router_networks": ""})
TRACE = {"apollo-federation-include-trace": "ftv1"}
WAIT = 15.0
"""Seconds a request through the gateway may take."""

OWNER = to_global_id("Profile", PROFILES["owner"][0])
PARTNER = to_global_id("Profile", PROFILES["partner"][0])
PUBLISHED = to_global_id("Idea", IDEAS["published"][0])
DRAFT = to_global_id("Idea", IDEAS["draft"][0])
UNKNOWN = to_global_id("Idea", 999_999)
HIGHLIGHTS = [
    {"headline": "Published", "ideaId": PUBLISHED, "curatorId": OWNER},
    {"headline": "Draft", "ideaId": DRAFT, "curatorId": None},
    {"headline": "Unknown", "ideaId": UNKNOWN, "curatorId": PARTNER},
]
"""What the portal highlights: tests.world's published idea, its draft and an idea that does not exist."""


pytestmark = pytest.mark.usefixtures("node")


@pytest.fixture(scope="session")
def node() -> str:
    """Skips (or, with CIP_TEST_REQUIRE_NODE=1, fails) every test here before anything starts when Node
    or the harness's packages are missing."""
    return node_executable()


@dataclass
class Gateway:
    http: httpx.AsyncClient

    async def post(self, query: str, authorization: str | None = None) -> dict[str, Any]:
        headers = {} if authorization is None else {"Authorization": authorization}
        response = await self.http.post("/", json={"query": query}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def without_extensions(body: dict[str, Any]) -> dict[str, Any]:
    """The response without the gateway's extensions (its traces and value-completion notes)."""
    return {key: value for key, value in body.items() if key != "extensions"}


def highlight(body: dict[str, Any], headline: str) -> dict[str, Any]:
    found: dict[str, Any] = next(item for item in body["data"]["highlights"] if item["headline"] == headline)
    return found


def cip_trace(body: dict[str, Any]) -> dict[str, Any]:
    """The gateway's summary of its one fetch from CIP."""
    (trace,) = [trace for trace in body["extensions"]["subgraphTraces"] if trace["service"] == "cip"]
    return dict(trace)


@pytest.fixture(scope="module")
async def cip(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveServer]:
    """The world of tests.world in this module's own database, served in-process with a router secret."""
    async with _migrated(backend, "federation", tmp_path_factory.mktemp("federation")) as database:
        await build(database)
        async with serving(database, SETTINGS) as server:
            yield server


@pytest.fixture(scope="module")
async def portal() -> AsyncIterator[str]:
    async with serving_script("portal.mjs", "--port", "0", "--highlights", json.dumps(HIGHLIGHTS)) as url:
        yield url


@asynccontextmanager
async def gateway_over(cip: LiveServer, portal: str, *options: str) -> AsyncIterator[Gateway]:
    arguments = ("--port", "0", "--cip", f"{cip.url}/graphql", "--portal", portal, *options)
    async with (
        serving_script("gateway.mjs", *arguments) as url,
        httpx.AsyncClient(base_url=url, timeout=WAIT) as http,
    ):
        yield Gateway(http)


@pytest.fixture(scope="module")
async def gateway(cip: LiveServer, portal: str) -> AsyncIterator[Gateway]:
    """The portal's router: it proves itself to CIP with the router secret."""
    async with gateway_over(cip, portal, "--router-secret", SECRET) as gateway:
        yield gateway


# Composition

CONFLICTING_PORTAL = """\
extend schema @link(url: "https://specs.apollo.dev/federation/v2.14", import: ["@key", "@shareable"])
type Profile @key(fields: "id") { id: ID! displayName: Int @shareable }
type Query { curators: [Profile!]! }
"""
"""A portal that declares CIP's `Profile.displayName: String!` as an Int."""


async def compose(portal_sdl: Path) -> dict[str, Any]:
    finished = await run("compose.mjs", f"cip={ROOT / 'schema.graphql'}", f"portal={portal_sdl}")
    result: dict[str, Any] = json.loads(finished.stdout)
    assert finished.returncode == (0 if result["ok"] else 1), finished
    return result


def fields_of(sdl: str, type_name: str) -> dict[str, GraphQLField]:
    named = build_schema(sdl).type_map[type_name]
    assert isinstance(named, GraphQLObjectType)
    return dict(named.fields)


@pytest.fixture(scope="module")
async def composed() -> dict[str, Any]:
    """The committed schema composed with the portal's, as the portal's router would compose them."""
    return await compose(ROOT / "tests" / "federation" / "portal.graphql")


async def test_the_committed_schema_composes_with_the_portals(composed: dict[str, Any]):
    assert (composed["ok"], composed["errors"]) == (True, [])


async def test_the_supergraph_offers_the_portals_fields_on_cip_types(composed: dict[str, Any]):
    api = composed["apiSchemaSdl"]

    assert {"displayName", "portalBadges"} <= set(fields_of(api, "Profile"))
    assert {"title", "featuredInPortal"} <= set(fields_of(api, "Idea"))
    assert {"ideas", "highlights"} <= set(fields_of(api, "Query"))


async def test_node_and_nodes_are_inaccessible_to_the_supergraphs_clients(composed: dict[str, Any]):
    query = fields_of(composed["supergraphSdl"], "Query")

    for name in ("node", "nodes"):
        assert query[name].ast_node is not None
        assert "inaccessible" in {directive.name.value for directive in query[name].ast_node.directives}
    assert {"node", "nodes"} & set(fields_of(composed["apiSchemaSdl"], "Query")) == set()


async def test_a_portal_that_retypes_a_cip_field_does_not_compose(tmp_path: Path):
    conflicting = tmp_path / "portal.graphql"
    conflicting.write_text(CONFLICTING_PORTAL)

    result = await compose(conflicting)

    assert (result["ok"], result["supergraphSdl"], result["apiSchemaSdl"]) == (False, None, None)
    (mismatch,) = [error for error in result["errors"] if error["code"] == "FIELD_TYPE_MISMATCH"]
    assert all(part in mismatch["message"] for part in ('"Profile.displayName"', '"String!"', '"Int"'))


# CIP's own answers to the router


async def test_cip_serves_the_committed_schema_as_its_subgraph_sdl(cip: LiveServer):
    response = await cip.http.post("/graphql", json={"query": "{ _service { sdl } }"})

    assert response.json()["data"]["_service"]["sdl"].strip() == (ROOT / "schema.graphql").read_text().strip()


async def test_the_router_secret_gets_a_trace_that_apollos_decoder_reads(cip: LiveServer):
    response = await cip.http.post(
        "/graphql",
        json={"query": "{ ideas(first: 1) { nodes { title } } }"},
        headers={**TRACE, "x-cip-router-secret": SECRET},
    )

    decoded = await run("decode-trace.mjs", stdin=response.json()["extensions"]["ftv1"])
    assert decoded.returncode == 0, decoded.stderr
    trace = json.loads(decoded.stdout)
    assert trace["durationNs"] > 0
    assert [
        (child["responseName"], child["parentType"], child["type"]) for child in trace["root"]["child"]
    ] == [("ideas", "Query", "IdeaConnection")]


@pytest.mark.parametrize(
    "secret_header",
    [{}, {"x-cip-router-secret": SECRET[:-1] + "?"}],
    ids=["without the secret", "with a wrong secret"],
)
async def test_an_untrusted_caller_asking_for_a_trace_gets_none(
    cip: LiveServer, secret_header: dict[str, str]
):
    response = await cip.http.post(
        "/graphql",
        json={"query": "{ ideas(first: 1) { nodes { title } } }"},
        headers={**TRACE, **secret_header},
    )

    assert response.json() == {"data": {"ideas": {"nodes": [{"title": "The published idea"}]}}}


# Through the gateway


async def test_a_highlight_joins_cip_fields_with_the_portals(gateway: Gateway):
    body = await gateway.post(
        "{ highlights { headline"
        " idea { title teaser featuredInPortal owner { displayName portalBadges } }"
        " curator { displayName portalBadges } } }"
    )

    owner = {"displayName": "Owner", "portalBadges": ["civic-coder", "curator"]}
    assert without_extensions(body) == {
        "data": {
            "highlights": [
                {
                    "headline": "Published",
                    "idea": {
                        "title": "The published idea",
                        "teaser": "Teaser of the published idea",
                        "featuredInPortal": True,
                        "owner": owner,
                    },
                    "curator": owner,
                },
                {"headline": "Draft", "idea": None, "curator": None},
                {
                    "headline": "Unknown",
                    "idea": None,
                    "curator": {"displayName": "Partner", "portalBadges": ["civic-coder", "curator"]},
                },
            ]
        }
    }


@pytest.mark.parametrize(
    ("viewer", "draft"),
    [(None, None), ("stranger", None), ("owner", {"title": "The draft idea"})],
    ids=["anonymous", "stranger", "owner"],
)
async def test_a_draft_reaches_only_its_owner_whose_token_the_gateway_forwards(
    gateway: Gateway, viewer: str | None, draft: dict[str, Any] | None
):
    body = await gateway.post(
        "{ highlights { headline idea { title } } }", None if viewer is None else bearer(viewer)
    )

    assert "errors" not in body, body["errors"]
    assert highlight(body, "Draft") == {"headline": "Draft", "idea": draft}


async def test_a_members_only_field_is_null_with_an_error_for_anonymous_visitors(gateway: Gateway):
    body = await gateway.post("{ highlights { headline idea { title description } } }")

    assert without_extensions(body) == {
        "errors": [
            {
                "message": "Sign in to see Idea.description.",
                "path": ["highlights", 0, "idea", "description"],
                "extensions": {"code": "UNAUTHENTICATED", "serviceName": "cip"},
            }
        ],
        "data": {
            "highlights": [
                {"headline": "Published", "idea": {"title": "The published idea", "description": None}},
                {"headline": "Draft", "idea": None},
                {"headline": "Unknown", "idea": None},
            ]
        },
    }


async def test_a_members_only_field_reaches_signed_in_members(gateway: Gateway):
    body = await gateway.post("{ highlights { headline idea { title description } } }", bearer("stranger"))

    assert without_extensions(body) == {
        "data": {
            "highlights": [
                {
                    "headline": "Published",
                    "idea": {
                        "title": "The published idea",
                        "description": "Description of the published idea",
                    },
                },
                {"headline": "Draft", "idea": None},
                {"headline": "Unknown", "idea": None},
            ]
        }
    }


async def test_an_unknown_idea_is_null_and_its_neighbours_still_resolve(gateway: Gateway):
    """As an admin, who sees every idea: only the one that does not exist is missing."""
    body = await gateway.post(
        "{ highlights { headline idea { title } curator { displayName } } }", bearer("admin", "admin")
    )

    assert without_extensions(body) == {
        "data": {
            "highlights": [
                {
                    "headline": "Published",
                    "idea": {"title": "The published idea"},
                    "curator": {"displayName": "Owner"},
                },
                {"headline": "Draft", "idea": {"title": "The draft idea"}, "curator": None},
                {"headline": "Unknown", "idea": None, "curator": {"displayName": "Partner"}},
            ]
        }
    }


TRACED = "{ highlights { headline idea { title owner { displayName } } } }"
"""One fetch from the portal, then one from CIP: the ideas' `_entities` with their owners."""


async def test_the_trusted_router_gets_cips_trace_of_its_entities(gateway: Gateway):
    body = await gateway.post(TRACED)

    assert [trace["service"] for trace in body["extensions"]["subgraphTraces"]] == ["portal", "cip"]
    trace = cip_trace(body)
    assert trace["durationNs"] > 0
    assert {key: trace[key] for key in ("hasTrace", "traceParsingFailed", "rootFields", "errors")} == {
        "hasTrace": True,
        "traceParsingFailed": False,
        "rootFields": ["_entities"],
        "errors": 0,
    }
    assert "_entities.[].owner" in trace["paths"]


async def test_a_router_with_a_wrong_secret_gets_answers_but_no_trace_from_cip(cip: LiveServer, portal: str):
    async with gateway_over(cip, portal, "--router-secret", SECRET[:-1] + "?") as untrusted:
        body = await untrusted.post(TRACED)

    assert without_extensions(body) == {
        "data": {
            "highlights": [
                {
                    "headline": "Published",
                    "idea": {"title": "The published idea", "owner": {"displayName": "Owner"}},
                },
                {"headline": "Draft", "idea": None},
                {"headline": "Unknown", "idea": None},
            ]
        }
    }
    assert [(trace["service"], trace["hasTrace"]) for trace in body["extensions"]["subgraphTraces"]] == [
        ("portal", True),
        ("cip", False),
    ]
    assert cip_trace(body)["traceParsingFailed"] is False
