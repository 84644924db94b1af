"""Fixtures: every test runs on SQLite and on PostgreSQL, against a real migrated database.

`demo_database` holds the demo data set, loaded once per backend and only read.
`database` is emptied before each test that writes its own rows."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis.asyncio as redis
from sqlalchemy import text

from app.auth import mint_token
from app.demo import load_demo_data
from app.main import create_app
from app.settings import Settings
from models import metadata
from models.db import Database
from models.migrate import migrate

pytest_plugins = ["tests.world", "tests.live", "tests.partners"]

POSTGRESQL_URL = os.environ.get("CIP_TEST_POSTGRESQL_URL", "postgresql+asyncpg://127.0.0.1:5432/test")
POSTGRESQL_REQUIRED = os.environ.get("CIP_TEST_REQUIRE_POSTGRESQL") == "1"


SERVER_URL = POSTGRESQL_URL.replace("postgresql+asyncpg://", "postgresql://")


async def _on_server(*statements: str) -> None:
    try:
        connection = await asyncpg.connect(SERVER_URL, timeout=3)
    except (OSError, asyncpg.PostgresError) as error:
        if POSTGRESQL_REQUIRED:
            raise
        pytest.skip(f"PostgreSQL is not reachable at {SERVER_URL} ({error}); set CIP_TEST_POSTGRESQL_URL")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def _migrated(backend: str, purpose: str, tmp: Path) -> AsyncIterator[Database]:
    """A fresh database of this run's own, so neither earlier nor parallel runs get in the way."""
    name = f"cip_test_{purpose}_{os.getpid()}"
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp / name}.db"
    else:
        await _on_server(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        url = POSTGRESQL_URL.rsplit("/", 1)[0] + f"/{name}"
    database = Database(url)
    try:
        await migrate(database)
        yield database
    finally:
        await database.dispose()
        if backend == "postgresql":
            await _on_server(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
async def demo_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    async with _migrated(backend, "demo", tmp_path_factory.mktemp("demo")) as database:
        await load_demo_data(database)
        yield database


@pytest.fixture(scope="session")
async def scratch_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    async with _migrated(backend, "scratch", tmp_path_factory.mktemp("scratch")) as database:
        yield database


@pytest.fixture
async def database(scratch_database: Database) -> Database:
    """The scratch database, emptied for this test."""
    async with scratch_database.engine.begin() as connection:
        if scratch_database.dialect == "postgresql":
            names = ", ".join(table.name for table in metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                await connection.execute(table.delete())
    return scratch_database


TEST_SETTINGS = Settings(
    env="test",
    demo_data=False,
    jwt_secret="cip-test-secret-of-at-least-32-characters",
    mutations_per_minute=1_000_000,
    mutations_per_minute_per_ip=1_000_000,
)
"""Tests write far faster than members do; the rate limits' own tests lower them."""
ADMIN = "portal|admin"
JURY = "portal|jury"


def demo_subject(profile_id: int) -> str:
    """The portal subject of a demo profile."""
    return f"demo|{profile_id:08d}"


@dataclass
class GraphQLClient:
    """Posts operations to the app over ASGI, as a frontend would over HTTP, signed in or not."""

    http: httpx.AsyncClient
    database: Database
    headers: dict[str, str] = field(default_factory=dict)

    def signed_in(self, subject: str, *roles: str) -> "GraphQLClient":
        """The same client with a real token for `subject`, as the portal would issue it."""
        token = mint_token(TEST_SETTINGS, subject, roles)
        return replace(self, headers={"Authorization": f"Bearer {token}"})

    def as_profile(self, profile_id: int) -> "GraphQLClient":
        return self.signed_in(demo_subject(profile_id))

    def as_admin(self) -> "GraphQLClient":
        return self.signed_in(ADMIN, "admin")

    def anonymous(self) -> "GraphQLClient":
        return replace(self, headers={})

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The data of an operation that must succeed."""
        body = await self.post(query, variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


IDEA_COUNT = "query IdeaCount { ideas { totalCount } }"


async def still_serves(client: GraphQLClient) -> None:
    """After a refusal the service answers the next ordinary request as usual."""
    assert (await client.data(IDEA_COUNT))["ideas"]["totalCount"] >= 0


def settings_with(**overrides: Any) -> Settings:
    return Settings(**(TEST_SETTINGS.model_dump() | overrides))


def _client(database: Database) -> httpx.AsyncClient:
    app = create_app(TEST_SETTINGS, database=database)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cip.test")


@asynccontextmanager
async def client_with(database: Database, **overrides: Any) -> AsyncIterator[GraphQLClient]:
    """An admin's client of an app whose settings differ from the tests' in `overrides`, its
    lifespan run, so what it opens (Redis clients, stores) is closed afterwards."""
    app = create_app(settings_with(**overrides), database=database)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cip.test") as http,
    ):
        yield GraphQLClient(http, database).as_admin()


@pytest.fixture
async def demo_client(demo_database: Database) -> AsyncIterator[GraphQLClient]:
    """Signed in as an admin, who sees everything: for tests of the data, not of visibility."""
    async with _client(demo_database) as http:
        yield GraphQLClient(http, demo_database).as_admin()


@pytest.fixture
async def client(database: Database) -> AsyncIterator[GraphQLClient]:
    """Signed in as an admin; `.anonymous()` and `.signed_in(...)` give the other viewers."""
    async with _client(database) as http:
        yield GraphQLClient(http, database).as_admin()


REDIS_URL = "redis://127.0.0.1:6379/15"


REDIS_REQUIRED = os.environ.get("CIP_TEST_REQUIRE_REDIS") == "1"


@pytest.fixture
async def redis_url() -> str:
    """Redis for the tests that share state through it; they skip when it is down, unless
    CIP_TEST_REQUIRE_REDIS=1 (CI) makes that a failure. Tests keep to keys of their own."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        await client.ping()
    except (OSError, redis.RedisError) as error:
        if REDIS_REQUIRED:
            raise
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}); CIP_TEST_REQUIRE_REDIS=1 fails")
    finally:
        await client.aclose()
    return REDIS_URL


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(
    backend: str, folder: Path, purpose: str, environment: Mapping[str, str] | None = None
) -> Iterator[tuple[str, str]]:
    """`cip-graph serve` in its own process on a free port and a database of its own, with
    `environment` added: it migrates and loads the demo data. Yields its URL and its database's."""
    port = _free_port()
    name = f"cip_test_{purpose}_{os.getpid()}"
    if backend == "sqlite":
        database_url = f"sqlite+aiosqlite:///{folder / 'cip.db'}"
    else:
        asyncio.run(_on_server(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
        database_url = POSTGRESQL_URL.rsplit("/", 1)[0] + f"/{name}"
    log = folder / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port)],
            env={**os.environ, **(environment or {}), "CIP_DATABASE_URL": database_url},
            cwd=Path(__file__).parent.parent,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"cip-graph serve did not become ready:\n{log.read_text()}")
            time.sleep(0.2)
        yield url, database_url
    finally:
        process.terminate()
        process.wait(timeout=10)
        if backend == "postgresql":
            asyncio.run(_on_server(f'DROP DATABASE IF EXISTS "{name}"'))


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served(backend, tmp_path_factory.mktemp("server"), "server") as (url, _):
        yield url
