"""The fast path: a POST of a query this process has planned is answered by its compiled plan
(schema/plan.py), one SQL statement whose result is the response, without Strawberry.

Anything unusual (a batch, extensions such as persisted queries, an event stream, a federated
trace, arguments the plan does not cover, variables the standard path would refuse, a limit it
would enforce) goes the standard way, which answers it."""

import logging
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.observation import observed
from app.response_cache import ResponseCache, key_of
from app.settings import Settings
from models.db import Database
from resolvers.viewer import Identity, Viewer, viewer_of
from schema import schema
from schema.limits import Limits, cost_problem
from schema.plan import NotPlanned, Plans

logger = logging.getLogger("cip_graph.plans")
PLAIN_REQUEST = frozenset({"query", "operationName", "variables"})


def _operation(body: bytes) -> tuple[str, str | None, dict[str, Any] | None] | None:
    """The query, operation name and variables of a plain, single operation; None otherwise."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict) or not payload.keys() <= PLAIN_REQUEST:
        return None
    query, name, variables = payload.get("query"), payload.get("operationName"), payload.get("variables")
    if (
        not isinstance(query, str)
        or not (name is None or isinstance(name, str))
        or not (variables is None or isinstance(variables, dict))
    ):
        return None
    return query, name, variables


class FastPath:
    def __init__(self, plans: Plans, settings: Settings, cache: ResponseCache | None = None) -> None:
        self.plans = plans
        self.settings = settings
        self.limits = Limits.of(settings)
        self.cache = cache

    @staticmethod
    async def _viewer(database: Database, identity: Identity) -> Viewer:
        return await viewer_of(database.plain_reader(), identity)

    async def answer(self, request: Request) -> Response | None:
        if (
            request.method != "POST"
            or request.headers.get("content-type") != "application/json"
            or "text/event-stream" in request.headers.get("accept", "")
        ):
            return None
        operation = _operation(await request.body())
        if operation is None or not self.plans.knows(operation[0], operation[1]):
            return None
        query, name, variables = operation
        database: Database = request.app.state.database
        if database.dialect != "postgresql":
            return None
        identity = getattr(request.state, "identity", None)
        cache = self.cache if identity is None else None  # anonymous answers only
        if cache is not None:
            key = key_of(query, name, variables)
            body = cache.get(key)
            if body is not None:
                _observe(name, Viewer())
                return Response(body, media_type="application/json")
            generation = cache.generation
        try:
            viewer = Viewer() if identity is None else await self._viewer(database, identity)
            plan = self.plans.get(query, name, viewer.reach)
            if plan is None:
                return None
            if cost_problem(schema._schema, plan.document, name, variables or {}, self.limits) is not None:
                return None
            statement, parameters = plan.arguments(variables, viewer, self.settings.max_page_size)
            data = await database.fetch_value(statement.query, **parameters)
        except NotPlanned:
            return None
        except Exception:  # the standard path meets the same trouble and answers it as it should
            logger.debug("The plan of %s failed; the standard path answers", name, exc_info=True)
            return None
        _observe(name, viewer)
        body = b'{"data":' + data.encode() + b"}"
        if cache is not None:
            cache.put(key, body, statement.tables, generation)
        return Response(body, media_type="application/json")


def _observe(name: str | None, viewer: Viewer) -> None:
    """For the access line and the metrics, as the standard path's ObserveOperation notes it."""
    observation = observed()
    if observation is not None:
        noted = observation.begin()
        noted.name, noted.type = name, "query"
        observation.ended(noted, viewer)
