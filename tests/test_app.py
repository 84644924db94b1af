"""The HTTP application around the graph: probes, GraphiQL, and connections handed back."""

import httpx

from app.main import create_app
from app.settings import Settings
from models.db import Database
from tests.conftest import GraphQLClient


def _client(database: Database, **settings: object) -> httpx.AsyncClient:
    app = create_app(Settings(demo_data=False, **settings), database=database)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cip.test")


async def test_readiness_fails_while_the_database_is_unreachable():
    unreachable = Database("postgresql+asyncpg://cip@127.0.0.1:1/nowhere")
    try:
        async with _client(unreachable) as http:
            assert (await http.get("/healthz")).json() == {"status": "ok"}
            ready = await http.get("/readyz")
    finally:
        await unreachable.dispose()

    assert ready.status_code == 503
    assert ready.json() == {"status": "database unavailable"}


async def test_no_graphiql_in_production(demo_database: Database):
    async with _client(demo_database, env="production", jwt_secret="x" * 40) as http:
        page = await http.get("/graphql", headers={"accept": "text/html"})

    assert "graphiql" not in page.text.lower()


async def test_every_request_hands_its_connection_back(demo_client: GraphQLClient):
    for first in (1, 5, 20):
        await demo_client.data(
            "query($first: Int) { ideas(first: $first) { totalCount nodes { owner { id } } } }",
            {"first": first},
        )
    await demo_client.post("{ ideas(first: 500) { totalCount } }")

    assert demo_client.database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
