"""The Starlette application: GraphQL at /graphql (HTTP, WebSocket and Server-Sent Events), the
member's data at /me/export, liveness at /healthz, readiness at /readyz."""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from app.auth import (
    AuthenticationError,
    AuthenticationMiddleware,
    TokenVerifier,
    error_response,
    unauthenticated,
    wants_federated_trace,
)
from app.broker import broker_for
from app.context import Context, build_context
from app.demo import load_demo_data_if_empty
from app.settings import Settings
from models.db import Database
from models.migrate import migrate
from resolvers.change import Change
from resolvers.event import Hub
from resolvers.invite import expire_invites
from resolvers.privacy import export_my_data
from resolvers.viewer import Viewer, viewer_of
from schema import schema

logger = logging.getLogger("cip_graph.app")


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(self, settings: Settings, verifier: TokenVerifier, hub: Hub, **options: Any) -> None:
        super().__init__(
            schema,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            **options,
        )
        self.settings = settings
        self.verifier = verifier
        self.hub = hub

    async def get_context(self, request: Any, response: Any) -> Context:
        identity = getattr(request.state, "identity", None)
        streaming = request.scope["type"] == "websocket" or "text/event-stream" in request.headers.get(
            "accept", ""
        )
        return await build_context(
            request.app.state.database,
            self.settings,
            self.hub,
            identity,
            request,
            streaming=streaming,
            federated_trace=wants_federated_trace(self.settings, request),
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Both WebSocket protocols come through here before any operation runs. The token travels
        in `connection_init` ({"Authorization": "Bearer ..."}) or the upgrade request's header;
        without a valid one the connection is refused (graphql-transport-ws: close 4403)."""
        params = context.connection_params or {}
        authorization = params.get("Authorization", params.get("authorization"))
        if authorization is None and context.request is not None:
            authorization = context.request.headers.get("authorization")
        try:
            if authorization is not None and not isinstance(authorization, str):
                raise AuthenticationError("'Authorization' in connection_init must be a string.")
            identity = self.verifier.identity(authorization)
            if identity is None:
                raise AuthenticationError(
                    'Sign in: send {"Authorization": "Bearer <token>"} in connection_init.'
                )
        except AuthenticationError as error:
            raise ConnectionRejectionError({"message": str(error), "code": "UNAUTHENTICATED"}) from error
        context.identity = identity
        await context.renew()
        await context.reader.close()
        return UnsetType()


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


async def expire_invites_now(database: Database, hub: Hub, ttl: timedelta) -> int:
    """One sweep: expires what is due and announces it once committed."""
    async with database.transaction() as connection:
        change = Change(connection, Viewer(), datetime.now(UTC), invites_per_hour=0)
        expired = await expire_invites(change, ttl)
    await hub.publish(change.events)
    return expired


async def expire_invites_periodically(database: Database, hub: Hub, settings: Settings) -> None:
    while True:
        await asyncio.sleep(settings.invite_sweep_seconds)
        try:
            await expire_invites_now(database, hub, timedelta(days=settings.invite_ttl_days))
        except Exception:
            logger.exception("Expiring invitations failed; the next sweep tries again")


@asynccontextmanager
async def live_events(database: Database, hub: Hub, settings: Settings) -> AsyncIterator[None]:
    """The broker listens and invitations expire while the app runs; at shutdown every
    subscriber is told and released before the broker closes."""
    await hub.broker.start()
    sweeper = asyncio.create_task(expire_invites_periodically(database, hub, settings))
    try:
        yield
    finally:
        sweeper.cancel()
        with suppress(asyncio.CancelledError):
            await sweeper
        await hub.close()


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    """Nothing touches the database until the app starts: the lifespan migrates and seeds.
    A database handed in (by tests) is used as it is and stays open."""
    settings = settings or Settings()
    hub = Hub(broker_for(settings), settings.subscriber_queue_size)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if database is not None:
            async with live_events(database, hub, settings):
                yield
            return
        owned = Database(settings.database_url)
        try:
            await migrate(owned)
            if settings.demo_data:
                await load_demo_data_if_empty(owned)
            app.state.database = owned
            tune_garbage_collector()
            async with live_events(owned, hub, settings):
                yield
        finally:
            await owned.dispose()

    verifier = TokenVerifier.from_settings(settings)
    graphql = GraphQLEndpoint(
        settings, verifier, hub, graphql_ide="graphiql" if settings.serve_graphiql else None
    )
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/me/export", export_my_data_route),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
        middleware=[Middleware(AuthenticationMiddleware, verifier=verifier)],
    )
    app.state.hub = hub
    if database is not None:
        app.state.database = database
    return app
