"""Each GraphQL request observed as a whole: its request id, the operations it ran, who asked, how
it ended, how long it took and how many SQL statements it ran. Written as one access line and
recorded in the metrics; gathered per request and per operation, never per field."""

import logging
import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.metrics import Metrics, operation_name
from models.statements import StatementCount, counting_statements
from resolvers.viewer import Identity, Viewer

access_log = logging.getLogger("cip_graph.access")

GRAPHQL_PATH = "/graphql"
REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
"""What a caller's X-Request-ID must look like to be kept: a token, nothing that could forge a line."""


@dataclass(slots=True)
class Operation:
    name: str | None = None
    """As the client named it; `operation_name` makes it fit for a log line or a label."""
    type: str = "unknown"
    error_codes: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return self.error_codes[0] if self.error_codes else "ok"


@dataclass(slots=True)
class Observation:
    """What one request (or one WebSocket connection) did, gathered while it runs."""

    request_id: str
    statements: StatementCount
    metrics: Metrics | None = None
    traced: bool = False
    """Its operations are traced with OpenTelemetry (CIP_OTEL)."""
    operations: list[Operation] | None = field(default_factory=list)
    """None on a WebSocket: its operations are counted, not listed, as one connection may run thousands."""
    viewer: str | None = None

    def begin(self) -> Operation:
        """Called as an operation starts, so a batch's operations are listed in the order sent."""
        operation = Operation()
        if self.operations is not None:
            self.operations.append(operation)
        return operation

    def ended(self, operation: Operation, viewer: Viewer | None) -> None:
        if viewer is not None:
            self.viewer = viewer_id(viewer.profile_id, viewer.subject)
        if self.metrics is not None:
            self.metrics.observe_operation(operation.name, operation.type, operation.outcome)


_current: ContextVar[Observation | None] = ContextVar("cip_observation", default=None)


def observed() -> Observation | None:
    """The observation of the request running in this context, if any."""
    return _current.get()


def viewer_id(profile_id: int | None, subject: str | None) -> str | None:
    """Who asked, as ids only: the member's profile, or the portal's opaque subject until there is one."""
    if profile_id is not None:
        return f"profile:{profile_id}"
    return None if subject is None else f"subject:{subject}"


def request_id_of(sent: str | None) -> str:
    """The caller's id, so their logs and ours meet; anything else is replaced, never logged."""
    if sent is not None and REQUEST_ID.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


class ObservationMiddleware:
    """Around /graphql, outside sign-in and the body limit, so that their refusals are observed too."""

    def __init__(self, app: ASGIApp, metrics: Metrics | None, traced: bool) -> None:
        self.app = app
        self.metrics = metrics
        self.traced = traced

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] != GRAPHQL_PATH:
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(Headers(scope=scope).get(REQUEST_ID_HEADER))
        with counting_statements() as statements:
            http = scope["type"] == "http"
            observation = Observation(
                request_id, statements, self.metrics, self.traced, operations=[] if http else None
            )
            token = _current.set(observation)
            try:
                if http:
                    await self._answer(observation, scope, receive, send)
                else:
                    await self.app(scope, receive, send)
            finally:
                _current.reset(token)

    async def _answer(self, observation: Observation, scope: Scope, receive: Receive, send: Send) -> None:
        status = 500  # what the client gets when the app raises before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, observation.request_id)
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            if observation.viewer is None:
                identity: Identity | None = scope.get("state", {}).get("identity")
                observation.viewer = None if identity is None else viewer_id(None, identity.subject)
            _log_access(observation, scope["method"], status, seconds)
            operations = observation.operations or []
            # An event stream lasts as long as its subscription listens; the gauge counts those.
            if self.metrics is not None and all(operation.type != "subscription" for operation in operations):
                names = [operation.name for operation in operations]
                self.metrics.observe_request(names, status, seconds, observation.statements.value)


def _log_access(observation: Observation, method: str, status: int, seconds: float) -> None:
    if not access_log.isEnabledFor(logging.INFO):
        return
    operations = observation.operations or []
    names = [operation_name(operation.name) for operation in operations]
    codes = list(dict.fromkeys(code for operation in operations for code in operation.error_codes))
    ok = not codes and status < 400
    fields: dict[str, Any] = {
        "request_id": observation.request_id,
        "method": method,
        "operations": names,
        "operation_types": [operation.type for operation in operations],
        "outcome": "ok" if ok else "error",
        "error_codes": codes,
        "viewer": observation.viewer,
        "status": status,
        "duration_ms": round(seconds * 1000, 1),
        "sql_statements": observation.statements.value,
    }
    access_log.info(
        "%s %s: %s, %d in %.1f ms, %d SQL",
        method,
        ", ".join(names) or "-",
        ", ".join(codes) or fields["outcome"],
        status,
        fields["duration_ms"],
        fields["sql_statements"],
        extra=fields,
    )
