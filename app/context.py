"""The per-request context every resolver receives."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.requests import HTTPConnection

from app.settings import Settings
from loaders import Loaders
from models.db import Database, RequestReader
from resolvers.viewer import Identity, Viewer, viewer_of


@dataclass(slots=True)
class Context:
    database: Database
    settings: Settings
    reader: RequestReader
    """The request's read connection; released when the operation ends."""
    identity: Identity | None
    viewer: Viewer
    loaders: Loaders
    request: HTTPConnection | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    """One clock reading per request, so every round in a response agrees on its phase."""

    async def renew(self) -> None:
        """After a write the viewer's teams may have changed and loaded rows are stale."""
        self.viewer = await viewer_of(self.reader, self.identity)
        self.loaders = Loaders(self.reader, self.viewer)


async def build_context(
    database: Database, settings: Settings, identity: Identity | None, request: HTTPConnection | None = None
) -> Context:
    reader = database.request_reader()
    viewer = await viewer_of(reader, identity)
    return Context(
        database=database,
        settings=settings,
        reader=reader,
        identity=identity,
        viewer=viewer,
        loaders=Loaders(reader, viewer),
        request=request,
    )
