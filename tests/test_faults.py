"""The service keeps serving and loses nothing when its database stumbles.

While the database is out of reach every request gets a clean answer, HTTP 503 with Retry-After
and the error SERVICE_UNAVAILABLE, whether the failure comes while the viewer is read, in a
resolver or in a mutation; when the database is back the next requests succeed without a restart.
Outages are real: a TCP proxy between the service and PostgreSQL is cut and restored, a SQLite
file's write lock is held. SQLite writers of several processes wait for each other, `serve`
finishes what is in flight when it is stopped, and replicas starting together migrate and seed
once."""

import asyncio
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, make_url, select, text

from app.auth import mint_token
from app.demo import SKILLS, DemoSize, load_demo_data
from app.main import create_app
from models import Idea
from models.db import Database
from models.migrate import alembic_config, migrate
from resolvers.viewer import VIEWER_BY_SUBJECT
from tests.conftest import POSTGRESQL_URL, TEST_SETTINGS, _free_port, _on_server
from tests.proxy import Proxy

UNAVAILABLE = {"message": "The database is unavailable; try again shortly.", "code": "SERVICE_UNAVAILABLE"}
ROOT = Path(__file__).parent.parent
MEMBER = "portal|faults-member"
NEWCOMER = {"kind": "PERSON", "displayName": "Newcomer", "sector": "CIVIL_SOCIETY"}
CREATE_PROFILE = "mutation($input: CreateProfileInput!) { createProfile(input: $input) { errors { code } } }"
CREATE_IDEA = (
    "mutation($input: CreateIdeaInput!) { createIdea(input: $input) { idea { id } errors { code } } }"
)
UPDATE_IDEA = (
    "mutation($input: UpdateIdeaInput!) { updateIdea(input: $input) { idea { title } errors { code } } }"
)
IDEAS = "{ ideas { totalCount } }"
ME = "{ me { displayName ideas { nodes { title } } } }"


def _through(proxy: Proxy, url: str) -> str:
    """`url` with the proxy in place of the server."""
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


def _headers(subject: str = MEMBER) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(TEST_SETTINGS, subject)}"}


@asynccontextmanager
async def _http(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The app over ASGI, built once for the whole test however the database fares."""
    app = create_app(TEST_SETTINGS, database=database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cip.test") as http:
        yield http


async def _graphql(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, subject: str | None = MEMBER
) -> httpx.Response:
    headers = _headers(subject) if subject else {}
    return await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


def _succeeded(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    assert all(not payload.get("errors") for payload in body["data"].values() if isinstance(payload, dict))
    data: dict[str, Any] = body["data"]
    return data


def _unavailable(response: httpx.Response) -> list[dict[str, Any]]:
    """The errors of an answer that says the database is unavailable, and nothing else."""
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"
    errors: list[dict[str, Any]] = response.json()["errors"]
    assert errors
    for error in errors:
        assert {"message": error["message"], "code": error["extensions"]["code"]} == UNAVAILABLE
        assert len(error["extensions"]["errorId"]) == 32
    return errors


# The database is unreachable: nothing listens where it should be.


@pytest.fixture
async def unreachable() -> AsyncIterator[httpx.AsyncClient]:
    database = Database("postgresql+asyncpg://cip@127.0.0.1:1/nowhere")
    try:
        async with _http(database) as http:
            yield http
    finally:
        await database.dispose()


async def test_a_query_failing_in_its_resolver_gets_service_unavailable(unreachable: httpx.AsyncClient):
    response = await _graphql(unreachable, IDEAS, subject=None)

    _unavailable(response)
    assert response.json()["data"] == {"ideas": None}


async def test_a_request_whose_viewer_cannot_be_read_gets_service_unavailable(unreachable: httpx.AsyncClient):
    response = await _graphql(unreachable, ME)

    _unavailable(response)


async def test_a_data_export_gets_service_unavailable(unreachable: httpx.AsyncClient):
    response = await unreachable.get("/me/export", headers=_headers())

    _unavailable(response)


async def test_an_outage_is_logged_once_under_the_id_the_client_gets(
    unreachable: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.ERROR):
        response = await _graphql(
            unreachable, "{ ideas { totalCount } profiles { totalCount } }", subject=None
        )

    errors = _unavailable(response)
    (error_id,) = {error["extensions"]["errorId"] for error in errors}
    assert len(errors) == 2
    (record,) = [record for record in caplog.records if error_id in record.getMessage()]
    assert "ConnectionRefusedError" in record.getMessage()
    assert record.exc_info is None


async def test_a_fault_of_the_service_stays_masked(tmp_path: Path):
    """A database without its tables is reachable: what fails is the service, not the database."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'unmigrated.db'}")
    try:
        async with _http(database) as http:
            response = await _graphql(http, IDEAS, subject=None)
    finally:
        await database.dispose()

    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["message"] == "Internal server error"
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


