"""Federated traces (ftv1) go only to the trusted router: the one that sends the shared secret or
calls from a configured network. Anyone else asking gets the plain answer, with no timings.
(tests/test_federation_gateway.py decodes traces with Apollo's own decoder, through a real gateway.)"""

import base64
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from models.db import Database
from tests.conftest import TEST_SETTINGS

ROUTER_SECRET = "router-secret-of-at-least-32-characters!"
TRACE = {"apollo-federation-include-trace": "ftv1"}
QUERY = {"query": "{ skills(first: 2) { nodes { slug } } }"}


async def answer(
    database: Database, headers: dict[str, str], client: str = "127.0.0.1", **settings: Any
) -> Any:
    app = create_app(Settings(**(TEST_SETTINGS.model_dump() | settings)), database=database)
    transport = httpx.ASGITransport(app=app, client=(client, 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://cip.test") as http:
        response = await http.post("/graphql", json=QUERY, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def router_secret(value: str = ROUTER_SECRET) -> dict[str, str]:
    return {"x-cip-router-secret": value}


async def test_the_router_with_the_shared_secret_gets_a_trace(database: Database):
    body = await answer(database, TRACE | router_secret(), router_secret=ROUTER_SECRET)

    assert body["data"] == {"skills": {"nodes": []}}
    assert base64.b64decode(body["extensions"]["ftv1"], validate=True)


async def test_the_router_calling_from_its_network_gets_a_trace(database: Database):
    body = await answer(database, TRACE, client="10.0.4.7", router_networks="10.0.4.0/24, fd00::/64")

    assert "ftv1" in body["extensions"]


@pytest.mark.parametrize(
    ("headers", "client", "settings"),
    [
        (TRACE, "127.0.0.1", {}),
        (TRACE, "127.0.0.1", {"router_secret": ROUTER_SECRET}),
        (TRACE | router_secret("a-guess"), "127.0.0.1", {"router_secret": ROUTER_SECRET}),
        (TRACE | router_secret(""), "127.0.0.1", {"router_secret": ROUTER_SECRET}),
        (TRACE | router_secret(ROUTER_SECRET), "127.0.0.1", {}),
        (TRACE, "10.0.5.1", {"router_networks": "10.0.4.0/24"}),
    ],
    ids=[
        "nothing configured",
        "no secret sent",
        "a wrong secret",
        "an empty secret",
        "a secret when none is configured",
        "from outside the network",
    ],
)
async def test_anyone_else_asking_for_a_trace_gets_none(
    database: Database, headers: dict[str, str], client: str, settings: dict[str, Any]
):
    body = await answer(database, headers, client, **settings)

    assert body == {"data": {"skills": {"nodes": []}}}


async def test_the_trusted_router_gets_no_trace_it_did_not_ask_for(database: Database):
    body = await answer(database, router_secret(), router_secret=ROUTER_SECRET)

    assert body == {"data": {"skills": {"nodes": []}}}


def test_router_networks_that_do_not_parse_are_refused_at_start():
    with pytest.raises(ValueError, match="CIP_ROUTER_NETWORKS must be comma-separated networks"):
        Settings(router_networks="10.0.0.0/8, the-router")


@pytest.mark.parametrize("secret", ["secret", "x" * 31])
def test_production_refuses_a_well_known_or_short_router_secret(monkeypatch: pytest.MonkeyPatch, secret: str):
    monkeypatch.delenv("CIP_ROUTER_SECRET", raising=False)

    with pytest.raises(ValueError, match="CIP_ROUTER_SECRET is a well-known or short secret"):
        Settings(env="production", jwt_secret="x" * 40, router_secret=secret)
