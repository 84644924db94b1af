"""Prometheus metrics at /metrics: operations by name and outcome, request latency, SQL statements
per request, live subscriptions, and the process's own metrics.

Operation names are chosen by clients, so a label takes only names that read as GraphQL names of
sane length, and only the first MAX_OPERATION_NAMES of them; the rest count as `other`.

With several worker processes, set PROMETHEUS_MULTIPROC_DIR to an empty directory they share:
each writes its values there and /metrics, whichever worker answers, adds them up."""

import os
import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from starlette.requests import Request
from starlette.responses import Response

MAX_OPERATION_NAMES = 200
"""Distinct operation names one process labels; a frontend sends a few dozen."""
OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
ANONYMOUS = "anonymous"
OTHER = "other"
BATCH = "batch"
"""A request's label when it batched several operations."""
NO_OPERATION = "none"
"""A request's label when it was refused before any operation ran."""
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STATEMENT_BUCKETS = (0, 1, 2, 3, 5, 10, 20, 50, 100, 250)


def operation_name(name: object) -> str:
    """What logs and metrics call an operation: its name when it reads as one, never raw client text."""
    if not name:
        return ANONYMOUS
    return name if isinstance(name, str) and OPERATION_NAME.fullmatch(name) else OTHER


def multiprocess_directory() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


class Metrics:
    """One app's metrics, in a registry of their own (so tests can read exact values)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        if multiprocess_directory() is None:
            # In multiprocess mode these describe only the worker that answers the scrape.
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)
        self.operations = Counter(
            "cip_graph_operations",
            "GraphQL operations run (each operation of a batch counts), by name, type and outcome: "
            "ok, or the code of the first error.",
            ["operation", "type", "outcome"],
            registry=self.registry,
        )
        self.request_duration = Histogram(
            "cip_graph_request_duration_seconds",
            "Time to answer a GraphQL HTTP request, by operation (batch for several, none when "
            "refused before any ran) and HTTP status.",
            ["operation", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.request_statements = Histogram(
            "cip_graph_request_sql_statements",
            "SQL statements one GraphQL HTTP request ran, by operation.",
            ["operation"],
            buckets=STATEMENT_BUCKETS,
            registry=self.registry,
        )
        self.active_subscriptions = Gauge(
            "cip_graph_active_subscriptions",
            "Subscriptions receiving live events now, over WebSocket or Server-Sent Events.",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self._names: set[str] = set()

    def label(self, name: str | None) -> str:
        """The operation label, bounded: beyond MAX_OPERATION_NAMES distinct names, `other`."""
        label = operation_name(name)
        if label in self._names:
            return label
        if len(self._names) >= MAX_OPERATION_NAMES:
            return OTHER
        self._names.add(label)
        return label

    def observe_operation(self, name: str | None, type: str, outcome: str) -> None:
        self.operations.labels(self.label(name), type, outcome).inc()

    def observe_request(self, names: list[str | None], status: int, seconds: float, statements: int) -> None:
        operation = self.label(names[0]) if len(names) == 1 else BATCH if names else NO_OPERATION
        self.request_duration.labels(operation, str(status)).observe(seconds)
        self.request_statements.labels(operation).observe(statements)

    async def endpoint(self, request: Request) -> Response:
        """`GET /metrics` in the format the scraper asks for (Prometheus text or OpenMetrics)."""
        encode, media_type = choose_encoder(request.headers.get("accept", ""))
        registry = self.registry
        if multiprocess_directory() is not None:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return Response(encode(registry), media_type=media_type)


def forget_this_process() -> None:
    """A worker that stops takes its live subscriptions out of the shared sum."""
    if multiprocess_directory() is not None:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