# A real outage of PostgreSQL: the connections through a proxy are cut, then it listens again.


@dataclass
class Outage:
    proxy: Proxy
    database: Database
    """The service's database, reached through the proxy."""
    direct: str
    """The same database, reached without the proxy (asyncpg's URL)."""


@pytest.fixture
async def outage(database: Database) -> AsyncIterator[Outage]:
    if database.dialect != "postgresql":
        pytest.skip("a TCP proxy stands between the service and a database server")
    address = urlsplit(database.url)
    proxy = Proxy(address.hostname or "127.0.0.1", address.port or 5432)
    await proxy.start()
    proxied = Database(_through(proxy, database.url))
    try:
        yield Outage(proxy, proxied, database.url.replace("postgresql+asyncpg://", "postgresql://"))
    finally:
        await proxy.close()
        await proxied.dispose()


async def _member_with_an_idea(http: httpx.AsyncClient) -> str:
    _succeeded(await _graphql(http, CREATE_PROFILE, {"input": NEWCOMER}))
    data = _succeeded(await _graphql(http, CREATE_IDEA, {"input": {"title": "Before", "teaser": "It works"}}))
    idea_id: str = data["createIdea"]["idea"]["id"]
    return idea_id


async def test_the_service_recovers_from_an_outage_without_a_restart(outage: Outage):
    async with _http(outage.database) as http:
        idea = await _member_with_an_idea(http)
        assert (await http.get("/readyz")).status_code == 200

        await outage.proxy.cut()
        ready_during = await http.get("/readyz")
        anonymous_during = await _graphql(http, IDEAS, subject=None)
        member_during = await _graphql(http, ME)

        await outage.proxy.restore()
        ready_after = await http.get("/readyz")
        update_after = await _graphql(http, UPDATE_IDEA, {"input": {"id": idea, "title": "After"}})
        me_after = await _graphql(http, ME)

    assert ready_during.status_code == 503
    _unavailable(anonymous_during)
    _unavailable(member_during)
    assert ready_after.status_code == 200
    _succeeded(update_after)
    assert _succeeded(me_after)["me"] == {"displayName": "Newcomer", "ideas": {"nodes": [{"title": "After"}]}}


async def test_a_read_connection_that_broke_is_discarded_not_reused(outage: Outage):
    """A request's reader holds its connection between statements; the pool cannot check it."""
    reader = outage.database.request_reader()
    await reader.fetch_all(VIEWER_BY_SUBJECT, subject=MEMBER)

    await outage.proxy.cut()
    with pytest.raises(asyncpg.ConnectionDoesNotExistError):
        await reader.fetch_all(VIEWER_BY_SUBJECT, subject=MEMBER)
    await outage.proxy.restore()
    after = await reader.fetch_all(VIEWER_BY_SUBJECT, subject=MEMBER)
    await reader.close()

    assert after == []
    assert outage.database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def _waiting_for_a_lock(direct: asyncpg.Connection) -> None:
    """Until another session of this database waits for a row lock."""
    query = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 10
    while not await direct.fetchval(query):
        assert time.monotonic() < deadline, "the mutation never waited for the row lock"
        await asyncio.sleep(0.02)


