"""The per-request context every resolver receives."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.requests import Request

from loaders import Loaders
from models.db import Database, RequestReader


@dataclass(slots=True)
class Context:
    database: Database
    reader: RequestReader
    """The request's read connection; released when the operation ends."""
    loaders: Loaders
    request: Request | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    """One clock reading per request, so every round in a response agrees on its phase."""


def build_context(database: Database, request: Request | None = None) -> Context:
    reader = database.request_reader()
    return Context(database=database, reader=reader, loaders=Loaders(reader), request=request)
