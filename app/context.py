"""The per-request context every resolver receives."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import HTTPConnection
from starlette.responses import Response

from app.ratelimit import MutationLimits
from app.settings import Settings
from loaders import Loaders
from models.db import Database, RequestReader
from resolvers.event import Hub
from resolvers.viewer import Identity, Viewer, viewer_of

if TYPE_CHECKING:
    from schema.plan import Plans


@dataclass(slots=True)
class Context:
    database: Database
    settings: Settings
    reader: RequestReader
    """The request's read connection; released when the operation ends."""
    identity: Identity | None
    viewer: Viewer
    loaders: Loaders
    hub: Hub
    """Live events: subscribing, and publishing what a mutation announced."""
    request: HTTPConnection | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    """One clock reading per request, so every round in a response agrees on its phase."""
    connection_params: dict[str, Any] | None = None
    """The payload of a WebSocket's `connection_init`, where the token may travel."""
    streaming: bool = False
    """A WebSocket or an event stream, over which subscriptions can send their events."""
    federated_trace: bool = False
    """The trusted router asked for a federated trace (ftv1) of this operation."""
    response: Response | None = None
    """The HTTP answer's status and headers, which an operation may set (Retry-After)."""
    mutation_limits: MutationLimits | None = None
    """How many mutations a member and an address may run a minute; shared by the app's requests."""
    plans: "Plans | None" = None
    """The compiled plans of the queries answered so far (CIP_COMPILED_PLANS, PostgreSQL only)."""

    async def renew(self) -> None:
        """After a write the viewer's teams may have changed and loaded rows are stale."""
        self.viewer = await viewer_of(self.reader, self.identity)
        self.refresh()

    def refresh(self, loaders: Loaders | None = None) -> None:
        """Forgets loaded rows: a live subscription resolves each event with what is current."""
        self.now = datetime.now(UTC)
        self.loaders = loaders or Loaders(self.reader, self.viewer)


async def build_context(
    database: Database,
    settings: Settings,
    hub: Hub,
    identity: Identity | None,
    request: HTTPConnection | None = None,
    *,
    streaming: bool = False,
    federated_trace: bool = False,
    response: Response | None = None,
    mutation_limits: MutationLimits | None = None,
    plans: "Plans | None" = None,
) -> Context:
    reader = database.request_reader()
    try:
        viewer = await viewer_of(reader, identity)
    except BaseException:
        await reader.close()  # no operation runs, so no extension would hand the connection back
        raise
    return Context(
        database=database,
        settings=settings,
        reader=reader,
        identity=identity,
        viewer=viewer,
        loaders=Loaders(reader, viewer),
        hub=hub,
        request=request,
        streaming=streaming,
        federated_trace=federated_trace,
        response=response,
        mutation_limits=mutation_limits,
        plans=plans,
    )