async def test_a_mutation_cut_off_by_an_outage_gets_service_unavailable_and_writes_nothing(outage: Outage):
    async with _http(outage.database) as http:
        idea = await _member_with_an_idea(http)
        direct = await asyncpg.connect(outage.direct)
        try:
            async with direct.transaction():
                await direct.execute("SELECT 1 FROM idea FOR UPDATE")
                update = asyncio.create_task(
                    _graphql(http, UPDATE_IDEA, {"input": {"id": idea, "title": "Lost"}})
                )
                await _waiting_for_a_lock(direct)
                await outage.proxy.cut()
                response = await update
            titles = await direct.fetch("SELECT title FROM idea")
        finally:
            await direct.close()

    errors = _unavailable(response)
    assert [error["path"] for error in errors] == [["updateIdea"]]
    assert [row["title"] for row in titles] == ["Before"]


# SQLite: writers wait for each other's write lock, up to the busy timeout.


async def test_a_write_kept_waiting_too_long_for_the_sqlite_lock_gets_service_unavailable(database: Database):
    if database.dialect != "sqlite":
        pytest.skip("a SQLite file's write lock")
    async with _http(database) as http:
        _succeeded(await _graphql(http, CREATE_PROFILE, {"input": NEWCOMER}))
        blocker = sqlite3.connect(str(database.engine.url.database), isolation_level=None)
        try:
            blocker.execute("BEGIN EXCLUSIVE")
            response = await _graphql(http, CREATE_IDEA, {"input": {"title": "Late", "teaser": "Too late"}})
        finally:
            blocker.close()

    errors = _unavailable(response)
    assert [error["path"] for error in errors] == [["createIdea"]]
    assert await database.fetch_scalar(select(func.count()).select_from(Idea)) == 0


WRITES = 30


async def test_two_processes_writing_at_once_wait_for_each_other(database: Database):
    """Two engines on one database, as two replicas have: every write of both lands."""
    other = Database(database.url)
    try:
        async with _http(database) as first, _http(other) as second:
            writers = {"portal|writer-1": first, "portal|writer-2": second}
            for subject, http in writers.items():
                _succeeded(await _graphql(http, CREATE_PROFILE, {"input": NEWCOMER}, subject))
            responses = await asyncio.gather(
                *(
                    _graphql(http, CREATE_IDEA, {"input": {"title": f"Idea {n}", "teaser": "Both"}}, subject)
                    for n in range(WRITES)
                    for subject, http in writers.items()
                )
            )
    finally:
        await other.dispose()

    for response in responses:
        _succeeded(response)
    assert await database.fetch_scalar(select(func.count()).select_from(Idea)) == 2 * WRITES


# `cip-graph serve` and `cip-graph migrate` as real processes.


@dataclass
class Served:
    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _environment(database_url: str, **settings: str) -> dict[str, str]:
    return {
        **os.environ,
        "CIP_DATABASE_URL": database_url,
        "CIP_ENV": "test",
        "CIP_JWT_SECRET": TEST_SETTINGS.jwt_secret.get_secret_value() if TEST_SETTINGS.jwt_secret else "",
        **settings,
    }


async def _serve(database_url: str, folder: Path, **settings: str) -> Served:
    """`cip-graph serve` on a free port, once it is ready."""
    port = _free_port()
    log = folder / f"serve-{port}.log"
    with log.open("w") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "app", "serve", "--port", str(port)),
            env=_environment(database_url, **settings),
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    served = Served(process, port, log)
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=1) as http:
        while True:
            try:
                if (await http.get(f"{served.url}/readyz")).status_code == 200:
                    return served
            except httpx.TransportError:
                pass
            if process.returncode is not None or time.monotonic() > deadline:
                if process.returncode is None:
                    process.kill()
                pytest.fail(f"cip-graph serve did not become ready:\n{log.read_text()}")
            await asyncio.sleep(0.1)


async def _stop(served: Served) -> int:
    served.process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(served.process.wait(), 30)


