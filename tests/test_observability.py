"""Observability: one JSON access line per GraphQL request (with its request id, operations, viewer,
outcome, status, duration and SQL statement count) and never a token or personal data in the logs;
Prometheus metrics at /metrics with bounded labels; OpenTelemetry spans only when CIP_OTEL is on."""

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from strawberry.extensions import SchemaExtension

import app.metrics
from app.logs import PrivateAccessFilter, RequestIdFilter, formatter
from app.main import create_app
from app.settings import Settings
from models.db import Database
from models.statements import counting_statements
from resolvers.topic import ALL_TOPICS
from schema import Query
from schema.federation import Schema
from tests.conftest import TEST_SETTINGS, GraphQLClient
from tests.live import LiveServer, bearer, eventually, waiting
from tests.world import World

SKILLS = "query SkillList { skills(first: 2) { nodes { slug } } }"
TOPICS = "query TopicList { topics { slug } }"
UPDATE_BIO = """
mutation UpdateBio($bio: String) {
  updateProfile(input: {bio: $bio}) { profile { bio } errors { code } }
}"""
EMAIL = "jane.doe@example.org"
NAME = "Jane Doe-Personal"
INVITES = "subscription Invites { inviteEvents { kind } }"
GAUGE = "cip_graph_active_subscriptions"


@dataclass
class Logs:
    """What the service logged, as the JSON formatter of `cip-graph serve` wrote it."""

    stream: io.StringIO

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self, logger: str | None = None) -> list[dict[str, Any]]:
        """Every line is one JSON object; those of `logger`, or all."""
        lines = [json.loads(line) for line in self.text.splitlines()]
        return [line for line in lines if logger is None or line["logger"] == logger]

    def access(self) -> dict[str, Any]:
        """The one access line written so far."""
        (line,) = self.lines("cip_graph.access")
        return line


