"""The Starlette application: GraphQL at /graphql (HTTP, WebSocket and Server-Sent Events), the
member's data at /me/export, liveness at /healthz, readiness at /readyz."""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData, GraphQLRequestProtocol
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
from app.limits import BodySizeLimit
from app.metrics import Metrics, forget_this_process
from app.observation import ObservationMiddleware
from app.outage import OutageMiddleware
from app.persisted_queries import PersistedQueries, PersistedQueriesView
from app.plans import FastPath
from app.ratelimit import MutationLimits
from app.response_cache import ResponseCache
from app.settings import Settings
from app.tracing import start_tracing
from models.db import Database
from models.migrate import migrate
from resolvers.change import Change
from resolvers.event import Hub
from resolvers.invite import expire_invites
from resolvers.privacy import export_my_data
from resolvers.viewer import Viewer, viewer_of
from schema import schema
from schema.plan import Plans

logger = logging.getLogger("cip_graph.app")
CORS_HEADERS = ["Authorization", "Content-Type", "X-Request-ID", "Apollo-Require-Preflight"]
"""What a browser page on an allowed origin may send; tokens travel in Authorization, never in
cookies, so no credentials are allowed."""
CORS_MAX_AGE_SECONDS = 600


class GraphQLEndpoint(PersistedQueriesView):
    def __init__(
        self,
        settings: Settings,
        verifier: TokenVerifier,
        hub: Hub,
        persisted_queries: PersistedQueries,
        mutation_limits: MutationLimits,
        plans: Plans | None = None,
        response_cache: ResponseCache | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            schema,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            allowed_origins=settings.allowed_origins,
            **options,
        )
        self.settings = settings
        self.verifier = verifier
        self.hub = hub
        self.persisted_queries = persisted_queries
        self.mutation_limits = mutation_limits
        self.plans = plans
        self.fast_path = None if plans is None else FastPath(plans, settings, response_cache)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A request refused before any operation runs is answered in GraphQL's error shape,
        like every other refusal, rather than as plain text."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            try:
                response = None if self.fast_path is None else await self.fast_path.answer(request)
                if response is None:
                    response = await self.run(request)
            except HTTPException as refusal:
                response = error_response(refusal.reason, "BAD_REQUEST", refusal.status_code)
            except ClientDisconnect:
                return  # the client gave up before its request arrived: there is no one to answer
            await response(scope, receive, send)
        finally:
            context = getattr(request.state, "context", None)
            if isinstance(context, Context):
                await context.reader.close()

    def parse_json(self, data: str | bytes) -> Any:
        """The body, or a GET request's `variables` or `extensions`: an object, or an array of them
        for a batch; anything else would reach Strawberry as something it cannot read."""
        try:
            value = super().parse_json(data)
        except RecursionError as error:
            raise HTTPException(400, "The JSON nests too deeply to be read.") from error
        if not isinstance(value, dict | list):
            raise HTTPException(
                400, f"Expected a JSON object (or an array of them for a batch), got {type(value).__name__}."
            )
        return value

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Each operation, a batch's too, holds what GraphQL over HTTP allows, so that no other
        type reaches the parser, the variables' checks or the logs."""
        operations = await super().parse_http_body(request)
        for index, operation in enumerate(operations if isinstance(operations, list) else [operations]):
            problem = _malformed(operation)
            if problem is not None:
                at = f"operation {index} of the batch: " if isinstance(operations, list) else ""
                raise HTTPException(400, f"{at}{problem}")
        return operations

    def _validate_batch_request(self, request_data: list[Any], protocol: GraphQLRequestProtocol) -> None:
        """Checked on the raw JSON array, before Strawberry reads its items."""
        limit = self.settings.max_batch
        if limit == 0:
            raise HTTPException(
                400, "Batching is off on this server (CIP_MAX_BATCH=0): send one operation per request."
            )
        super()._validate_batch_request(request_data, protocol)
        if not request_data:
            raise HTTPException(400, "The batch is empty: send at least one operation.")
        if len(request_data) > limit:
            raise HTTPException(
                400,
                f"A batch may hold at most {limit} operations (CIP_MAX_BATCH); this one holds "
                f"{len(request_data)}.",
            )
        if not all(isinstance(item, dict) for item in request_data):
            raise HTTPException(400, "Every item of a batch must be an operation: a JSON object.")

    async def get_context(self, request: Any, response: Any) -> Context:
        identity = getattr(request.state, "identity", None)
        streaming = request.scope["type"] == "websocket" or "text/event-stream" in request.headers.get(
            "accept", ""
        )
        context = await build_context(
            request.app.state.database,
            self.settings,
            self.hub,
            identity,
            request,
            streaming=streaming,
            federated_trace=wants_federated_trace(self.settings, request),
            response=response if isinstance(response, Response) else None,
            mutation_limits=self.mutation_limits,
            plans=self.plans,
        )
        # Kept for __call__, which hands the connection back even when no operation runs.
        request.state.context = context
        return context

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