async def _refuses_connections(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except ConnectionRefusedError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


async def _until_refusing(port: int) -> None:
    deadline = time.monotonic() + 5
    while not await _refuses_connections(port):
        assert time.monotonic() < deadline, "the server still accepts connections"
        await asyncio.sleep(0.05)


async def test_serve_finishes_a_request_in_flight_when_it_is_stopped(tmp_path: Path):
    path = tmp_path / "cip.db"
    served = await _serve(f"sqlite+aiosqlite:///{path}", tmp_path, CIP_DEMO_DATA="false")
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as http:
        _succeeded(await _graphql(http, CREATE_PROFILE, {"input": NEWCOMER}))
        blocker = sqlite3.connect(path, isolation_level=None)
        try:
            blocker.execute("BEGIN EXCLUSIVE")
            in_flight = asyncio.create_task(
                _graphql(http, CREATE_IDEA, {"input": {"title": "In flight", "teaser": "Lands"}})
            )
            await asyncio.sleep(1)  # the mutation now waits for the write lock, up to the busy timeout
            served.process.send_signal(signal.SIGTERM)
            await _until_refusing(served.port)
        finally:
            blocker.close()
        response = await in_flight

    _succeeded(response)
    assert await asyncio.wait_for(served.process.wait(), 30) == 0
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT title FROM idea").fetchall() == [("In flight",)]
    assert await _refuses_connections(served.port)


@pytest.fixture
async def fresh_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of this test's own: a new SQLite file, or a new PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'cip.db'}"
        return
    name = f"cip_test_faults_{os.getpid()}"
    await _on_server(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRESQL_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await _on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _rows(url: str, query: str) -> list[Any]:
    database = Database(url)
    try:
        return list(await database.fetch_all(text(query)))
    finally:
        await database.dispose()


@asynccontextmanager
async def _gate(backend: str, url: str) -> AsyncIterator[tuple[str, Callable[[], Awaitable[None]]]]:
    """The URL for processes to reach `url` by, and how to let them through: until then each
    waits at its first connection (PostgreSQL, behind a proxy) or for the write lock (SQLite)."""
    if backend == "postgresql":
        address = urlsplit(url)
        proxy = Proxy(address.hostname or "127.0.0.1", address.port or 5432)
        await proxy.start()
        proxy.hold()

        async def open_proxy() -> None:
            deadline = time.monotonic() + 30
            while proxy.held < 2:
                assert time.monotonic() < deadline, "the processes never connected"
                await asyncio.sleep(0.02)
            proxy.release()

        try:
            yield _through(proxy, url), open_proxy
        finally:
            await proxy.close()
        return
    blocker = sqlite3.connect(str(make_url(url).database), isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")

    async def open_lock() -> None:
        await asyncio.sleep(2)  # both processes have started and wait, within the busy timeout
        blocker.rollback()

    try:
        yield url, open_lock
    finally:
        blocker.close()


async def test_two_migrations_started_at_once_apply_each_revision_once(backend: str, fresh_url: str):
    async with _gate(backend, fresh_url) as (url, open_gate):
        migrations = [
            await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", "app", "migrate"),
                env=_environment(url),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for _ in range(2)
        ]
        await open_gate()
        outputs = await asyncio.gather(*(migration.communicate() for migration in migrations))

    assert [migration.returncode for migration in migrations] == [0, 0], outputs
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert await _rows(fresh_url, "SELECT version_num FROM alembic_version") == [(head,)]


async def test_two_replicas_started_at_once_load_the_demo_data_once(fresh_url: str, tmp_path: Path):
    replicas = await asyncio.gather(*(_serve(fresh_url, tmp_path) for _ in range(2)))
    exits = [await _stop(replica) for replica in replicas]

    assert exits == [0, 0]
    assert await _rows(fresh_url, "SELECT count(*) FROM profile") == [(DemoSize().profiles,)]
    assert await _rows(fresh_url, "SELECT count(*) FROM skill") == [(len(SKILLS),)]


async def test_a_sqlite_start_up_gives_the_planner_statistics(tmp_path: Path):
    """SQLite never analyses by itself, and a plan made without statistics can be very slow."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'cip.db'}")
    try:
        await migrate(database)
        await load_demo_data(database, DemoSize(profiles=20))
        await migrate(database)  # the next start
        analysed = await database.fetch_all(text("SELECT DISTINCT tbl FROM sqlite_stat1"))
    finally:
        await database.dispose()

    assert {"idea", "profile", "profile_skill"} <= {row.tbl for row in analysed}