@pytest.fixture
def logs() -> Iterator[Logs]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    handler.addFilter(RequestIdFilter())
    handler.addFilter(lambda record: not record.name.startswith(("httpx", "httpcore")))  # the tests' client
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield Logs(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@asynccontextmanager
async def app_client(database: Database, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app with other settings than the `client` fixture's."""
    app = create_app(Settings(**(TEST_SETTINGS.model_dump() | settings)), database=database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cip.test") as http:
        yield http


async def post(
    client: GraphQLClient, query: str, headers: dict[str, str] | None = None, **body: Any
) -> httpx.Response:
    return await client.http.post(
        "/graphql", json={"query": query, **body}, headers=client.headers | (headers or {})
    )


async def scrape(http: httpx.AsyncClient) -> str:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    return response.text


def sample(metrics: str, name: str, **labels: str) -> float:
    """The value of the sample with exactly these labels; 0 when there is none."""
    for family in text_string_to_metric_families(metrics):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    return 0.0


def labels_of(metrics: str, name: str, label: str) -> set[str]:
    return {
        found.labels[label]
        for family in text_string_to_metric_families(metrics)
        for found in family.samples
        if found.name == name
    }


# The access line


async def test_a_query_writes_one_access_line_with_who_what_and_how_it_went(world: World, logs: Logs):
    with world.owner.database.recorded_statements() as statements:
        response = await post(world.owner, SKILLS, {"X-Request-ID": "portal-7f3a.42"})

    assert response.headers["X-Request-ID"] == "portal-7f3a.42"
    line = logs.access()
    assert line["level"] == "INFO"
    assert line["request_id"] == "portal-7f3a.42"
    assert line["operations"] == ["SkillList"]
    assert line["operation_types"] == ["query"]
    assert line["viewer"] == "profile:1"
    assert (line["outcome"], line["error_codes"], line["status"]) == ("ok", [], 200)
    assert line["sql_statements"] == len(statements) > 0
    assert line["duration_ms"] > 0
    assert "time" in line


async def test_statements_of_a_mutation_are_counted_on_both_paths(world: World, logs: Logs):
    with world.owner.database.recorded_statements() as statements:
        response = await post(world.owner, UPDATE_BIO, variables={"bio": "Civic tech"})

    assert response.json()["data"]["updateProfile"]["errors"] == []
    assert logs.access()["sql_statements"] == len(statements) > 2


async def test_a_request_without_a_usable_request_id_gets_one(client: GraphQLClient, logs: Logs):
    response = await post(client, SKILLS, {"X-Request-ID": 'forged" level=ERROR ' + "x" * 200})

    generated = response.headers["X-Request-ID"]
    assert len(generated) == 32
    assert logs.access()["request_id"] == generated


async def test_a_batch_lists_its_operations_in_the_order_sent(client: GraphQLClient, logs: Logs):
    batch = [{"query": SKILLS}, {"query": TOPICS}, {"query": "{ skills(first: -1) { totalCount } }"}]

    response = await client.http.post("/graphql", json=batch, headers=client.headers)

    assert response.status_code == 200
    line = logs.access()
    assert line["operations"] == ["SkillList", "TopicList", "anonymous"]
    assert (line["outcome"], line["error_codes"]) == ("error", ["BAD_USER_INPUT"])
    assert line["viewer"] == "subject:portal|admin"


async def test_a_request_refused_before_any_operation_is_logged_with_its_status(
    client: GraphQLClient, logs: Logs
):
    response = await post(client, SKILLS, {"Authorization": "Bearer not-a-token"})

    assert response.status_code == 401
    line = logs.access()
    assert (line["operations"], line["status"], line["outcome"], line["viewer"]) == ([], 401, "error", None)
    assert line["request_id"] == response.headers["X-Request-ID"]


async def test_a_member_refused_before_any_operation_is_still_named(world: World, logs: Logs):
    too_many = [{"query": TOPICS}] * (TEST_SETTINGS.max_batch + 1)

    response = await world.owner.http.post("/graphql", json=too_many, headers=world.owner.headers)

    assert response.status_code == 400
    line = logs.access()
    assert (line["operations"], line["viewer"]) == ([], "subject:test|owner")


async def test_a_masked_error_is_logged_with_its_error_id_and_request_id(
    client: GraphQLClient, logs: Logs, monkeypatch: pytest.MonkeyPatch
):
    async def broken(*_: Any) -> list[Any]:
        raise RuntimeError("the topic table is on fire")

    monkeypatch.setattr("schema.topic.all_topics", broken)

    response = await post(client, TOPICS, {"X-Request-ID": "req-masked-1"})

    error_id = response.json()["errors"][0]["extensions"]["errorId"]
    (logged,) = logs.lines("cip_graph.errors")
    assert (logged["level"], logged["error_id"], logged["request_id"]) == ("ERROR", error_id, "req-masked-1")
    assert "the topic table is on fire" in logged["exc_info"]
    assert logs.access()["error_codes"] == ["INTERNAL_SERVER_ERROR"]


async def test_no_token_or_personal_data_reaches_the_logs(world: World, logs: Logs):
    token = world.owner.headers["Authorization"].removeprefix("Bearer ")
    search = "query Search($s: String) { ideas(filter: {search: $s}) { totalCount } }"
    wrong_type = "query Page($n: Int) { skills(first: $n) { totalCount } }"

    await post(world.owner, UPDATE_BIO, variables={"bio": f"Write to {EMAIL}, {NAME}"})
    await post(world.owner, search, variables={"s": EMAIL})
    await post(world.owner, wrong_type, variables={"n": EMAIL})
    await world.owner.http.get("/graphql", params={"query": search, "variables": json.dumps({"s": EMAIL})})

    assert len(logs.lines("cip_graph.access")) == 4
    for secret in (token, EMAIL, "jane.doe", NAME, "Bearer"):
        assert secret not in logs.text


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"query": "{ skills("}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ nope }"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": TOPICS, "operationName": "Elsewhere"}, "BAD_REQUEST"),
    ],
    ids=["syntax", "unknown field", "unknown operation"],
)
async def test_errors_without_a_code_of_ours_are_named_as_apollo_names_them(
    client: GraphQLClient, logs: Logs, body: dict[str, str], code: str
):
    await post(client, **body)

    assert logs.access()["error_codes"] == [code]


