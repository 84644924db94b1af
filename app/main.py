"""The Starlette application: GraphQL at /graphql, the member's data at /me/export, liveness at
/healthz, readiness at /readyz."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from app.auth import AuthenticationMiddleware, TokenVerifier, error_response, unauthenticated
from app.context import Context, build_context
from app.demo import load_demo_data_if_empty
from app.settings import Settings
from models.db import Database
from models.migrate import migrate
from resolvers.privacy import export_my_data
from resolvers.viewer import viewer_of
from schema import schema


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(self, settings: Settings, **options: Any) -> None:
        super().__init__(schema, **options)
        self.settings = settings

    async def get_context(self, request: Any, response: Any) -> Context:
        identity = getattr(request.state, "identity", None)
        return await build_context(request.app.state.database, self.settings, identity, request)


def tune_garbage_collector() -> None:
    """A response builds thousands of short-lived objects, so the default thresholds run full
    collections that walk the whole heap every few requests (the p99 spikes). Moving what start-up
    built out of the collector's sight and collecting young objects less often halves them."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    if await request.app.state.database.ping():
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "database unavailable"}, status_code=503)


async def export_my_data_route(request: Request) -> Response:
    """`GET /me/export`: the member's data as a JSON download, the same document as `exportMyData`."""
    identity = getattr(request.state, "identity", None)
    if identity is None:
        return unauthenticated("Sign in to export your data.")
    database: Database = request.app.state.database
    reader = database.request_reader()
    try:
        viewer = await viewer_of(reader, identity)
    finally:
        await reader.close()
    if viewer.profile_id is None:
        return error_response("You have no profile, so there is nothing to export.", "NOT_FOUND", 404)
    async with database.engine.connect() as connection:
        document = await export_my_data(connection, viewer.profile_id)
    return JSONResponse(
        document,
        headers={
            "Content-Disposition": 'attachment; filename="cip-my-data.json"',
            "Cache-Control": "no-store",
        },
    )


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    """Nothing touches the database until the app starts: the lifespan migrates and seeds.
    A database handed in (by tests) is used as it is and stays open."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if database is not None:
            yield
            return
        owned = Database(settings.database_url)
        try:
            await migrate(owned)
            if settings.demo_data:
                await load_demo_data_if_empty(owned)
            app.state.database = owned
            tune_garbage_collector()
            yield
        finally:
            await owned.dispose()

    graphql = GraphQLEndpoint(settings, graphql_ide="graphiql" if settings.serve_graphiql else None)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/me/export", export_my_data_route),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
        middleware=[Middleware(AuthenticationMiddleware, verifier=TokenVerifier.from_settings(settings))],
    )
    if database is not None:
        app.state.database = database
    return app