def _malformed(operation: GraphQLRequestData) -> str | None:
    for name, value, kind, expected in (
        ("query", operation.query, str, "a string"),
        ("operationName", operation.operation_name, str, "a string"),
        ("variables", operation.variables, dict, "an object"),
        ("extensions", operation.extensions, dict, "an object"),
    ):
        if value is not None and not isinstance(value, kind):
            return f"`{name}` must be {expected} or null, if provided."
    return None


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


@asynccontextmanager
async def forgetting_changes(
    database: Database, hub: Hub, cache: ResponseCache | None
) -> AsyncIterator[None]:
    """While the app runs, a committed write makes the response cache forget what it changed: here
    at once, in the other replicas through the event broker."""
    if cache is None:
        yield
        return
    publishing: set[asyncio.Task[None]] = set()

    def committed(tables: frozenset[str]) -> None:
        cache.forget(tables)
        task = asyncio.get_running_loop().create_task(hub.publish_change(tables))
        publishing.add(task)
        task.add_done_callback(publishing.discard)

    database.writes.listeners.append(committed)
    hub.change_listeners.append(cache.forget)
    try:
        yield
    finally:
        database.writes.listeners.remove(committed)
        hub.change_listeners.remove(cache.forget)


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    """Nothing touches the database until the app starts: the lifespan migrates and seeds.
    A database handed in (by tests) is used as it is and stays open."""
    settings = settings or Settings()
    metrics = Metrics() if settings.metrics else None
    persisted_queries = PersistedQueries.from_settings(settings)
    mutation_limits = MutationLimits.of(settings)
    hub = Hub(
        broker_for(settings),
        settings.subscriber_queue_size,
        None if metrics is None else metrics.active_subscriptions,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if database is not None:
            async with (
                persisted_queries,
                mutation_limits,
                live_events(database, hub, settings),
                forgetting_changes(database, hub, response_cache),
            ):
                yield
            return
        owned = Database(settings.database_url)
        try:
            await migrate(owned)
            if settings.demo_data:
                await load_demo_data_if_empty(owned)
            app.state.database = owned
            if settings.otel:
                start_tracing()
            tune_garbage_collector()
            async with (
                persisted_queries,
                mutation_limits,
                live_events(owned, hub, settings),
                forgetting_changes(owned, hub, response_cache),
            ):
                yield
        finally:
            forget_this_process()
            await owned.dispose()

    verifier = TokenVerifier.from_settings(settings)
    plans = Plans(schema._schema) if settings.compiled_plans else None
    response_cache = ResponseCache() if settings.response_cache and plans is not None else None
    graphql = GraphQLEndpoint(
        settings,
        verifier,
        hub,
        persisted_queries,
        mutation_limits,
        plans,
        response_cache,
        graphql_ide="graphiql" if settings.serve_graphiql else None,
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
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=settings.allowed_origins,
                allow_methods=["GET", "POST"],
                allow_headers=CORS_HEADERS,
                expose_headers=["X-Request-ID", "Retry-After"],
                max_age=CORS_MAX_AGE_SECONDS,
            ),
            Middleware(ObservationMiddleware, metrics=metrics, traced=settings.otel),
            Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),
            Middleware(AuthenticationMiddleware, verifier=verifier),
            Middleware(OutageMiddleware),
        ],
    )
    app.state.hub = hub
    if metrics is not None:
        app.add_route("/metrics", metrics.endpoint, methods=["GET"])
    if database is not None:
        app.state.database = database
    return app