class FailingHook(SchemaExtension):
    """A hook that fails outside any field, as a broker or store going down would."""

    def on_execute(self) -> Iterator[None]:
        raise RuntimeError("broker down")
        yield


async def test_an_extension_failing_outside_any_field_is_masked_and_logged_once(logs: Logs):
    failing = Schema(query=Query, extensions=[FailingHook])

    result = await failing.execute("query Topics { topics { slug } }", {"email": EMAIL})

    (error,) = result.errors or []
    assert (error.message, error.extensions and error.extensions["code"]) == (
        "Internal server error",
        "INTERNAL_SERVER_ERROR",
    )
    (logged,) = logs.lines("cip_graph.errors")
    assert error.extensions["errorId"] in logged["message"]
    assert "broker down" in logged["exc_info"]
    assert EMAIL not in logs.text


def test_uvicorn_access_lines_keep_neither_the_client_address_nor_the_query_string():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.9:51234", "GET", f"/graphql?variables=%7B%22s%22%3A%22{EMAIL}%22%7D", "1.1", 200),
        None,
    )

    PrivateAccessFilter().filter(record)

    line = json.loads(formatter("json").format(record))
    assert line["message"] == '- - "GET /graphql HTTP/1.1" 200'


# Counting statements


async def test_statements_are_counted_on_the_driver_and_through_sqlalchemy(database: Database):
    reader = database.request_reader()
    try:
        with counting_statements() as count:
            await reader.fetch_all(ALL_TOPICS)
            await database.fetch_scalar(select(1))
    finally:
        await reader.close()

    assert count.value == 2


async def test_concurrent_requests_count_their_own_statements(database: Database):
    async def counted(statements: int) -> int:
        with counting_statements() as count:
            for _ in range(statements):
                await database.fetch_scalar(select(1))
        return count.value

    assert await asyncio.gather(counted(1), counted(3)) == [1, 3]


# Metrics


async def test_metrics_count_operations_by_name_and_outcome(client: GraphQLClient):
    with client.database.recorded_statements() as statements:
        await post(client, SKILLS)
        await post(client, SKILLS)
    await post(client, "query BadPage { skills(first: -1) { totalCount } }")

    metrics = await scrape(client.http)

    ok = {"operation": "SkillList", "type": "query", "outcome": "ok"}
    assert sample(metrics, "cip_graph_operations_total", **ok) == 2
    bad = {"operation": "BadPage", "type": "query", "outcome": "BAD_USER_INPUT"}
    assert sample(metrics, "cip_graph_operations_total", **bad) == 1
    answered = {"operation": "SkillList", "status": "200"}
    assert sample(metrics, "cip_graph_request_duration_seconds_count", **answered) == 2
    assert sample(metrics, "cip_graph_request_duration_seconds_bucket", **answered, le="10.0") == 2
    assert sample(metrics, "cip_graph_request_sql_statements_sum", operation="SkillList") == len(statements)
    assert sample(metrics, "process_cpu_seconds_total") > 0


async def test_client_chosen_names_that_are_not_sane_share_one_label(client: GraphQLClient):
    long_name = "Q" * 65
    await post(client, f"query {long_name} {{ topics {{ slug }} }}")
    await post(client, TOPICS, operationName='TopicList"} 1\nfake_metric{a="')

    metrics = await scrape(client.http)

    assert labels_of(metrics, "cip_graph_operations_total", "operation") == {"other"}
    assert sample(metrics, "cip_graph_request_duration_seconds_count", operation="other", status="400") == 1


async def test_names_beyond_the_cap_count_as_other(client: GraphQLClient, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(app.metrics, "MAX_OPERATION_NAMES", 2)

    for name in ("First", "Second", "Third", "Fourth", "First"):
        await post(client, f"query {name} {{ topics {{ slug }} }}")

    metrics = await scrape(client.http)
    assert labels_of(metrics, "cip_graph_operations_total", "operation") == {"First", "Second", "other"}
    assert sample(metrics, "cip_graph_operations_total", operation="First", type="query", outcome="ok") == 2


async def test_metrics_are_not_served_when_off(database: Database):
    async with app_client(database, metrics=False) as http:
        response = await http.get("/metrics")

    assert response.status_code == 404


async def test_the_active_subscriptions_gauge_follows_subscriptions(live: LiveServer):
    async with live.signed_in("stranger") as socket:
        await socket.subscribe("1", INVITES)
        await eventually(waiting(live.hub, 1))

        assert sample(await scrape(live.http), GAUGE) == 1

        await socket.send({"id": "1", "type": "complete"})
        await eventually(waiting(live.hub, 0))

    assert sample(await scrape(live.http), GAUGE) == 0


async def test_an_event_stream_counts_in_the_gauge_but_not_in_request_latency(live: LiveServer, logs: Logs):
    headers = {"Accept": "text/event-stream", "Authorization": bearer("stranger")}
    async with live.http.stream("POST", "/graphql", json={"query": INVITES}, headers=headers) as response:
        assert response.status_code == 200
        await eventually(waiting(live.hub, 1))

        assert sample(await scrape(live.http), GAUGE) == 1

    await eventually(lambda: len(logs.lines("cip_graph.access")) == 1)
    metrics = await scrape(live.http)
    assert sample(metrics, GAUGE) == 0
    assert sample(
        metrics, "cip_graph_operations_total", operation="Invites", type="subscription", outcome="ok"
    )
    assert labels_of(metrics, "cip_graph_request_duration_seconds_count", "operation") == set()


WORKER = """
import sys
from app.metrics import Metrics, forget_this_process

metrics = Metrics()
metrics.observe_operation("IdeaPage", "query", "ok")
metrics.active_subscriptions.inc()
if sys.argv[1] == "stops":
    forget_this_process()
"""
SCRAPE = """
import asyncio, sys
from starlette.requests import Request
from app.metrics import Metrics

response = asyncio.run(Metrics().endpoint(Request({"type": "http", "headers": []})))
sys.stdout.write(bytes(response.body).decode())
"""


def test_several_workers_are_added_up_through_the_multiprocess_directory(tmp_path: Path):
    def python(script: str, *arguments: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", script, *arguments],
            env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)},
            cwd=Path(__file__).parent.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    python(WORKER, "runs")
    python(WORKER, "stops")

    metrics = python(SCRAPE)
    ok = {"operation": "IdeaPage", "type": "query", "outcome": "ok"}
    assert sample(metrics, "cip_graph_operations_total", **ok) == 2
    assert sample(metrics, "cip_graph_active_subscriptions") == 1


# OpenTelemetry


@pytest.fixture(scope="session")
def spans() -> InMemorySpanExporter:
    """The process's tracer provider, set once, keeping finished spans in memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


async def test_an_operation_is_traced_under_its_name_when_otel_is_on(
    database: Database, spans: InMemorySpanExporter
):
    spans.clear()
    async with app_client(database, otel=True) as http:
        await http.post("/graphql", json={"query": SKILLS})

    finished = {span.name: span for span in spans.get_finished_spans()}
    assert {"GraphQL Query: SkillList", "GraphQL Parsing", "GraphQL Validation"} <= finished.keys()
    resolving = finished["GraphQL Resolving: skills"]
    assert resolving.attributes is not None
    assert resolving.attributes["graphql.path"] == "skills"
    assert not any(key.startswith("graphql.param") for key in resolving.attributes)


async def test_nothing_is_traced_when_otel_is_off(client: GraphQLClient, spans: InMemorySpanExporter):
    spans.clear()

    await post(client, SKILLS)

    assert spans.get_finished_spans() == ()
